import Anthropic from "@anthropic-ai/sdk";
import { startFakeUpstream, type FakeUpstream } from "../fixtures/fakeUpstream.js";
import { startTestServer, type TestMember, type TestServer } from "../helpers/testServer.js";
import { usageRows, type UsageRow } from "../ledger/ledgerQueries.js";

/**
 * The setup the tool and image tests share: the real server with a member, and two pools of two
 * fake upstreams each (priority failover) —
 *   `gpt-pool`    → OpenAI-compatible fakes `oa`, `oa2`, upstream model gpt-4o-mini,
 *                   priced $0.15 / $0.60 per million tokens;
 *   `claude-pool` → Anthropic fakes `an`, `an2`, upstream model claude-sonnet-4-5,
 *                   priced $3 / $15 per million tokens.
 */
export interface ToolPools {
  t: TestServer;
  member: TestMember;
  /** @anthropic-ai/sdk pointed at Benchtop with the member's key. */
  anthropic: Anthropic;
  oa: FakeUpstream;
  oa2: FakeUpstream;
  an: FakeUpstream;
  an2: FakeUpstream;
  rowsOf(requestId: string | null): UsageRow[];
  /** Clears the fakes' records and scripts between tests. */
  reset(): void;
  close(): Promise<void>;
}

export const GPT_PRICE = { input: 150_000, output: 600_000 };
export const CLAUDE_PRICE = { input: 3_000_000, output: 15_000_000 };

/** Micro-dollars for `prompt` + `completion` tokens at `price`, rounded up as the ledger does. */
export const costOf = (price: typeof GPT_PRICE, prompt: number, completion: number) =>
  Math.ceil((prompt * price.input + completion * price.output) / 1_000_000);

export async function startToolPools(): Promise<ToolPools> {
  const t = await startTestServer();
  const [oa, oa2, an, an2] = await Promise.all([
    startFakeUpstream({ protocol: "openai" }),
    startFakeUpstream({ protocol: "openai" }),
    startFakeUpstream({ protocol: "anthropic" }),
    startFakeUpstream({ protocol: "anthropic" }),
  ]);
  const { connections, pools, limits } = t.core.store;
  const connect = (kind: "openai_compatible" | "anthropic", baseUrl: string, key: string) => {
    const c = connections.create({
      name: baseUrl,
      kind,
      baseUrl,
      headers: {},
      region: null,
      retention: null,
    });
    connections.addKey({
      connectionId: c.id,
      label: "main",
      secret: t.core.cipher.encrypt(key),
      last4: key.slice(-4),
    });
    return c.id;
  };
  const pool = (id: string, upstreamModel: string, first: string, second: string) =>
    pools.put({
      id,
      strategy: "priority",
      maxAttempts: 2,
      targets: [
        { connectionId: first, upstreamModel, priority: 0, weight: 1 },
        { connectionId: second, upstreamModel, priority: 1, weight: 1 },
      ],
    });
  pool(
    "gpt-pool",
    "gpt-4o-mini",
    connect("openai_compatible", `${oa!.url}/v1`, "sk-oa-0001"),
    connect("openai_compatible", `${oa2!.url}/v1`, "sk-oa-0002"),
  );
  pool(
    "claude-pool",
    "claude-sonnet-4-5",
    connect("anthropic", an!.url, "sk-ant-0001"),
    connect("anthropic", an2!.url, "sk-ant-0002"),
  );
  for (const [model, p] of [
    ["gpt-pool", GPT_PRICE],
    ["claude-pool", CLAUDE_PRICE],
  ] as const)
    limits.setPrice({
      model,
      input_micros_per_mtok: p.input,
      output_micros_per_mtok: p.output,
      billing_mode: "org",
    });
  const member = t.addMember();
  const fakes = [oa!, oa2!, an!, an2!];
  return {
    t,
    member,
    anthropic: new Anthropic({
      baseURL: t.url,
      apiKey: member.key,
      maxRetries: 0,
      timeout: 60_000,
    }),
    oa: oa!,
    oa2: oa2!,
    an: an!,
    an2: an2!,
    rowsOf: (requestId) => usageRows(t.core, "request_id = ?", requestId),
    reset() {
      for (const f of fakes) {
        f.reset();
        f.fallback = { kind: "ok" };
      }
    },
    async close() {
      await t.close();
      await Promise.all(fakes.map((f) => f.close()));
    },
  };
}
