import { z } from "zod";
import { TimeMs } from "./common.js";

/**
 * Routing (issue 15): aliases with fallback chains, categories, and `auto` classifier routing.
 * See docs/ROUTING.md for the behaviour these shapes configure.
 */

/** A category or model id as it appears in a route: the ids `/v1/models` lists. */
const ModelId = z.string().min(1).max(256);

/** Lower-case words with `-`/`_`: category names are grammar alternatives and URL segments. */
export const CategoryName = z
  .string()
  .min(1)
  .max(32)
  .regex(/^[a-z][a-z0-9_-]*$/, "lower-case letters, digits, '-' and '_', starting with a letter");

/** The id the classifier routes by; reserved, so no alias or pool may take it. */
export const AUTO_MODEL = "auto";

/** Categories every lab starts with; they may be edited but not deleted. */
export const BUILTIN_CATEGORIES = ["simple", "general", "reasoning", "code", "embedding"] as const;

export const CategoryDto = z.object({
  name: CategoryName,
  /** What belongs here, in a sentence: the grammar classifier reads it. */
  description: z.string().max(300),
  /** Example prompts of the category: what the embedding (kNN) classifier compares with. */
  examples: z.array(z.string().min(1).max(2000)).max(50),
  /** Where `auto` sends this category: a model, pool or alias id; null = the default target. */
  target: ModelId.nullable(),
  builtin: z.boolean(),
});
export type CategoryDto = z.infer<typeof CategoryDto>;

export const PutCategoryBody = z.strictObject({
  description: z.string().max(300).optional(),
  examples: z.array(z.string().min(1).max(2000)).max(50).optional(),
  target: ModelId.nullable().optional(),
});

export const AliasDto = z.object({
  id: ModelId,
  description: z.string().max(300),
  /** Tried in this order; the next on unavailable, overloaded, 5xx and timeouts only. */
  targets: z.array(ModelId).min(1).max(8),
  categories: z.array(CategoryName).max(16),
  created_ms: TimeMs,
  updated_ms: TimeMs,
});
export type AliasDto = z.infer<typeof AliasDto>;

export const PutAliasBody = z.strictObject({
  description: z.string().max(300).default(""),
  targets: z.array(ModelId).min(1).max(8),
  categories: z.array(CategoryName).max(16).default([]),
});

export const ClassifierKind = z.enum(["grammar", "knn"]);
export type ClassifierKind = z.infer<typeof ClassifierKind>;

/** How `auto` decides. Every field has a working default, so `auto` needs no setup. */
export const RoutingSettingsDto = z.object({
  /**
   * `grammar`: the router model answers with one category name, constrained by a grammar;
   * `knn`: the nearest example prompt by embedding (no generation). Defaults to `grammar`.
   */
  classifier: ClassifierKind,
  /** The local model that classifies (and embeds for kNN); null = the first local model. */
  router_model: ModelId.nullable(),
  /** Where unclear or failed classifications go. Defaults to `general`. */
  default_category: CategoryName,
  /** Where a category without a target goes; null = the first local model. */
  default_target: ModelId.nullable(),
  /** kNN: below this cosine similarity the request is unclear (default category). 0.5. */
  knn_min_similarity: z.number().min(-1).max(1),
  /** How much of the conversation the classifier reads, from its end, in characters. 2,000. */
  context_chars: z.number().int().min(100).max(20_000),
});
export type RoutingSettingsDto = z.infer<typeof RoutingSettingsDto>;

export const PatchRoutingSettingsBody = z.strictObject(RoutingSettingsDto.partial().shape);

export const ModelCategoriesDto = z.object({
  model: ModelId,
  categories: z.array(CategoryName).max(16),
});
export type ModelCategoriesDto = z.infer<typeof ModelCategoriesDto>;

export const PutModelCategoriesBody = z.strictObject({
  categories: z.array(CategoryName).max(16),
});

/** Everything routing is configured with, in one read (the alias editor's page). */
export const RoutingDto = z.object({
  settings: RoutingSettingsDto,
  categories: z.array(CategoryDto),
  aliases: z.array(AliasDto),
  /** Categories of local models and pools (aliases carry theirs). */
  model_categories: z.array(ModelCategoriesDto),
});
export type RoutingDto = z.infer<typeof RoutingDto>;

/** The answer of deleting a category (`id` is its name) or an alias. */
export const DeletedRoutingDto = z.object({ id: z.string(), deleted: z.literal(true) });
export type DeletedRoutingDto = z.infer<typeof DeletedRoutingDto>;

/** `POST /manage/v1/routes/test`: where a prompt would go, classified but not answered. */
export const RouteTestBody = z.strictObject({
  model: ModelId.default(AUTO_MODEL),
  /** The prompt as the last user turn; or `messages` for a whole conversation. */
  prompt: z.string().min(1).max(100_000).optional(),
  messages: z
    .array(
      z.object({
        role: z.enum(["system", "user", "assistant"]),
        content: z.string().max(100_000),
      }),
    )
    .min(1)
    .max(200)
    .optional(),
  /** Classify with this classifier instead of the configured one. */
  classifier: ClassifierKind.optional(),
  /** Whose access applies (defaults to the caller's): staff may ask "where would hers go?". */
  member_id: z.string().min(1).max(64).optional(),
});

export const RouteTestDto = z.object({
  requested: ModelId,
  category: CategoryName.nullable(),
  classifier: z.string().nullable(),
  /** Why: `forced`, `alias`, `classified`, `unclear` (default category), `failed`, `direct`. */
  reason: z.string(),
  /** kNN: the best similarity; grammar: null. */
  score: z.number().nullable(),
  /** The targets in the order they would be tried. */
  targets: z.array(ModelId),
  /** Tokens the classifier used (prompt + completion; embedding tokens for kNN). */
  classifier_tokens: z.number().int().nonnegative(),
});
export type RouteTestDto = z.infer<typeof RouteTestDto>;
