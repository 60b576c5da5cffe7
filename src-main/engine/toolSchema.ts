/**
 * Turns a client's JSON schema (a tool's `parameters`) into the subset node-llama-cpp's grammar
 * compiler enforces (its GbnfJsonSchema): local models then write arguments that always parse
 * and match the schema's shape. Clients send full JSON Schema (Claude Code's tools use
 * `$schema`, `anyOf`, `pattern`, `minimum`, `format: "uri"`…); what the grammar cannot enforce is
 * dropped rather than refused, since the model only needs the shape: types, properties,
 * required, items, enums and consts. Pure.
 */

type Json = Record<string, unknown>;

const SIMPLE = new Set(["string", "number", "integer", "boolean", "null"]);
const FORMATS = new Set(["date-time", "time", "date"]);
/** Deeper schemas are cut to "any value": a bound against self-nesting input. */
const MAX_DEPTH = 24;

/** Any JSON value (what `{}` or `true` mean); the grammar bounds how deep it nests. */
const ANY: Json = {
  oneOf: [
    { type: ["string", "number", "boolean", "null"] },
    { type: "object", additionalProperties: true },
    {
      type: "array",
      items: {
        oneOf: [
          { type: ["string", "number", "boolean", "null"] },
          { type: "object", additionalProperties: true },
        ],
      },
    },
  ],
};

export function toGrammarSchema(schema: unknown): Json {
  const root = isObject(schema) ? schema : {};
  const defs = { ...asObject(root.definitions), ...asObject(root.$defs) };
  const out = convert(schema, 0);
  const names = Object.keys(defs);
  if (names.length > 0) out.$defs = Object.fromEntries(names.map((n) => [n, convert(defs[n], 1)]));
  return out;
}

function convert(node: unknown, depth: number): Json {
  if (depth > MAX_DEPTH || node === true || !isObject(node)) return ANY;
  const s = node;
  const keep: Json = {};
  if (typeof s.description === "string") keep.description = s.description;

  if (typeof s.$ref === "string") {
    const m = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(s.$ref);
    return m ? { ...keep, $ref: `#/$defs/${m[1]}` } : { ...keep, ...ANY };
  }
  if ("const" in s && isScalar(s.const)) return { ...keep, const: s.const };
  if (Array.isArray(s.enum)) {
    const values = s.enum.filter(isScalar);
    if (values.length > 0) return { ...keep, enum: values };
  }
  const alternatives = (s.anyOf ?? s.oneOf) as unknown;
  if (Array.isArray(alternatives) && alternatives.length > 0)
    return { ...keep, oneOf: alternatives.map((a) => convert(a, depth + 1)) };
  if (Array.isArray(s.allOf) && s.allOf.length > 0)
    // The grammar has no intersection: merged object schemas keep every property.
    return convert(mergeAll(s.allOf), depth + 1);

  const types = typeList(s);
  if (types.length === 0) return { ...keep, ...ANY };
  if (types.length > 1) {
    if (types.every((t) => SIMPLE.has(t))) return { ...keep, type: types };
    return { ...keep, oneOf: types.map((t) => convert({ ...s, type: t }, depth + 1)) };
  }
  const type = types[0]!;
  if (type === "object") return { ...keep, ...objectSchema(s, depth) };
  if (type === "array") return { ...keep, ...arraySchema(s, depth) };
  if (type === "string") {
    const str: Json = { type: "string" };
    if (typeof s.format === "string" && FORMATS.has(s.format)) str.format = s.format;
    else {
      if (isCount(s.minLength)) str.minLength = s.minLength;
      if (isCount(s.maxLength)) str.maxLength = s.maxLength;
    }
    return { ...keep, ...str };
  }
  return { ...keep, type: SIMPLE.has(type) ? type : "string" };
}

function objectSchema(s: Json, depth: number): Json {
  const out: Json = { type: "object" };
  const props = asObject(s.properties);
  const names = Object.keys(props);
  if (names.length > 0) {
    out.properties = Object.fromEntries(names.map((n) => [n, convert(props[n], depth + 1)]));
    const required = Array.isArray(s.required)
      ? s.required.filter((r): r is string => typeof r === "string" && names.includes(r))
      : [];
    out.required = required;
  }
  // Unspecified means "other keys allowed" in JSON Schema; with named properties the model is
  // better held to them, so only an explicit schema or `true` opens the object then. (The
  // grammar writes every named property, `required` or not.)
  if (s.additionalProperties === true || (names.length === 0 && s.additionalProperties !== false))
    out.additionalProperties = true;
  else if (isObject(s.additionalProperties))
    out.additionalProperties = convert(s.additionalProperties, depth + 1);
  if (isCount(s.minProperties)) out.minProperties = s.minProperties;
  if (isCount(s.maxProperties)) out.maxProperties = s.maxProperties;
  return out;
}

function arraySchema(s: Json, depth: number): Json {
  const out: Json = { type: "array" };
  if (Array.isArray(s.prefixItems))
    out.prefixItems = s.prefixItems.map((p) => convert(p, depth + 1));
  out.items = convert(s.items ?? true, depth + 1);
  if (isCount(s.minItems)) out.minItems = s.minItems;
  if (isCount(s.maxItems)) out.maxItems = s.maxItems;
  return out;
}

function typeList(s: Json): string[] {
  if (typeof s.type === "string") return [s.type];
  if (Array.isArray(s.type)) return s.type.filter((t): t is string => typeof t === "string");
  // Untyped but shaped: infer from the keywords present.
  if (isObject(s.properties)) return ["object"];
  if (s.items !== undefined) return ["array"];
  return [];
}

function mergeAll(parts: unknown[]): Json {
  const merged: Json = { type: "object", properties: {}, required: [] };
  for (const p of parts) {
    if (!isObject(p)) continue;
    Object.assign(merged.properties as Json, asObject(p.properties));
    if (Array.isArray(p.required)) (merged.required as unknown[]).push(...p.required);
    if (typeof p.type === "string" && p.type !== "object" && !isObject(p.properties)) return p;
  }
  return merged;
}

const isObject = (v: unknown): v is Json => !!v && typeof v === "object" && !Array.isArray(v);
const asObject = (v: unknown): Json => (isObject(v) ? v : {});
const isScalar = (v: unknown) => v === null || ["string", "number", "boolean"].includes(typeof v);
const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
