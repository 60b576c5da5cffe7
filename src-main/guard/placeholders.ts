import type { Finding } from "./types.js";

/**
 * Placeholders: each distinct sensitive value of a request gets one, `[SECRET_1]`, `[EMAIL_2]`…,
 * numbered per label in the order the values first appear. The same conversation therefore maps
 * to the same placeholders turn after turn, which keeps an upstream's prompt cache useful.
 */
export function labelOf(f: Pick<Finding, "kind" | "type">): string {
  return f.kind === "secret" ? "SECRET" : f.type.toUpperCase();
}

export class PlaceholderBook {
  /** value → placeholder */
  readonly byValue = new Map<string, string>();
  /** value → its first finding (kind, type) */
  readonly findings = new Map<string, Finding>();
  private readonly counters = new Map<string, number>();

  add(f: Finding): void {
    if (this.byValue.has(f.value)) return;
    const label = labelOf(f);
    const n = (this.counters.get(label) ?? 0) + 1;
    this.counters.set(label, n);
    this.byValue.set(f.value, `[${label}_${n}]`);
    this.findings.set(f.value, f);
  }

  /** Distinct values per type among those `keep` selects. */
  counts(keep: (f: Finding) => boolean): Record<string, number> {
    const out: Record<string, number> = {};
    for (const f of this.findings.values()) if (keep(f)) out[f.type] = (out[f.type] ?? 0) + 1;
    return out;
  }
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * A replacer of the values `keep` selects by their placeholders, in any string. Every occurrence
 * is replaced, also where the detector did not flag that occurrence itself (an SSN recognised
 * beside its cue word in one message is masked in the next as well). Values that begin or end
 * with a letter or digit only match whole (`10.0.0.1` is not masked inside `10.0.0.12`).
 * Returns undefined when nothing is selected.
 */
export function replacer(
  book: PlaceholderBook,
  keep: (f: Finding) => boolean,
): { replace: (s: string) => string; map: Map<string, string> } | undefined {
  const values = [...book.findings.values()].filter(keep).map((f) => f.value);
  if (values.length === 0) return undefined;
  // Longest first: a value that contains another is replaced whole.
  values.sort((a, b) => b.length - a.length);
  const source = values
    .map((v) => {
      const head = /^[A-Za-z0-9]/.test(v) ? "(?<![A-Za-z0-9])" : "";
      const tail = /[A-Za-z0-9]$/.test(v) ? "(?![A-Za-z0-9])" : "";
      return `${head}${escape(v)}${tail}`;
    })
    .join("|");
  const re = new RegExp(source, "g");
  const map = new Map<string, string>();
  for (const v of values) map.set(book.byValue.get(v)!, v);
  // A request carries its text more than once (the text view, the client's body, the neutral
  // conversation): each distinct string is replaced once.
  const done = new Map<string, string>();
  return {
    replace: (s) => {
      let out = done.get(s);
      if (out === undefined) done.set(s, (out = s.replace(re, (m) => book.byValue.get(m) ?? m)));
      return out;
    },
    map,
  };
}

/** The longest placeholder text: `[` + label + `_` + up to 6 digits + `]`. */
const MAX_PLACEHOLDER = 24;
const PLACEHOLDER = /\[([A-Z]+_\d{1,6})\]/g;

/**
 * Puts placeholders back into a streamed answer. A placeholder may arrive split across deltas,
 * so a tail that could still become one (`[SECR`) is held until the next piece or the end.
 * `json`: the text is JSON source (tool-call arguments), so values are inserted JSON-escaped.
 */
export class Restorer {
  private held = "";
  restored = 0;

  constructor(
    private readonly map: ReadonlyMap<string, string>,
    private readonly json = false,
  ) {}

  /** Whole text at once (non-streamed answers, `done.text`). Does not count. */
  all(text: string): string {
    return text.replace(PLACEHOLDER, (m) => this.value(m) ?? m);
  }

  push(piece: string): string {
    const text = this.held + piece;
    const open = text.lastIndexOf("[");
    let cut = text.length;
    if (
      open >= 0 &&
      text.length - open < MAX_PLACEHOLDER &&
      /^\[[A-Z_0-9]*$/.test(text.slice(open))
    )
      cut = open;
    this.held = text.slice(cut);
    return this.restore(text.slice(0, cut));
  }

  /** What is still held, at the end of the stream. */
  flush(): string {
    const rest = this.held;
    this.held = "";
    return this.restore(rest);
  }

  private restore(text: string): string {
    return text.replace(PLACEHOLDER, (m) => {
      const v = this.value(m);
      if (v === undefined) return m;
      this.restored++;
      return v;
    });
  }

  private value(placeholder: string): string | undefined {
    const v = this.map.get(placeholder);
    if (v === undefined) return undefined;
    return this.json ? JSON.stringify(v).slice(1, -1) : v;
  }
}
