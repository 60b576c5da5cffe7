/**
 * A structural check of a `response_format` JSON schema before it becomes a grammar.
 * node-llama-cpp's grammar compiler treats unknown `type`s and dangling `$ref`s as "any value",
 * which would quietly stop enforcing the schema; we refuse those instead. Returns the first
 * problem with its JSON path, or null. (Keywords it does not enforce, such as `pattern`, are
 * accepted; docs/API.md lists them.)
 */
const TYPES = new Set(["string", "number", "integer", "boolean", "object", "array", "null"]);
/** Keywords whose value is a map of name → subschema (the names themselves are not schemas). */
const SCHEMA_MAPS = new Set(["properties", "$defs", "definitions", "patternProperties"]);

export function jsonSchemaProblem(schema: unknown): string | null {
  return check(schema, schema, "schema", 0);
}

function check(node: unknown, root: unknown, path: string, depth: number): string | null {
  if (depth > 64) return `${path}: nested too deeply`;
  if (typeof node === "boolean") return null;
  if (!node || typeof node !== "object" || Array.isArray(node))
    return `${path}: a schema must be an object`;
  const obj = node as Record<string, unknown>;
  if ("type" in obj) {
    const types = Array.isArray(obj.type) ? obj.type : [obj.type];
    const bad = types.find((t) => typeof t !== "string" || !TYPES.has(t));
    if (bad !== undefined || types.length === 0)
      return `${path}.type: unknown type ${JSON.stringify(bad)}`;
  }
  if ("$ref" in obj && !resolves(root, obj.$ref)) {
    return `${path}.$ref: ${JSON.stringify(obj.$ref)} does not point to a definition in this schema`;
  }
  for (const [key, value] of Object.entries(obj)) {
    if (SCHEMA_MAPS.has(key)) {
      if (!value || typeof value !== "object" || Array.isArray(value))
        return `${path}.${key}: must be an object`;
      for (const [name, sub] of Object.entries(value)) {
        const p = check(sub, root, `${path}.${key}.${name}`, depth + 1);
        if (p) return p;
      }
    } else if (key === "items" || key === "additionalProperties" || key === "not") {
      if (typeof value === "boolean") continue;
      const p = check(value, root, `${path}.${key}`, depth + 1);
      if (p) return p;
    } else if (key === "anyOf" || key === "oneOf" || key === "allOf" || key === "prefixItems") {
      if (!Array.isArray(value) || value.length === 0)
        return `${path}.${key}: must be a non-empty array`;
      for (let i = 0; i < value.length; i++) {
        const p = check(value[i], root, `${path}.${key}[${i}]`, depth + 1);
        if (p) return p;
      }
    }
  }
  return null;
}

function resolves(root: unknown, ref: unknown): boolean {
  if (typeof ref !== "string") return false;
  if (ref === "#") return true;
  const m = /^#\/(\$defs|definitions)\/([^/]+)$/.exec(ref);
  if (!m) return false;
  const defs = (root as Record<string, unknown>)[m[1]!];
  return !!defs && typeof defs === "object" && Object.hasOwn(defs, decodeURIComponent(m[2]!));
}
