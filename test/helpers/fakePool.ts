import type { Core } from "../../src-main/app/createCore.js";
import type { FakeUpstream } from "../fixtures/fakeUpstream.js";

/**
 * A pool `id` with one connection to `up` (a fake upstream on loopback) and one key, as an
 * admin would set it up through the Connections page: the same repository calls. Returns the
 * connection's id.
 */
export function addFakePool(
  core: Core,
  up: FakeUpstream,
  id: string,
  kind: "openai_compatible" | "anthropic" = "openai_compatible",
  upstreamModel = "up-model",
): string {
  const c = core.store.connections.create({
    name: id,
    kind,
    // Anthropic's SDK appends /v1 itself; OpenAI-compatible base URLs include it.
    baseUrl: kind === "anthropic" ? up.url : `${up.url}/v1`,
    headers: {},
    region: null,
    retention: null,
  });
  core.store.connections.addKey({
    connectionId: c.id,
    label: "main",
    secret: core.cipher.encrypt("sk-test-upstream-0000"),
    last4: "0000",
  });
  core.store.pools.put({
    id,
    strategy: "priority",
    maxAttempts: 1,
    targets: [{ connectionId: c.id, upstreamModel, priority: 0, weight: 1 }],
  });
  return c.id;
}
