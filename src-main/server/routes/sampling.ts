import type { EngineGrammar } from "../../engine/protocol.js";
import { invalidRequest } from "../../gateway/errors.js";
import { jsonSchemaProblem } from "../../gateway/jsonSchemaCheck.js";
import type { Sampling } from "../../gateway/types.js";
import type { ChatCompletionBody } from "../schemas/openai.js";

interface SamplingFields {
  temperature?: number | null;
  top_p?: number | null;
  seed?: number | null;
  stop?: string | string[] | null;
}

/** OpenAI sampling fields with OpenAI's defaults (temperature 1, top_p 1, no stop). */
export function toSampling(body: SamplingFields, maxTokens: number | undefined): Sampling {
  const stop = body.stop == null ? [] : typeof body.stop === "string" ? [body.stop] : body.stop;
  return {
    maxTokens,
    temperature: body.temperature ?? 1,
    topP: body.top_p ?? 1,
    seed: body.seed ?? undefined,
    // An empty stop string would end every generation at once; OpenAI ignores it too.
    stop: stop.filter((s) => s.length > 0),
  };
}

/** `response_format` → a grammar that constrains sampling, so the output always parses. */
export function toGrammar(
  format: ChatCompletionBody["response_format"],
): EngineGrammar | undefined {
  if (!format || format.type === "text") return undefined;
  if (format.type === "json_object") return { type: "json" };
  const schema = format.json_schema.schema;
  if (!schema) return { type: "json" };
  const problem = jsonSchemaProblem(schema);
  if (problem) {
    throw invalidRequest(
      `Invalid JSON schema: ${problem}`,
      "response_format",
      "invalid_json_schema",
    );
  }
  return { type: "json_schema", schema };
}
