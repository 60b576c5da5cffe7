import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import OpenAI from "openai";
import { ConfigSchema, type ConfigInput } from "../../src-main/app/config.js";
import { createCore, type Core } from "../../src-main/app/createCore.js";
import { generatedModel, modelsDir } from "./models.js";

export interface TestServer {
  core: Core;
  url: string;
  /** The official OpenAI SDK pointed at the server. Retries off: tests assert single attempts. */
  openai: OpenAI;
  /** Every log line the core wrote, parsed. */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Models dir content, id → GGUF path. Defaults to `{ tiny: <generated tiny model> }`. */
  models?: Record<string, string>;
  engine?: ConfigInput["engine"];
  server?: ConfigInput["server"];
  /** Folder served at `/` (the built renderer). Defaults to none, so tests never depend on a build. */
  rendererDir?: string;
}

/** Starts a real core (real SQLite file, real engine host) on 127.0.0.1 with an ephemeral port. */
export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "benchtop-data-"));
  const models = modelsDir(opts.models ?? { tiny: generatedModel() });
  const config = ConfigSchema.parse({
    dataDir,
    modelsDir: models,
    server: { host: "127.0.0.1", port: 0, ...opts.server },
    // CPU only and threads pinned: tests must not depend on the machine's GPU or core count.
    engine: { gpu: false, threads: 2, contextSize: 512, sequences: 4, ...opts.engine },
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
  });
  const url = core.url!;
  const openai = new OpenAI({
    baseURL: `${url}/v1`,
    apiKey: "test-key-unused",
    maxRetries: 0,
    timeout: 60_000,
  });
  return {
    core,
    url,
    openai,
    logs,
    async close() {
      await core.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
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
