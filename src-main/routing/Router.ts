import { AUTO_MODEL, type ClassifierKind } from "../contract/manage/routing.js";
import { ApiError } from "../gateway/errors.js";
import type { ChatRequest, RequestContext } from "../gateway/types.js";
import type { Provider } from "../providers/types.js";
import type { RoutingRepo } from "../store/routingRepo.js";
import { classifyByGrammar, KnnClassifier, type Classification } from "./classifiers.js";
import { classifierText } from "./routeText.js";

/**
 * Why a request goes where it goes: `direct` (a concrete model was named), `forced`
 * (`x-benchtop-model`), `alias` (an alias's chain), `classified` (`auto` picked the category),
 * `unclear` / `failed` (`auto` fell to the default category), `default` (`auto` without any
 * classifiable category).
 */
export type RouteReason =
  "direct" | "forced" | "alias" | "classified" | "unclear" | "failed" | "default";

/**
 * The routing step's verdict on one request, in the shape of a before-hook's
 * `{verdict, transformed}`: where to send it (targets, tried in order) and what to record. The
 * gateway decides what to do with it (access, admission, attempts).
 */
export interface RouteDecision {
  /** The model id the client named (`auto`, an alias, or a model). */
  requested: string;
  /** Concrete model and pool ids, in the order they are tried. */
  targets: string[];
  category: string | null;
  classifier: ClassifierKind | null;
  reason: RouteReason;
  score: number | null;
  /** The local model that classified, and the tokens it used (priced at its price). */
  router: { model: string; promptTokens: number; completionTokens: number } | null;
}

export interface RouterDeps {
  repo: RoutingRepo;
  /** The local provider: the router model classifies on it. */
  local: Provider;
  /** Local model ids, sorted: the first is the default router model and default target. */
  localModels: () => Promise<string[]>;
  /** Whether `id` is a local model (the router model must be one). */
  hasLocalModel: (id: string) => Promise<boolean>;
}

/** Options of one routing decision. */
export interface RouteOptions {
  /** `x-benchtop-model`: the target, whatever the requested id says. */
  forced?: string;
  /** Whether the caller may use a target id (allow-list and categories): `auto` offers only those. */
  mayUse: (id: string) => boolean;
  /** Classify with this one instead of the configured classifier (route tests). */
  classifier?: ClassifierKind;
  /** Which categories may be chosen: chat never routes to `embedding`, embeddings only do. */
  purpose: "chat" | "embedding";
}

/** Aliases may name aliases; expansion stops this deep (and never loops). */
const MAX_ALIAS_DEPTH = 3;

/**
 * `src-main/routing/`: aliases (ordered fallback chains), categories, and `auto`, which
 * classifies the request with the router model and sends it to its category's target.
 */
export class Router {
  private readonly knn: KnnClassifier;

  constructor(private readonly deps: RouterDeps) {
    this.knn = new KnnClassifier(deps.local);
  }

  /** Whether `id` is routed here (an alias or `auto`) rather than served by a provider. */
  isRouted(id: string): boolean {
    return id === AUTO_MODEL || this.deps.repo.alias(id) !== undefined;
  }

  /**
   * The ids routing adds to `/v1/models`: the aliases, and `auto` once it has somewhere to go
   * (a local model, a default target, or a category's target).
   */
  async exposedIds(): Promise<string[]> {
    const aliases = this.deps.repo.aliases().map((a) => a.id);
    const routable =
      (await this.defaultTarget()) !== undefined ||
      this.deps.repo.categories().some((c) => c.target !== null);
    return routable ? [AUTO_MODEL, ...aliases] : aliases;
  }

  /**
   * Categories of any exposed id. `auto` spans every category (it routes only within what the
   * caller may use), so access given by category admits it.
   */
  categoriesOf(id: string): string[] {
    return id === AUTO_MODEL
      ? this.deps.repo.categories().map((c) => c.name)
      : this.deps.repo.categoriesOf(id);
  }

  /**
   * Where a request that must not classify goes (counting tokens): an alias's chain, or for
   * `auto` its default category's target.
   */
  async countingTargets(id: string): Promise<string[]> {
    if (id !== AUTO_MODEL) return this.expand(id);
    const target = await this.targetOf(this.deps.repo.settingsNow().default_category);
    return target === undefined ? [] : this.expand(target);
  }

  /** Alias targets with nested aliases expanded in place, duplicates dropped. */
  expand(id: string, depth = 0, seen = new Set<string>()): string[] {
    const alias = this.deps.repo.alias(id);
    if (!alias) return seen.has(id) ? [] : (seen.add(id), [id]);
    if (depth >= MAX_ALIAS_DEPTH || seen.has(id)) return [];
    seen.add(id);
    return alias.targets.flatMap((t) => this.expand(t, depth + 1, seen));
  }

  async route(
    model: string,
    messages: ChatRequest["messages"],
    ctx: RequestContext,
    opts: RouteOptions,
  ): Promise<RouteDecision> {
    const base = { requested: model, score: null, router: null, classifier: null };
    if (opts.forced !== undefined)
      return {
        ...base,
        targets: this.expand(opts.forced),
        category: this.categoriesOf(opts.forced)[0] ?? null,
        reason: "forced",
      };
    if (model !== AUTO_MODEL) {
      const alias = this.deps.repo.alias(model);
      return alias
        ? {
            ...base,
            targets: this.expand(model),
            category: alias.categories[0] ?? null,
            reason: "alias",
          }
        : {
            ...base,
            targets: [model],
            category: this.categoriesOf(model)[0] ?? null,
            reason: "direct",
          };
    }
    return this.auto(messages, ctx, opts);
  }

  /** The target of a category: its own, else the default target, else the first local model. */
  async targetOf(category: string): Promise<string | undefined> {
    const c = this.deps.repo.category(category);
    return c?.target ?? (await this.defaultTarget());
  }

  private async defaultTarget(): Promise<string | undefined> {
    const configured = this.deps.repo.settingsNow().default_target;
    if (configured !== null) return configured;
    return (await this.deps.localModels())[0];
  }

  private async auto(
    messages: ChatRequest["messages"],
    ctx: RequestContext,
    opts: RouteOptions,
  ): Promise<RouteDecision> {
    const { repo } = this.deps;
    const settings = repo.settingsNow();
    const kind = opts.classifier ?? settings.classifier;
    // Only the categories this caller may be routed to are offered: a member without access to
    // the reasoning model is never classified into it (and sent a 403).
    const offered = [];
    for (const c of repo.categories()) {
      if ((c.name === "embedding") !== (opts.purpose === "embedding")) continue;
      const target = c.target ?? (await this.defaultTarget());
      if (target !== undefined && opts.mayUse(target)) offered.push(c);
    }
    if (offered.length === 0)
      throw new ApiError(
        403,
        "permission_error",
        `'${AUTO_MODEL}' has no route you are allowed to use: every category's target is outside your access. Ask your lab admin.`,
        "model_not_allowed",
        "model",
      );
    const fallbackCategory =
      offered.find((c) => c.name === settings.default_category)?.name ?? offered[0]?.name ?? null;
    const decide = async (
      category: string | null,
      reason: RouteReason,
      c: Classification | null,
      routerModel: string | null,
    ): Promise<RouteDecision> => {
      const target = category !== null ? await this.targetOf(category) : await this.defaultTarget();
      return {
        requested: AUTO_MODEL,
        targets: target === undefined ? [] : this.expand(target),
        category,
        classifier: c ? kind : null,
        reason,
        score: c?.score ?? null,
        router:
          routerModel && c
            ? {
                model: routerModel,
                promptTokens: c.promptTokens,
                completionTokens: c.completionTokens,
              }
            : null,
      };
    };
    // One category leaves nothing to decide: no model runs.
    if (offered.length === 1) return decide(fallbackCategory, "default", null, null);
    const routerModel = settings.router_model ?? (await this.deps.localModels())[0];
    if (routerModel === undefined || !(await this.deps.hasLocalModel(routerModel)))
      return decide(fallbackCategory, "failed", null, null);
    const text = classifierText(messages, settings.context_chars);
    const c =
      kind === "knn"
        ? await this.knn.classify(
            routerModel,
            offered,
            repo.categoriesVersion,
            text,
            settings.knn_min_similarity,
            ctx,
          )
        : await classifyByGrammar(this.deps.local, routerModel, offered, text, ctx);
    return c.category !== null
      ? decide(c.category, "classified", c, routerModel)
      : decide(fallbackCategory, c.outcome === "unclear" ? "unclear" : "failed", c, routerModel);
  }
}
