import {
  AUTO_MODEL,
  type AliasDto,
  type CategoryDto,
  type RouteTestDto,
  type RoutingSettingsDto,
} from "@contract";

/**
 * The Routing page's forms as plain data, checked as the server checks them
 * (src-main/contract/manage/routing.ts, src-main/server/manage/routing.ts) so a person sees what
 * is wrong before sending; the server still decides.
 */

/** Longest alias id, description and example, and most targets and examples. */
export const LIMITS = {
  id: 200,
  description: 300,
  example: 2000,
  examples: 50,
  targets: 8,
} as const;

const CATEGORY_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

/** Select data: what a route may target, grouped (local models, pools, aliases). */
export function targetOptions(
  ids: { localModels: string[]; pools: string[]; aliases: string[] },
  exclude?: string,
): { group: string; items: string[] }[] {
  const groups = [
    { group: "Local models", items: ids.localModels },
    { group: "Pools", items: ids.pools },
    { group: "Aliases", items: ids.aliases },
  ];
  return groups
    .map((g) => ({ ...g, items: g.items.filter((id) => id !== exclude) }))
    .filter((g) => g.items.length > 0);
}

/** `list` with the item at `i` moved `delta` places (clamped to the ends). */
export function moveItem<T>(list: readonly T[], i: number, delta: number): T[] {
  const j = Math.max(0, Math.min(list.length - 1, i + delta));
  const out = [...list];
  const [item] = out.splice(i, 1);
  out.splice(j, 0, item!);
  return out;
}

export interface AliasFormValues {
  id: string;
  description: string;
  /** In the order they are tried. */
  targets: string[];
  categories: string[];
}

export type AliasFormErrors = Partial<Record<"id" | "description" | "targets", string>>;

export const emptyAliasForm = (): AliasFormValues => ({
  id: "",
  description: "",
  targets: [],
  categories: [],
});

export const aliasToForm = (a: AliasDto): AliasFormValues => ({
  id: a.id,
  description: a.description,
  targets: [...a.targets],
  categories: [...a.categories],
});

/** An alias id is a model id: visible ASCII, no spaces, `/` only between non-empty parts. */
export function aliasIdError(id: string): string | undefined {
  if (!id) return "Enter the model id clients will call.";
  if (id === AUTO_MODEL) return "'auto' is reserved for routing by category.";
  if (id.length > LIMITS.id) return `At most ${LIMITS.id} characters.`;
  if (!/^[\x21-\x7e]+$/.test(id)) return "Visible ASCII characters only, no spaces.";
  if (id.split("/").includes("")) return "No empty parts between '/'.";
  return undefined;
}

/** The body of `PUT /routing/aliases/{id}`, or what is wrong with the form. */
export function aliasFormToBody(
  v: AliasFormValues,
):
  | { ok: true; id: string; body: { description: string; targets: string[]; categories: string[] } }
  | { ok: false; errors: AliasFormErrors } {
  const errors: AliasFormErrors = {};
  const id = v.id.trim();
  const idError = aliasIdError(id);
  if (idError) errors.id = idError;
  const description = v.description.trim();
  if (description.length > LIMITS.description)
    errors.description = `At most ${LIMITS.description} characters.`;
  const dup = v.targets.find((t, i) => v.targets.indexOf(t) !== i);
  if (v.targets.length === 0) errors.targets = "Add at least one target.";
  else if (v.targets.length > LIMITS.targets) errors.targets = `At most ${LIMITS.targets} targets.`;
  else if (v.targets.includes(id)) errors.targets = "An alias cannot name itself.";
  else if (dup) errors.targets = `'${dup}' is listed twice: it would only be tried once.`;
  if (Object.keys(errors).length) return { ok: false, errors };
  return {
    ok: true,
    id,
    body: { description, targets: [...v.targets], categories: [...new Set(v.categories)] },
  };
}

export interface CategoryFormValues {
  name: string;
  description: string;
  /** One example prompt per entry (the kNN classifier compares with them). */
  examples: string[];
  /** A model, pool or alias id; null: the default target. */
  target: string | null;
}

export type CategoryFormErrors = Partial<Record<"name" | "description" | "examples", string>>;

export const emptyCategoryForm = (): CategoryFormValues => ({
  name: "",
  description: "",
  examples: [],
  target: null,
});

export const categoryToForm = (c: CategoryDto): CategoryFormValues => ({
  name: c.name,
  description: c.description,
  examples: [...c.examples],
  target: c.target,
});

/** The body of `PUT /routing/categories/{name}`, or what is wrong with the form. */
export function categoryFormToBody(v: CategoryFormValues):
  | {
      ok: true;
      name: string;
      body: { description: string; examples: string[]; target: string | null };
    }
  | { ok: false; errors: CategoryFormErrors } {
  const errors: CategoryFormErrors = {};
  const name = v.name.trim();
  if (!CATEGORY_NAME.test(name))
    errors.name =
      "1 to 32 lower-case letters, digits, '-' or '_', starting with a letter (e.g. lab-docs).";
  const description = v.description.trim();
  if (description.length > LIMITS.description)
    errors.description = `At most ${LIMITS.description} characters.`;
  // Empty rows are dropped, not refused: an "Add example" clicked once too often.
  const examples = v.examples.map((e) => e.trim()).filter(Boolean);
  const long = examples.findIndex((e) => e.length > LIMITS.example);
  if (examples.length > LIMITS.examples) errors.examples = `At most ${LIMITS.examples} examples.`;
  else if (long >= 0)
    errors.examples = `Example ${long + 1} is longer than ${LIMITS.example.toLocaleString("en-US")} characters.`;
  if (Object.keys(errors).length) return { ok: false, errors };
  return { ok: true, name, body: { description, examples, target: v.target } };
}

/** Only the settings that differ from `before`: `PATCH /routing/settings` changes what it names. */
export function settingsPatch(
  before: RoutingSettingsDto,
  after: RoutingSettingsDto,
): Partial<RoutingSettingsDto> {
  const patch: Partial<RoutingSettingsDto> = {};
  for (const key of Object.keys(after) as (keyof RoutingSettingsDto)[])
    if (after[key] !== before[key]) Object.assign(patch, { [key]: after[key] });
  return patch;
}

/** Why a route went where it did, as a person reads it (`RouteTestDto.reason`). */
const REASONS: Record<string, string> = {
  direct: "A model named directly: no routing",
  forced: "Forced with x-benchtop-model",
  alias: "An alias: its targets in order",
  classified: "Classified into this category",
  unclear: "Unclear: the default category",
  failed: "The classifier failed: the default category",
  default: "No category to classify into: the default category",
};

export const reasonText = (reason: string) => REASONS[reason] ?? reason;

/** The try-it box's answer as label/value rows. */
export function routeTestRows(r: RouteTestDto): [string, string][] {
  return [
    ["Requested", r.requested],
    ["Category", r.category ?? "—"],
    ["Reason", reasonText(r.reason)],
    ["Classifier", r.classifier ?? "—"],
    ["Score", r.score === null ? "—" : r.score.toFixed(3)],
    ["Targets, in order", r.targets.length ? r.targets.join(" → ") : "none"],
    ["Classifier tokens", r.classifier_tokens.toLocaleString("en-US")],
  ];
}
