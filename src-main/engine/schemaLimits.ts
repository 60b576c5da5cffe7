/**
 * Limits on the JSON schemas a local model turns into a grammar (`response_format` json_schema,
 * and tools' parameters), checked before any grammar work. The cost of a grammar is not its
 * size on the wire: every enum value or anyOf/oneOf branch that can start at the same position
 * is a parser stack llama.cpp checks against every candidate token, while the context's batch —
 * every other member's generation — waits for that sampling. Measured on node-llama-cpp 3.22
 * (40 tokens, one thread): an enum of 1,000 values costs ~90 ms with a 267-token vocabulary and
 * ~4 s with a 152k one; 20,000 values, 13 s even with the small one. The limits below keep a
 * grammar's creation to tens of milliseconds (30–60 ms at the limits) and bound what its
 * sampling adds, and sit at or above OpenAI's documented structured-output limits, so schemas
 * written for OpenAI fit. Pure: no node-llama-cpp.
 */

export interface SchemaLimits {
  /** Bytes of one schema as JSON. Default 64 KiB. */
  schemaBytes: number;
  /** Bytes of all the schemas of one request as JSON. Default 256 KiB. */
  totalBytes: number;
  /**
   * Enum values, consts, anyOf/oneOf branches, entries of a `type` list and tools, over all the
   * schemas of one request, each `$ref` use counting its definition again. Default 1,000
   * (OpenAI's limit for enum values).
   */
  alternatives: number;
  /** Object properties over all the schemas of one request, `$ref` uses counted again. Default 5,000. */
  properties: number;
  /** Nesting of schemas inside schemas, as written. Default 32. */
  depth: number;
}

export const SCHEMA_LIMITS: SchemaLimits = {
  schemaBytes: 64 * 1024,
  totalBytes: 256 * 1024,
  alternatives: 1000,
  properties: 5000,
  depth: 32,
};

/** One schema of a request, named as the client wrote it (`response_format`, `tools[2]`…). */
export interface NamedSchema {
  param: string;
  schema: unknown;
}

/**
 * The first limit the schemas of one request exceed, as a message naming it, with the param of
 * the schema that crossed it; null when they fit. `tools` is the number of tools offered (each is
 * one alternative of the call the model writes). Linear in the schemas' size: `$ref` targets are
 * measured once and counts saturate just above the limits.
 */
export function schemaLimitProblem(
  schemas: NamedSchema[],
  tools = 0,
  limits: SchemaLimits = SCHEMA_LIMITS,
): { param: string; message: string } | null {
  let bytes = 0;
  const total = { alternatives: tools, properties: 0 };
  for (const { param, schema } of schemas) {
    const m = new Measure(schema, limits);
    // Depth first: a schema nested too deep is not measured further.
    if (m.tooDeep)
      return {
        param,
        message: `The JSON schema in '${param}' nests schemas more than ${limits.depth} levels deep; a local model takes at most ${limits.depth}.`,
      };
    total.alternatives = Math.min(total.alternatives + m.count.alternatives, CAP);
    total.properties = Math.min(total.properties + m.count.properties, CAP);
    if (total.alternatives > limits.alternatives)
      return {
        param,
        message: `The JSON schemas of this request, by '${param}', have more than ${limits.alternatives} enum values, consts and anyOf/oneOf alternatives (counting the tools and every use of a $ref); a local model takes at most ${limits.alternatives} per request.`,
      };
    if (total.properties > limits.properties)
      return {
        param,
        message: `The JSON schemas of this request, by '${param}', have more than ${limits.properties} object properties (counting every use of a $ref); a local model takes at most ${limits.properties} per request.`,
      };
    const size = jsonBytes(schema);
    if (size > limits.schemaBytes)
      return {
        param,
        message: `The JSON schema in '${param}' is ${Number.isFinite(size) ? `${size} bytes` : "too deeply nested to serialise"}; a local model takes schemas of at most ${limits.schemaBytes} bytes.`,
      };
    bytes += size;
    if (bytes > limits.totalBytes)
      return {
        param,
        message: `The JSON schemas of this request are more than ${limits.totalBytes} bytes together, by '${param}'; a local model takes at most ${limits.totalBytes} bytes of schemas per request.`,
      };
  }
  return null;
}

/**
 * Bytes of `value` as JSON; Infinity when it cannot be serialised (nesting beyond the stack,
 * under keys that are not schema keywords), which no limit admits.
 */
function jsonBytes(value: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(value) ?? "", "utf8");
  } catch {
    return Infinity;
  }
}

/** Counts saturate here: a chain of $refs can multiply them past any number. */
const CAP = 1e9;

interface Count {
  alternatives: number;
  properties: number;
}

const ALTERNATIVES = ["anyOf", "oneOf"];
const SUBSCHEMA = ["items", "additionalProperties", "not", "contains", "propertyNames"];
const SUBSCHEMA_LISTS = ["anyOf", "oneOf", "allOf", "prefixItems"];
const SCHEMA_MAPS = ["properties", "patternProperties", "$defs", "definitions"];

/** One schema's counts (with `$ref`s expanded) and whether its written nesting is too deep. */
class Measure {
  readonly count: Count;
  tooDeep = false;
  private readonly defs = new Map<string, Count | null>();

  constructor(
    private readonly root: unknown,
    private readonly limits: SchemaLimits,
  ) {
    this.count = this.walk(root, 0);
    // Definitions are measured where they are used; their own nesting is checked here.
    for (const key of ["$defs", "definitions"]) {
      const map = isObject(root) ? root[key] : undefined;
      if (isObject(map)) for (const sub of Object.values(map)) this.walk(sub, 1, true);
    }
  }

  private walk(node: unknown, depth: number, depthOnly = false): Count {
    const count: Count = { alternatives: 0, properties: 0 };
    if (depth > this.limits.depth) {
      this.tooDeep = true;
      return count;
    }
    if (!isObject(node) || this.tooDeep) return count;
    const add = (c: Count) => {
      count.alternatives = Math.min(count.alternatives + c.alternatives, CAP);
      count.properties = Math.min(count.properties + c.properties, CAP);
    };
    if (!depthOnly && typeof node.$ref === "string") add(this.ref(node.$ref));
    if (Array.isArray(node.enum)) count.alternatives += node.enum.length;
    if ("const" in node) count.alternatives += 1;
    if (Array.isArray(node.type) && node.type.length > 1) count.alternatives += node.type.length;
    for (const key of ALTERNATIVES)
      if (Array.isArray(node[key])) count.alternatives += (node[key] as unknown[]).length;
    for (const key of SUBSCHEMA) add(this.walk(node[key], depth + 1, depthOnly));
    for (const key of SUBSCHEMA_LISTS) {
      const list = node[key];
      if (Array.isArray(list)) for (const sub of list) add(this.walk(sub, depth + 1, depthOnly));
    }
    for (const key of SCHEMA_MAPS) {
      // The root's definitions are walked on their own (above), not as part of the root.
      if (depth === 0 && (key === "$defs" || key === "definitions")) continue;
      const map = node[key];
      if (!isObject(map)) continue;
      if (key === "properties") count.properties += Object.keys(map).length;
      for (const sub of Object.values(map)) add(this.walk(sub, depth + 1, depthOnly));
    }
    return count;
  }

  /** A definition's counts, measured once; a recursive use counts nothing more. */
  private ref(ref: string): Count {
    const m = /^#\/(\$defs|definitions)\/([^/]+)$/.exec(ref);
    const defs = m && isObject(this.root) ? this.root[m[1]!] : undefined;
    const name = m ? decodeURIComponent(m[2]!) : "";
    if (!isObject(defs) || !Object.hasOwn(defs, name)) return { alternatives: 0, properties: 0 };
    const key = `${m![1]}/${name}`;
    const known = this.defs.get(key);
    if (known !== undefined) return known ?? { alternatives: 0, properties: 0 };
    this.defs.set(key, null);
    const count = this.walk(defs[name], 1);
    this.defs.set(key, count);
    return count;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === "object" && !Array.isArray(v);
