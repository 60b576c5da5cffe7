import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import OpenAI from "openai";
import { ConfigSchema, type ConfigInput } from "../../src-main/app/config.js";
import { createCore, type Core, type CoreOptions } from "../../src-main/app/createCore.js";
import type { LimitsDto } from "../../src-main/contract/limits.js";
import { generateApiKey } from "../../src-main/policy/apiKeys.js";
import type { Role } from "../../src-main/store/membersRepo.js";
import { generatedModel, modelsDir } from "./models.js";

export interface TestServer {
  core: Core;
  url: string;
  /**
   * The official OpenAI SDK pointed at the server with the owner token. Retries off: tests
   * assert single attempts.
   */
  openai: OpenAI;
  /** `Authorization` header with the owner token, for raw `fetch` calls. */
  auth: { authorization: string };
  /** A new member with one API key, and an OpenAI client using that key. */
  addMember(opts?: {
    name?: string;
    role?: Exclude<Role, "owner">;
    limits?: LimitsDto;
  }): TestMember;
  /** Every log line the core wrote, parsed. */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

export interface TestMember {
  id: string;
  key: string;
  keyId: string;
  openai: OpenAI;
}

export interface TestServerOptions {
  /** Models dir content, id → GGUF path. Defaults to `{ tiny: <generated tiny model> }`. */
  models?: Record<string, string>;
  engine?: ConfigInput["engine"];
  server?: ConfigInput["server"];
  chat?: ConfigInput["chat"];
  /** Folder served at `/` (the built renderer). Defaults to none, so tests never depend on a build. */
  rendererDir?: string;
  /** The core's clock (admission, settlement, key expiry); defaults to `Date.now`. */
  now?: () => number;
  /** OS services passed to the core (e.g. a test SecretCipher); defaults to the headless ones. */
  platform?: CoreOptions["platform"];
  /** Resolver and loopback peers playing remote hosts for model downloads (see DownloadNetwork). */
  downloadNetwork?: CoreOptions["downloadNetwork"];
  /**
   * An existing data dir to start on (a restart over a database an earlier server wrote, or a
   * folder on a tiny filesystem for tests of a full disk); the caller removes it. Defaults to a
   * fresh temporary one, removed on close.
   */
  dataDir?: string;
  /** `storage` config (e.g. a short probe interval for tests of a full disk). */
  storage?: ConfigInput["storage"];
  /** The guard's detectors (default: the shipped rules and validators). */
  guardDetectors?: CoreOptions["guardDetectors"];
}

/** Starts a real core (real SQLite file, real engine host) on 127.0.0.1 with an ephemeral port. */
export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "benchtop-data-"));
  const models = modelsDir(opts.models ?? { tiny: generatedModel() });
  const config = ConfigSchema.parse({
    dataDir,
    modelsDir: models,
    server: { host: "127.0.0.1", port: 0, ...opts.server },
    // CPU only, the prebuilt binary and threads pinned: tests must not depend on the machine's
    // GPU, a native build someone made on it, or its core count.
    engine: {
      gpu: false,
      binary: "prebuilt",
      threads: 2,
      contextSize: 512,
      sequences: 4,
      ...opts.engine,
    },
    // No timer-driven probes: tests on a fake clock call core.pools.probeDue() themselves.
    pools: { probeIntervalS: 0 },
    chat: opts.chat,
    storage: opts.storage,
    log: { level: "info" },
  });
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString("utf8").split("\n")) if (line) logs.push(JSON.parse(line));
      cb();
    },
  });
  const core = await createCore({
    config,
    logDestination: destination,
    rendererDir: opts.rendererDir ?? path.join(dataDir, "no-renderer"),
    now: opts.now,
    platform: opts.platform,
    downloadNetwork: opts.downloadNetwork,
    guardDetectors: opts.guardDetectors,
  });
  const url = core.url!;
  const client = (apiKey: string) =>
    new OpenAI({
      baseURL: `${url}/v1`,
      apiKey,
      maxRetries: 0,
      // Generous: a loaded 2-core CI machine can be slow; vitest's own timeout (180 s) is later.
      timeout: 150_000,
    });
  let members = 0;
  return {
    core,
    url,
    openai: client(core.ownerToken),
    auth: { authorization: `Bearer ${core.ownerToken}` },
    addMember({ name, role = "member", limits } = {}) {
      const member = core.store.members.create({ name: name ?? `member ${++members}`, role });
      const key = generateApiKey();
      const row = core.store.keys.create({
        memberId: member.id,
        name: "test",
        hash: key.hash,
        prefix: key.prefix,
        last4: key.last4,
      });
      if (limits) core.store.limits.setLimits(member.id, limits);
      return { id: member.id, key: key.plain, keyId: row.id, openai: client(key.plain) };
    },
    logs,
    async close() {
      await core.close();
      if (!opts.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
      fs.rmSync(models, { recursive: true, force: true });
    },
  };
}

/** A user message whose text has no BPE merges in the generated vocabulary: 1 byte = 1 token. */
export const plainText = (n: number) => "1234567890".repeat(Math.ceil(n / 10)).slice(0, n);

const longPrompts = new Map<string, string>();

/**
 * A user message for which the (deterministic) tiny model does not stop early under greedy
 * decoding: random weights often sample an end-of-generation token within a few tokens, and
 * tests of long streams need one that keeps going. Found once per model and thread count.
 */
export async function longRunningPrompt(server: TestServer, model = "tiny"): Promise<string> {
  const key = `${model}:${server.core.config.engine.threads}`;
  const known = longPrompts.get(key);
  if (known) return known;
  for (let i = 0; i < 40; i++) {
    const content = `long ${i}`;
    const res = await server.openai.chat.completions.create({
      model,
      messages: [{ role: "user", content }],
      max_tokens: 64,
      temperature: 0,
    });
    if (res.choices[0]!.finish_reason === "length") {
      longPrompts.set(key, content);
      return content;
    }
  }
  throw new Error("no prompt among 40 keeps the tiny model generating for 64 tokens");
}
