import type { CategoryDto } from "../contract/manage/routing.js";
import type { ChatRequest, RequestContext } from "../gateway/types.js";
import type { Provider } from "../providers/types.js";

/** A classifier's answer: a category of those offered, or none (unclear, or it failed). */
export interface Classification {
  category: string | null;
  /** `classified`, `unclear` (kNN below its threshold) or `failed` (the model or engine failed). */
  outcome: "classified" | "unclear" | "failed";
  /** kNN: best cosine similarity. */
  score: number | null;
  /** Tokens the classifier used on the router model (embeddings: prompt tokens only). */
  promptTokens: number;
  completionTokens: number;
}

/**
 * Tokens the grammar classifier may generate: the longest category name (32 characters) with its
 * quotes is well within this even for a vocabulary that spells it letter by letter.
 */
const GRAMMAR_MAX_TOKENS = 48;

/**
 * The grammar classifier: the router model reads the categories' descriptions and the request,
 * and answers with one category name, its output constrained by a JSON-schema grammar to exactly
 * the names offered (a string enum): even a weak model cannot answer anything else. Greedy
 * (temperature 0), so the same request always routes the same way.
 */
export async function classifyByGrammar(
  local: Provider,
  routerModel: string,
  categories: CategoryDto[],
  text: string,
  ctx: RequestContext,
): Promise<Classification> {
  const names = categories.map((c) => c.name);
  const req: ChatRequest = {
    model: routerModel,
    messages: [
      {
        role: "system",
        content:
          "You route requests to the right model. Reply with the one category that fits the " +
          "user's request best.\nCategories:\n" +
          categories.map((c) => `- ${c.name}: ${c.description || c.name}`).join("\n"),
      },
      { role: "user", content: text },
    ],
    sampling: {
      maxTokens: GRAMMAR_MAX_TOKENS,
      temperature: 0,
      topP: 1,
      stop: [],
      grammar: { type: "json_schema", schema: { type: "string", enum: names } },
    },
  };
  let out = "";
  const used = { promptTokens: 0, completionTokens: 0 };
  try {
    for await (const e of local.chat(req, ctx)) {
      if (e.type === "done") {
        out = e.text;
        used.promptTokens = e.usage.promptTokens;
        used.completionTokens = e.usage.completionTokens;
      }
    }
  } catch {
    return { category: null, outcome: "failed", score: null, ...used };
  }
  let label: unknown;
  try {
    label = JSON.parse(out);
  } catch {
    // Cut short (max tokens) before the closing quote: not a label.
    return { category: null, outcome: "failed", score: null, ...used };
  }
  return typeof label === "string" && names.includes(label)
    ? { category: label, outcome: "classified", score: null, ...used }
    : { category: null, outcome: "failed", score: null, ...used };
}

/**
 * The embedding classifier: the request's nearest example prompt (cosine similarity of the
 * router model's embeddings) names its category; below `minSimilarity` it is unclear. No
 * generation: one embedding of the request. The examples' vectors are computed once per
 * configuration (keyed by the routing repository's version and the model).
 */
export class KnnClassifier {
  private cached: { key: string; examples: { category: string; vector: number[] }[] } | undefined;
  private loading: Promise<{ category: string; vector: number[] }[]> | undefined;
  private loadingKey = "";

  constructor(private readonly local: Provider) {}

  async classify(
    routerModel: string,
    categories: CategoryDto[],
    version: number,
    text: string,
    minSimilarity: number,
    ctx: RequestContext,
  ): Promise<Classification> {
    const used = { promptTokens: 0, completionTokens: 0 };
    try {
      const offered = new Set(categories.map((c) => c.name));
      const examples = (await this.examples(routerModel, categories, version, ctx)).filter((e) =>
        offered.has(e.category),
      );
      if (examples.length === 0)
        return { category: null, outcome: "unclear", score: null, ...used };
      const q = await this.local.embed({ model: routerModel, inputs: [text] }, ctx);
      used.promptTokens = q.promptTokens;
      const query = normalize(q.vectors[0]!);
      let best = { category: "", score: -Infinity };
      for (const e of examples) {
        const score = dot(query, e.vector);
        if (score > best.score) best = { category: e.category, score };
      }
      const score = Math.round(best.score * 1e4) / 1e4;
      return best.score >= minSimilarity
        ? { category: best.category, outcome: "classified", score, ...used }
        : { category: null, outcome: "unclear", score, ...used };
    } catch {
      return { category: null, outcome: "failed", score: null, ...used };
    }
  }

  /** Every category's examples embedded (once per configuration and model), normalized. */
  private async examples(
    routerModel: string,
    categories: CategoryDto[],
    version: number,
    ctx: RequestContext,
  ): Promise<{ category: string; vector: number[] }[]> {
    const key = `${version}|${routerModel}|${categories.map((c) => c.name).join(",")}`;
    if (this.cached?.key === key) return this.cached.examples;
    if (this.loading && this.loadingKey === key) return this.loading;
    const pairs = categories.flatMap((c) => c.examples.map((text) => ({ category: c.name, text })));
    this.loadingKey = key;
    this.loading = (async () => {
      if (pairs.length === 0) return [];
      const r = await this.local.embed(
        { model: routerModel, inputs: pairs.map((p) => p.text) },
        ctx,
      );
      return pairs.map((p, i) => ({ category: p.category, vector: normalize(r.vectors[i]!) }));
    })();
    try {
      const examples = await this.loading;
      this.cached = { key, examples };
      return examples;
    } finally {
      if (this.loadingKey === key) this.loading = undefined;
    }
  }
}

function normalize(v: number[]): number[] {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n) || 1;
  return v.map((x) => x / n);
}

function dot(a: number[], b: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
