import http from "node:http";
import Anthropic, { BadRequestError, RateLimitError } from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usageRows } from "../ledger/ledgerQueries.js";
import { startToolPools, type ToolPools } from "../pools/toolPools.js";

/**
 * `/v1/messages/count_tokens` on an OpenAI-compatible pool counts with gpt-tokenizer in Benchtop.
 * Counted on the core's event loop, one 320,000-character run held /health, /manage and every
 * /v1 route for 58 s; and count_tokens skipped the member's rate limits. Now it is counted on a
 * worker thread, refused above 4 MiB, and metered as a request. Real server, fake upstreams;
 * order and statuses, no timings.
 */
let p: ToolPools;
beforeAll(async () => {
  p = await startToolPools();
});
afterAll(async () => {
  await p?.close();
});

const run = (n: number) => "a".repeat(n);

/** POSTs `body` and resolves once it is handed to the kernel, with the response to come. */
function postFlushed(
  url: string,
  key: string,
  body: string,
): { sent: Promise<void>; response: Promise<{ status: number; body: string }> } {
  let flushed!: () => void;
  const sent = new Promise<void>((r) => (flushed = r));
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(
      url,
      { method: "POST", headers: { "content-type": "application/json", "x-api-key": key } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString("utf8") }),
        );
      },
    );
    req.on("error", reject);
    req.end(body, flushed);
  });
  return { sent, response };
}

describe("count_tokens on an OpenAI-compatible pool", () => {
  // Just under the 4 MiB cap and a multiple of 256: counting it takes the worker far longer than
  // the three small requests take the server (200,000 characters were counted, on a quiet CI
  // machine, before /v1/models had answered: linear counting is fast).
  const LONG = 4 * 1024 * 1024 - 1024;
  it("counts a long run without spaces off the event loop: /health, /manage and /v1 answer first", async () => {
    const order: string[] = [];
    const other = p.t.addMember({ name: "other" });
    // A first count loads the encoding and the model lookup: the long one then goes straight to
    // counting, with nothing left to wait for on the way.
    await p.anthropic.messages.countTokens({
      model: "gpt-pool",
      messages: [{ role: "user", content: "warm up" }],
    });
    const count = postFlushed(
      `${p.t.url}/v1/messages/count_tokens`,
      p.member.key,
      JSON.stringify({ model: "gpt-pool", messages: [{ role: "user", content: run(LONG) }] }),
    );
    // The count's bytes are with the server before the others are sent.
    await count.sent;
    const counted = count.response.then((r) => {
      order.push("count");
      return r;
    });
    const others = [
      fetch(`${p.t.url}/health`).then((r) => order.push(`health ${r.status}`)),
      fetch(`${p.t.url}/manage/v1/me`, { headers: { authorization: `Bearer ${other.key}` } }).then(
        (r) => order.push(`manage ${r.status}`),
      ),
      other.openai.models.list().then(() => order.push("v1 200")),
    ];
    const [res] = await Promise.all([counted, ...others]);
    expect(res.status).toBe(200);
    // Exact for a run of 'a' in o200k_base, cut in pieces of 256 (a multiple of 8): 1 token per 8.
    expect(JSON.parse(res.body)).toEqual({ input_tokens: LONG / 8 + 3 + 3 });
    expect(order.at(-1)).toBe("count");
    expect(order.slice(0, 3).sort()).toEqual(["health 200", "manage 200", "v1 200"]);
  });

  it("counts as a request: beyond the member's requests per minute it is a 429 with retry-after", async () => {
    const limited = p.t.addMember({ name: "rpm 2", limits: { rpm: 2 } });
    const client = new Anthropic({ baseURL: p.t.url, apiKey: limited.key, maxRetries: 0 });
    const asked = { model: "gpt-pool", messages: [{ role: "user" as const, content: "hi" }] };
    const first = await client.messages.countTokens(asked).withResponse();
    expect(first.response.headers.get("x-ratelimit-remaining-requests")).toBe("1");
    await client.messages.countTokens(asked);
    const err = await client.messages.countTokens(asked).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as RateLimitError).type).toBe("rate_limit_error");
    expect(Number((err as RateLimitError).headers?.get("retry-after"))).toBeGreaterThan(0);
    // The two counts used the minute's requests: a generation is refused too.
    const chat = await client.messages.create({ ...asked, max_tokens: 4 }).catch((e: unknown) => e);
    expect(chat).toBeInstanceOf(RateLimitError);
    // Nothing is recorded for a count (and the refused generation was never admitted).
    expect(usageRows(p.t.core, "member_id = ?", limited.id)).toEqual([]);
  });

  it("refuses a prompt above 4 MiB with a 400 that says so, before counting", async () => {
    const err = await p.anthropic.messages
      .countTokens({
        model: "gpt-pool",
        messages: [{ role: "user", content: run(4 * 1024 * 1024 + 1) }],
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as BadRequestError).message).toContain("at most 4194304 bytes");
  });
});
