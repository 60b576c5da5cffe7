import { z } from "zod";
import { VERSION } from "../app/version.js";
import { ErrorDto } from "../contract/index.js";
import { manageRoutes } from "./manage/index.js";
import { ACCESS, type ManageRoute } from "./manage/routeTable.js";
import { AnthropicErrorBody, v1Routes, type DocumentedRoute } from "./openapiV1.js";

/** Where createServer mounts the management router. */
export const MANAGE_PREFIX = "/manage/v1";

type JsonSchema = Record<string, unknown>;

/** A zod schema as an OpenAPI 3.1 schema (JSON Schema 2020-12, without `$schema`). */
function schemaOf(s: z.ZodType, io: "input" | "output"): JsonSchema {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io, unrepresentable: "any" });
  return rest;
}

/** Express path → OpenAPI path: `:id` and `*model` become `{id}` and `{model}`. */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/[:*]([A-Za-z_]\w*)/g, "{$1}");
}

function pathParameters(expressPath: string) {
  return [...expressPath.matchAll(/([:*])([A-Za-z_]\w*)/g)].map(([, kind, name]) => ({
    name,
    in: "path",
    required: true,
    schema: { type: "string" },
    ...(kind === "*" ? { description: "May contain '/'." } : {}),
  }));
}

function queryParameters(query: z.ZodType | undefined) {
  if (!query) return [];
  const schema = schemaOf(query, "input") as {
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  return Object.entries(schema.properties ?? {}).map(([name, s]) => ({
    name,
    in: "query",
    required: schema.required?.includes(name) ?? false,
    schema: s,
  }));
}

const json = (schema: JsonSchema) => ({ "application/json": { schema } });
const errorResponse = {
  description: "Error (OpenAI shape)",
  content: json(schemaOf(ErrorDto, "output")),
};
const anthropicErrorResponse = {
  description: "Error (Anthropic shape)",
  content: json(schemaOf(AnthropicErrorBody, "output")),
};

function manageOperation(r: ManageRoute) {
  const ok =
    r.response === "event-stream"
      ? {
          description: "Server-sent events",
          content: { "text/event-stream": { schema: { type: "string" } } },
        }
      : r.response === "csv"
        ? {
            description: "CSV (RFC 4180)",
            content: { "text/csv": { schema: { type: "string" } } },
          }
        : r.response === "export"
          ? {
              description: "JSON Lines (format=jsonl) or CSV (format=csv)",
              content: {
                "application/x-ndjson": { schema: { type: "string" } },
                "text/csv": { schema: { type: "string" } },
              },
            }
          : { description: "Success", content: json(schemaOf(r.response, "output")) };
  return {
    operationId: `${r.method}${openApiPath(r.path).replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? "").toUpperCase())}`,
    summary: r.summary,
    tags: ["manage"],
    "x-benchtop-roles": [...ACCESS[r.access]],
    parameters: [...pathParameters(r.path), ...queryParameters(r.query)],
    ...(r.body
      ? { requestBody: { required: true, content: json(schemaOf(r.body, "input")) } }
      : {}),
    responses: { [String(r.status ?? 200)]: ok, default: errorResponse },
  };
}

function v1Operation(r: DocumentedRoute) {
  const content: Record<string, unknown> = json(schemaOf(r.response, "output"));
  if (r.streams) content["text/event-stream"] = { schema: { type: "string" } };
  return {
    summary: r.summary,
    tags: [r.tag],
    ...(r.authenticated ? {} : { security: [] }),
    parameters: pathParameters(r.path),
    ...(r.body
      ? { requestBody: { required: true, content: json(schemaOf(r.body, "input")) } }
      : {}),
    responses: {
      "200": { description: "Success", content },
      default: r.anthropicErrors ? anthropicErrorResponse : errorResponse,
    },
  };
}

function buildDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  const add = (path: string, method: string, op: unknown) => {
    (paths[openApiPath(path)] ??= {})[method] = op;
  };
  for (const r of v1Routes) add(r.path, r.method, v1Operation(r));
  for (const r of manageRoutes) add(MANAGE_PREFIX + r.path, r.method, manageOperation(r));
  return {
    openapi: "3.1.0",
    info: {
      title: "Benchtop",
      version: VERSION,
      description:
        "OpenAI-compatible inference (/v1), Anthropic-compatible messages (/v1/messages) and " +
        "the management API (/manage/v1). Money is in " +
        "integer micro-dollars (*_micros), instants in Unix milliseconds (*_ms).",
    },
    security: [{ bearer: [] }, { apiKey: [] }],
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "A Benchtop key (btk_…)." },
        apiKey: { type: "apiKey", in: "header", name: "x-api-key" },
      },
    },
    paths,
  };
}

let cached: object | undefined;

/** The OpenAPI 3.1 document of every route, built once from the same zod schemas the routes use. */
export function openApiDocument(): object {
  return (cached ??= buildDocument());
}
