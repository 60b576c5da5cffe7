import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";

/**
 * What the official clients got back from Benchtop — status, every header, the body or every
 * streamed chunk and the error they threw — as one text, for scanning for key material.
 */
export interface Reply {
  status: number;
  /** Body (or the chunks of a stream, then the error that ended it), headers, all as text. */
  text: string;
  /** The error body the client parsed, when it failed. */
  error?: unknown;
}

const headersText = (h: Headers | undefined) => (h ? JSON.stringify([...h.entries()]) : "");

function failed(err: unknown, before = ""): Reply {
  if (err instanceof OpenAI.APIError || err instanceof Anthropic.APIError)
    return {
      status: err.status ?? 0,
      text: `${before}\n${err.message}\n${JSON.stringify(err.error)}\n${headersText(err.headers)}`,
      error: err.error,
    };
  throw err;
}

/** A chat completion through the OpenAI SDK, streamed or not, as a Reply (never throws for API errors). */
export async function openAiReply(client: OpenAI, model: string, stream: boolean): Promise<Reply> {
  const messages = [{ role: "user" as const, content: "hi" }];
  try {
    if (!stream) {
      const { data, response } = await client.chat.completions
        .create({ model, messages })
        .withResponse();
      return {
        status: response.status,
        text: `${JSON.stringify(data)}\n${headersText(response.headers)}`,
      };
    }
    const { data, response } = await client.chat.completions
      .create({ model, messages, stream: true })
      .withResponse();
    let text = headersText(response.headers);
    try {
      for await (const chunk of data) text += `\n${JSON.stringify(chunk)}`;
    } catch (err) {
      return { ...failed(err, text), status: response.status };
    }
    return { status: response.status, text };
  } catch (err) {
    return failed(err);
  }
}

/** A Messages API call through @anthropic-ai/sdk, streamed or not, as a Reply. */
export async function anthropicReply(
  client: Anthropic,
  model: string,
  stream: boolean,
): Promise<Reply> {
  const params = { model, max_tokens: 50, messages: [{ role: "user" as const, content: "hi" }] };
  try {
    if (!stream) {
      const { data, response } = await client.messages.create(params).withResponse();
      return {
        status: response.status,
        text: `${JSON.stringify(data)}\n${headersText(response.headers)}`,
      };
    }
    const { data, response } = await client.messages
      .create({ ...params, stream: true })
      .withResponse();
    let text = headersText(response.headers);
    try {
      for await (const event of data) text += `\n${JSON.stringify(event)}`;
    } catch (err) {
      return { ...failed(err, text), status: response.status };
    }
    return { status: response.status, text };
  } catch (err) {
    return failed(err);
  }
}

/** Every run of 8 characters of any of `secrets` that `text` contains (none is the only pass). */
export function keyRunsIn(text: string, secrets: readonly string[]): string[] {
  const found = new Set<string>();
  for (const secret of secrets)
    for (let i = 0; i + 8 <= secret.length; i++) {
      const run = secret.slice(i, i + 8);
      if (text.includes(run)) found.add(run);
    }
  return [...found];
}
