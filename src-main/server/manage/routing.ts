import {
  AliasDto,
  AUTO_MODEL,
  CategoryDto,
  DeletedRoutingDto,
  ModelCategoriesDto,
  PatchRoutingSettingsBody,
  PutAliasBody,
  PutCategoryBody,
  PutModelCategoriesBody,
  RouteTestBody,
  RouteTestDto,
  RoutingDto,
  RoutingSettingsDto,
} from "../../contract/index.js";
import { invalidRequest } from "../../gateway/errors.js";
import {
  conflict,
  forbidden,
  mutate,
  notFound,
  nothingToChange,
  route,
  type Call,
  type ManageRoute,
} from "./routeTable.js";

/** Longest alias id, as for pools. */
const MAX_ID = 200;

/** A model id from the path: visible ASCII without spaces, `/` allowed between segments. */
function modelIdParam(c: Call, name: string): string {
  const id = c.params[name]!;
  if (id.length > MAX_ID || !/^[\x21-\x7e]+$/.test(id) || id.split("/").includes(""))
    throw invalidRequest(
      `An id is a model id: 1 to ${MAX_ID} visible ASCII characters without spaces or empty '/' segments.`,
      name,
    );
  return id;
}

function routing(c: Call): RoutingDto {
  const repo = c.deps.store.routing;
  return {
    settings: repo.settingsNow(),
    categories: repo.categories(),
    aliases: repo.aliases(),
    model_categories: repo.modelCategories(),
  };
}

/** Every category named must exist (they are the grammar's alternatives and access keys). */
function knownCategories(c: Call, categories: string[], param: string): void {
  categories.forEach((name, i) => {
    if (!c.deps.store.routing.category(name))
      throw invalidRequest(
        `No category '${name}': add it first (PUT /manage/v1/routing/categories/${name}).`,
        `${param}[${i}]`,
      );
  });
}

/** A target must be something that can serve: a local model, a pool, or another alias. */
async function knownTarget(c: Call, id: string, param: string): Promise<void> {
  if (id === AUTO_MODEL) throw invalidRequest(`'${AUTO_MODEL}' cannot be a target.`, param);
  if (c.deps.store.routing.alias(id) || c.deps.store.pools.get(id)) return;
  if (await c.deps.localModelExists(id)) return;
  throw invalidRequest(`No model, pool or alias '${id}'.`, param);
}

/**
 * Routing (`docs/ROUTING.md`): categories, aliases (fallback chains), the categories of models
 * and pools, the settings of `auto`, and a dry run of where a prompt would go.
 */
export const routingRoutes: ManageRoute[] = [
  route({
    method: "get",
    path: "/routing",
    access: "staff",
    summary: "Routing settings, categories (the route table), aliases and model categories",
    response: RoutingDto,
    handle: routing,
  }),
  route({
    method: "patch",
    path: "/routing/settings",
    access: "admin",
    summary: "Change how `auto` classifies: classifier, router model, defaults",
    body: PatchRoutingSettingsBody,
    response: RoutingSettingsDto,
    handle: async (c) => {
      if (Object.keys(c.body).length === 0) throw nothingToChange();
      const repo = c.deps.store.routing;
      const { router_model, default_target, default_category } = c.body;
      if (router_model && !(await c.deps.localModelExists(router_model)))
        throw invalidRequest(
          `The router model must be a local model; '${router_model}' is not one.`,
          "router_model",
        );
      if (default_target) await knownTarget(c, default_target, "default_target");
      if (default_category) knownCategories(c, [default_category], "default_category");
      return mutate(
        c,
        { action: "routing.settings", targetType: "routing", targetId: null, memberId: null },
        () => {
          const before = repo.settingsNow();
          const after = { ...before, ...c.body };
          repo.setSettings(after);
          return { before, after, result: after };
        },
      );
    },
  }),
  route({
    method: "put",
    path: "/routing/categories/:name",
    access: "admin",
    summary: "Create or change a category: description, kNN examples and its target",
    body: PutCategoryBody,
    response: CategoryDto,
    handle: async (c) => {
      const parsed = CategoryDto.shape.name.safeParse(c.params.name);
      if (!parsed.success)
        throw invalidRequest(
          "A category name is 1 to 32 lower-case letters, digits, '-' or '_', starting with a letter.",
          "name",
        );
      const name = parsed.data;
      if (c.body.target) await knownTarget(c, c.body.target, "target");
      const repo = c.deps.store.routing;
      return mutate(
        c,
        { action: "category.set", targetType: "category", targetId: name, memberId: null },
        () => {
          const before = repo.category(name) ?? null;
          const after = repo.putCategory({
            name,
            description: c.body.description ?? before?.description ?? "",
            examples: c.body.examples ?? before?.examples ?? [],
            target: c.body.target !== undefined ? c.body.target : (before?.target ?? null),
          });
          return { before, after, result: after };
        },
      );
    },
  }),
  route({
    method: "delete",
    path: "/routing/categories/:name",
    access: "admin",
    summary: "Delete a category of the lab's own (built-in ones are kept)",
    response: DeletedRoutingDto,
    handle: (c) => {
      const repo = c.deps.store.routing;
      const before = repo.category(c.params.name!);
      if (!before) throw notFound("category");
      if (before.builtin)
        throw conflict(
          `'${before.name}' is a built-in category: change it, but it cannot be deleted.`,
          "builtin_category",
        );
      return mutate(
        c,
        {
          action: "category.delete",
          targetType: "category",
          targetId: before.name,
          memberId: null,
        },
        () => {
          repo.deleteCategory(before.name);
          return { before, after: null, result: { id: before.name, deleted: true as const } };
        },
      );
    },
  }),
  route({
    method: "put",
    path: "/routing/aliases/*id",
    access: "admin",
    summary: "Create or replace an alias: an exposed model id tried as an ordered list of targets",
    body: PutAliasBody,
    response: AliasDto,
    handle: async (c) => {
      const id = modelIdParam(c, "id");
      if (id === AUTO_MODEL)
        throw conflict(`'${AUTO_MODEL}' is reserved for routing.`, "model_id_taken");
      if ((await c.deps.localModelExists(id)) || c.deps.store.pools.get(id))
        throw conflict(
          `'${id}' is already a local model or pool id: an alias of that name would never be routed to. Pick another id.`,
          "model_id_taken",
        );
      for (const [i, t] of c.body.targets.entries()) {
        if (t === id) throw invalidRequest("An alias cannot name itself.", `targets[${i}]`);
        await knownTarget(c, t, `targets[${i}]`);
      }
      knownCategories(c, c.body.categories, "categories");
      const repo = c.deps.store.routing;
      return mutate(
        c,
        { action: "alias.set", targetType: "alias", targetId: id, memberId: null },
        () => {
          const before = repo.alias(id) ?? null;
          const after = repo.putAlias({ id, ...c.body });
          return { before, after, result: after };
        },
      );
    },
  }),
  route({
    method: "delete",
    path: "/routing/aliases/*id",
    access: "admin",
    summary: "Delete an alias",
    response: DeletedRoutingDto,
    handle: (c) => {
      const repo = c.deps.store.routing;
      const before = repo.alias(c.params.id!);
      if (!before) throw notFound("alias");
      return mutate(
        c,
        { action: "alias.delete", targetType: "alias", targetId: before.id, memberId: null },
        () => {
          repo.deleteAlias(before.id);
          return { before, after: null, result: { id: before.id, deleted: true as const } };
        },
      );
    },
  }),
  route({
    method: "put",
    path: "/routing/model-categories/*model",
    access: "admin",
    summary: "Set the categories of a local model or pool (empty: none)",
    body: PutModelCategoriesBody,
    response: ModelCategoriesDto,
    handle: (c) => {
      const model = modelIdParam(c, "model");
      const repo = c.deps.store.routing;
      if (model === AUTO_MODEL || repo.alias(model))
        throw invalidRequest(
          "Aliases carry their categories in their own body; `auto` has none.",
          "model",
        );
      knownCategories(c, c.body.categories, "categories");
      return mutate(
        c,
        { action: "model.categories", targetType: "model", targetId: model, memberId: null },
        () => {
          const before = { model, categories: repo.categoriesOf(model) };
          repo.setModelCategories(model, c.body.categories);
          const after = { model, categories: repo.categoriesOf(model) };
          return { before, after, result: after };
        },
      );
    },
  }),
  route({
    method: "post",
    path: "/routes/test",
    access: "any",
    summary:
      "Where a prompt would go and why: routed and classified like a request, but not answered or billed",
    body: RouteTestBody,
    response: RouteTestDto,
    handle: async (c) => {
      const { prompt, messages, model, classifier, member_id } = c.body;
      if ((prompt === undefined) === (messages === undefined))
        throw invalidRequest("Send exactly one of 'prompt' or 'messages'.", "prompt");
      const staff = ["owner", "admin", "viewer"].includes(c.principal.role);
      if (member_id !== undefined && member_id !== c.principal.memberId && !staff)
        throw forbidden("Only staff may test another member's routes.", "member_id");
      const memberId = member_id ?? c.principal.memberId;
      if (member_id !== undefined && !c.deps.store.members.get(memberId)) throw notFound("member");
      // The classifier stops if the caller leaves.
      const left = new AbortController();
      c.res.once("close", () => left.abort());
      return c.deps.explainRoute({
        model,
        messages: messages ?? [{ role: "user", content: prompt! }],
        memberId,
        ...(classifier ? { classifier } : {}),
        signal: left.signal,
      });
    },
  }),
];
