import { LimitsDto, PriceDto } from "../contract/limits.js";
import type { Db } from "./db.js";

/** The price columns; a cache rate is NULL when unset (the input price). */
const PRICE_COLUMNS = `model, input_micros_per_mtok, output_micros_per_mtok,
  cache_read_micros_per_mtok, cache_write_micros_per_mtok, billing_mode`;

type PriceRow = Omit<PriceDto, "cache_read_micros_per_mtok" | "cache_write_micros_per_mtok"> & {
  cache_read_micros_per_mtok: number | null;
  cache_write_micros_per_mtok: number | null;
};

/** A row as the API shows it: an unset cache rate is left out (it is the input price). */
function priceOf(row: PriceRow | undefined): PriceDto | null {
  if (!row) return null;
  const { cache_read_micros_per_mtok: read, cache_write_micros_per_mtok: write, ...rest } = row;
  return {
    ...rest,
    ...(read !== null ? { cache_read_micros_per_mtok: read } : {}),
    ...(write !== null ? { cache_write_micros_per_mtok: write } : {}),
  };
}

/** The scopes limits are set for: the whole lab, the default for members, or one member id. */
export type LimitScope = "org" | "default" | (string & {});

/**
 * Limits per scope and prices per model: the knobs the lab lead turns. Read on every request, so
 * reads are cached in memory; every write goes through this repository and clears the cache.
 * Nothing read inside a transaction is cached (it may still roll back).
 */
export class LimitsRepo {
  private readonly cache = new Map<string, LimitsDto | PriceDto | null>();
  private readonly getLimits;
  private readonly putLimits;
  private readonly delLimits;
  private readonly getPrice;
  private readonly allPrices;
  private readonly putPrice;
  private readonly delPrice;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.getLimits = db.prepare<[string], { value_json: string }>(
      "SELECT value_json FROM limits WHERE scope = ?",
    );
    this.putLimits = db.prepare<[string, string, number]>(
      `INSERT INTO limits (scope, value_json, updated_ms) VALUES (?, ?, ?)
       ON CONFLICT(scope) DO UPDATE SET value_json = excluded.value_json, updated_ms = excluded.updated_ms`,
    );
    this.delLimits = db.prepare<[string]>("DELETE FROM limits WHERE scope = ?");
    this.getPrice = db.prepare<[string], PriceRow>(
      `SELECT ${PRICE_COLUMNS} FROM prices WHERE model = ?`,
    );
    this.allPrices = db.prepare<[], PriceRow>(`SELECT ${PRICE_COLUMNS} FROM prices ORDER BY model`);
    this.putPrice = db.prepare(
      `INSERT INTO prices (model, input_micros_per_mtok, output_micros_per_mtok,
         cache_read_micros_per_mtok, cache_write_micros_per_mtok, billing_mode, updated_ms)
       VALUES (@model, @input_micros_per_mtok, @output_micros_per_mtok,
         @cache_read_micros_per_mtok, @cache_write_micros_per_mtok, @billing_mode, @now)
       ON CONFLICT(model) DO UPDATE SET input_micros_per_mtok = excluded.input_micros_per_mtok,
         output_micros_per_mtok = excluded.output_micros_per_mtok,
         cache_read_micros_per_mtok = excluded.cache_read_micros_per_mtok,
         cache_write_micros_per_mtok = excluded.cache_write_micros_per_mtok,
         billing_mode = excluded.billing_mode, updated_ms = excluded.updated_ms`,
    );
    this.delPrice = db.prepare<[string]>("DELETE FROM prices WHERE model = ?");
  }

  /** The fields set for `scope` (validated again on read: the row is data, not trusted code). */
  limits(scope: LimitScope): LimitsDto {
    return this.cached(`l:${scope}`, () => {
      const row = this.getLimits.get(scope);
      return row ? LimitsDto.parse(JSON.parse(row.value_json)) : {};
    }) as LimitsDto;
  }

  /** Replaces the fields set for `scope`; `{}` removes the row (everything inherits). */
  setLimits(scope: LimitScope, value: LimitsDto): void {
    this.cache.clear();
    if (Object.keys(value).length === 0) this.delLimits.run(scope);
    else this.putLimits.run(scope, JSON.stringify(LimitsDto.parse(value)), this.now());
  }

  price(model: string): PriceDto | undefined {
    return (this.cached(`p:${model}`, () => priceOf(this.getPrice.get(model))) ?? undefined) as
      PriceDto | undefined;
  }

  prices(): PriceDto[] {
    return this.allPrices.all().map((r) => priceOf(r)!);
  }

  setPrice(price: PriceDto): void {
    this.cache.clear();
    const p = PriceDto.parse(price);
    // Absent cache rates are stored as NULL: the input price.
    this.putPrice.run({
      ...p,
      cache_read_micros_per_mtok: p.cache_read_micros_per_mtok ?? null,
      cache_write_micros_per_mtok: p.cache_write_micros_per_mtok ?? null,
      now: this.now(),
    });
  }

  /** Removes a model's price (it becomes free and org-paid). False if it had none. */
  deletePrice(model: string): boolean {
    this.cache.clear();
    return this.delPrice.run(model).changes === 1;
  }

  private cached<T extends LimitsDto | PriceDto | null>(key: string, read: () => T): T {
    if (this.cache.has(key)) return this.cache.get(key) as T;
    const value = read();
    if (!this.db.inTransaction) {
      if (this.cache.size > 10_000) this.cache.clear(); // many members or models: stay bounded
      this.cache.set(key, value);
    }
    return value;
  }
}
