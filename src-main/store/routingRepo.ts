import type {
  AliasDto,
  CategoryDto,
  ModelCategoriesDto,
  RoutingSettingsDto,
} from "../contract/manage/routing.js";
import type { Db } from "./db.js";
import type { SettingsRepo } from "./settingsRepo.js";

/** Settings key of the routing settings (one JSON object). */
export const ROUTING_SETTING = "routing";

/** What `auto` does with nothing configured: see RoutingSettingsDto for each field. */
export const DEFAULT_ROUTING_SETTINGS: RoutingSettingsDto = {
  classifier: "grammar",
  router_model: null,
  default_category: "general",
  default_target: null,
  knn_min_similarity: 0.5,
  context_chars: 2000,
};

/**
 * Categories, aliases and the categories of models: read on every routed request, so the
 * whole configuration is cached in memory and dropped on each write through this repository
 * (its only writer). `version` moves with every write, `categoriesVersion` with category
 * writes only, for callers that cache derived data (the kNN classifier's example vectors).
 */
export class RoutingRepo {
  private readonly s;
  private writes = 0;
  private categoryWrites = 0;
  private cache:
    | {
        categories: CategoryDto[];
        aliases: Map<string, AliasDto>;
        modelCategories: Map<string, string[]>;
        settings: RoutingSettingsDto;
      }
    | undefined;

  get version(): number {
    return this.writes;
  }

  /** Moves only when a category changes (their examples are what the kNN classifier embeds). */
  get categoriesVersion(): number {
    return this.categoryWrites;
  }

  constructor(
    private readonly db: Db,
    private readonly settings: SettingsRepo,
    private readonly now: () => number = Date.now,
  ) {
    this.s = {
      categories: db.prepare<[], Record<string, unknown>>(
        "SELECT * FROM route_categories ORDER BY position, name",
      ),
      maxPosition: db.prepare<[], { p: number | null }>(
        "SELECT max(position) AS p FROM route_categories",
      ),
      upsertCategory: db.prepare(
        `INSERT INTO route_categories (name, description, examples_json, target, builtin, position, updated_ms)
         VALUES (@name, @description, @examples, @target, 0, @position, @now)
         ON CONFLICT(name) DO UPDATE SET description = excluded.description,
           examples_json = excluded.examples_json, target = excluded.target,
           updated_ms = excluded.updated_ms`,
      ),
      deleteCategory: db.prepare<[string]>(
        "DELETE FROM route_categories WHERE name = ? AND builtin = 0",
      ),
      aliases: db.prepare<[], Record<string, unknown>>("SELECT * FROM aliases ORDER BY id"),
      upsertAlias: db.prepare(
        `INSERT INTO aliases (id, description, targets_json, created_ms, updated_ms)
         VALUES (@id, @description, @targets, @now, @now)
         ON CONFLICT(id) DO UPDATE SET description = excluded.description,
           targets_json = excluded.targets_json, updated_ms = excluded.updated_ms`,
      ),
      deleteAlias: db.prepare<[string]>("DELETE FROM aliases WHERE id = ?"),
      modelCategories: db.prepare<[], { model_id: string; categories_json: string }>(
        "SELECT model_id, categories_json FROM model_categories ORDER BY model_id",
      ),
      putModelCategories: db.prepare(
        `INSERT INTO model_categories (model_id, categories_json, updated_ms)
         VALUES (@model, @categories, @now)
         ON CONFLICT(model_id) DO UPDATE SET categories_json = excluded.categories_json,
           updated_ms = excluded.updated_ms`,
      ),
      deleteModelCategories: db.prepare<[string]>(
        "DELETE FROM model_categories WHERE model_id = ?",
      ),
    };
  }

  private load() {
    if (this.cache) return this.cache;
    const categories = this.s.categories.all().map((r): CategoryDto => ({
      name: r.name as string,
      description: r.description as string,
      examples: JSON.parse(r.examples_json as string) as string[],
      target: (r.target as string | null) ?? null,
      builtin: r.builtin === 1,
    }));
    const modelCategories = new Map(
      this.s.modelCategories
        .all()
        .map((r) => [r.model_id, JSON.parse(r.categories_json) as string[]]),
    );
    const aliases = new Map(
      this.s.aliases.all().map((r): [string, AliasDto] => {
        const id = r.id as string;
        return [
          id,
          {
            id,
            description: r.description as string,
            targets: JSON.parse(r.targets_json as string) as string[],
            categories: modelCategories.get(id) ?? [],
            created_ms: r.created_ms as number,
            updated_ms: r.updated_ms as number,
          },
        ];
      }),
    );
    const settings = {
      ...DEFAULT_ROUTING_SETTINGS,
      ...this.settings.get<Partial<RoutingSettingsDto>>(ROUTING_SETTING),
    };
    return (this.cache = { categories, aliases, modelCategories, settings });
  }

  private written(): void {
    this.writes++;
    this.cache = undefined;
  }

  settingsNow(): RoutingSettingsDto {
    return this.load().settings;
  }

  setSettings(s: RoutingSettingsDto): void {
    this.settings.set(ROUTING_SETTING, s);
    this.written();
  }

  categories(): CategoryDto[] {
    return this.load().categories;
  }

  category(name: string): CategoryDto | undefined {
    return this.load().categories.find((c) => c.name === name);
  }

  putCategory(c: Omit<CategoryDto, "builtin">): CategoryDto {
    const existing = this.category(c.name);
    this.s.upsertCategory.run({
      name: c.name,
      description: c.description,
      examples: JSON.stringify(c.examples),
      target: c.target,
      position: existing ? 0 : (this.s.maxPosition.get()!.p ?? 0) + 1,
      now: this.now(),
    });
    this.categoryWrites++;
    this.written();
    return this.category(c.name)!;
  }

  /** False for a built-in category (they are edited, never deleted) or an unknown one. */
  deleteCategory(name: string): boolean {
    const changed = this.s.deleteCategory.run(name).changes === 1;
    this.categoryWrites++;
    this.written();
    return changed;
  }

  aliases(): AliasDto[] {
    return [...this.load().aliases.values()];
  }

  alias(id: string): AliasDto | undefined {
    return this.load().aliases.get(id);
  }

  /** Creates or replaces an alias and its categories, in one transaction. */
  putAlias(a: { id: string; description: string; targets: string[]; categories: string[] }) {
    this.db.transaction(() => {
      const now = this.now();
      this.s.upsertAlias.run({
        id: a.id,
        description: a.description,
        targets: JSON.stringify(a.targets),
        now,
      });
      this.setModelCategoriesInTx(a.id, a.categories, now);
    })();
    this.written();
    return this.alias(a.id)!;
  }

  deleteAlias(id: string): boolean {
    const changed = this.db.transaction(() => {
      this.s.deleteModelCategories.run(id);
      return this.s.deleteAlias.run(id).changes === 1;
    })();
    this.written();
    return changed;
  }

  /** Categories of a model, pool or alias id (empty: none). */
  categoriesOf(model: string): string[] {
    return this.load().modelCategories.get(model) ?? [];
  }

  modelCategories(): ModelCategoriesDto[] {
    const aliasIds = this.load().aliases;
    return [...this.load().modelCategories]
      .filter(([model]) => !aliasIds.has(model))
      .map(([model, categories]) => ({ model, categories }));
  }

  setModelCategories(model: string, categories: string[]): void {
    this.setModelCategoriesInTx(model, categories, this.now());
    this.written();
  }

  private setModelCategoriesInTx(model: string, categories: string[], now: number): void {
    if (categories.length === 0) this.s.deleteModelCategories.run(model);
    else
      this.s.putModelCategories.run({
        model,
        categories: JSON.stringify([...new Set(categories)]),
        now,
      });
  }
}
