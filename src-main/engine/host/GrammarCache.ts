import { createHash } from "node:crypto";

export interface GrammarCacheLimits {
  /** Grammars kept. Default 64. */
  entries: number;
  /** Bytes of grammar text (GBNF) kept, all entries together. Default 16 MiB. */
  bytes: number;
}

/**
 * A grammar takes ~9 KB of native memory for a small schema and grows with the schema: unbounded,
 * a member sending distinct schemas grew the engine host by 14 MB per 1,500. Enough for the
 * schemas and tool sets a lab's clients reuse, small against a model.
 */
export const GRAMMAR_CACHE_LIMITS: GrammarCacheLimits = { entries: 64, bytes: 16 * 1024 * 1024 };

interface Entry<G> {
  grammar: Promise<G>;
  /** Known once created; 0 until then. */
  bytes: number;
}

/**
 * Compiled grammars by the spec they were made from, least recently used evicted first when
 * either limit is passed. Keys are SHA-256 digests of the spec (a spec may be 256 KiB of
 * schemas). A creation that fails is not kept. An evicted grammar still in use by a generation
 * stays alive until that generation lets go of it.
 */
export class GrammarCache<G> {
  private readonly entries = new Map<string, Entry<G>>();
  private totalBytes = 0;

  constructor(
    /** Bytes a created grammar accounts for (its GBNF text). */
    private readonly sizeOf: (grammar: G) => number,
    private readonly limits: GrammarCacheLimits = GRAMMAR_CACHE_LIMITS,
  ) {}

  /** Grammars kept now (created or being created). */
  get size(): number {
    return this.entries.size;
  }

  /** Bytes of the created grammars kept now. */
  get bytes(): number {
    return this.totalBytes;
  }

  /** The grammar for `spec`, made by `create` unless kept. */
  get(spec: unknown, create: () => Promise<G>): Promise<G> {
    const key = createHash("sha256").update(JSON.stringify(spec)).digest("base64");
    const kept = this.entries.get(key);
    if (kept) {
      // Most recently used: to the end of the map's order.
      this.entries.delete(key);
      this.entries.set(key, kept);
      return kept.grammar;
    }
    const entry: Entry<G> = { grammar: create(), bytes: 0 };
    this.entries.set(key, entry);
    entry.grammar.then(
      (grammar) => {
        if (this.entries.get(key) !== entry) return;
        entry.bytes = this.sizeOf(grammar);
        this.totalBytes += entry.bytes;
        this.evict();
      },
      () => this.remove(key, entry),
    );
    this.evict();
    return entry.grammar;
  }

  private evict(): void {
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= this.limits.entries && this.totalBytes <= this.limits.bytes) return;
      this.remove(key, entry);
    }
  }

  private remove(key: string, entry: Entry<G>): void {
    if (this.entries.get(key) !== entry) return;
    this.entries.delete(key);
    this.totalBytes -= entry.bytes;
  }
}
