/**
 * Entry point of the engine host process: the only process that loads node-llama-cpp's native
 * code. A crashing model or a native abort kills this process, not the API, the ledger or the
 * remote pools; the core notices the exit and starts a new host.
 *
 * Started headless by `child_process.fork` (messages via `process.send`) and in the desktop app
 * by Electron's `utilityProcess` (messages via `process.parentPort`). Argument 2 is the JSON
 * `HostConfig`.
 */
import { getLlama, LlamaLogLevel, type Llama } from "node-llama-cpp";
import type { HostConfig, HostMessage, HostRequest } from "../protocol.js";
import { EngineError } from "../EngineError.js";
import { generate } from "./generate.js";
import { countPromptTokens } from "./renderPrompt.js";
import { ResidentModel } from "./ResidentModel.js";
import { NATIVE_CMAKE } from "../nativeBuild.js";

interface ParentPort {
  on(event: "message", listener: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

function send(message: HostMessage): void {
  if (parentPort) parentPort.postMessage(message);
  else process.send?.(message);
}

function onRequest(listener: (req: HostRequest) => void): void {
  if (parentPort) parentPort.on("message", (e) => listener(e.data as HostRequest));
  else process.on("message", (m) => listener(m as HostRequest));
}

const config = JSON.parse(process.argv[2] ?? "{}") as HostConfig;
const residents = new Map<string, Promise<ResidentModel>>();
const running = new Map<number, AbortController>();

async function main(): Promise<void> {
  const binary = config.binary ?? "auto";
  const llama = await getLlama({
    gpu: config.gpu,
    // Never compile at run time. The native build is the local build made with NATIVE_CMAKE
    // (its folder is named after them): asking with them finds it, asking without never does.
    build: "never",
    ...(binary === "prebuilt" ? {} : { cmakeOptions: NATIVE_CMAKE }),
    usePrebuiltBinaries: binary !== "native",
    maxThreads: config.threads,
    logLevel: LlamaLogLevel.error,
    logger: (level, message) => {
      if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal) {
        process.stderr.write(`[llama.cpp] ${message}\n`);
      }
    },
  });
  onRequest((req) => void handle(llama, req));
  send({
    type: "ready",
    info: {
      pid: process.pid,
      threads: config.threads,
      gpu: llama.gpu,
      buildType: llama.buildType,
      llamaCppRelease: llama.llamaCppRelease.release,
    },
  });
  // When the parent goes away (IPC channel closed), exit instead of lingering as an orphan.
  process.on("disconnect", () => process.exit(0));
}

async function handle(llama: Llama, req: HostRequest): Promise<void> {
  switch (req.type) {
    case "load": {
      let resident = residents.get(req.modelId);
      if (!resident) {
        resident = ResidentModel.load(llama, req.modelId, req.path, req.options, config.threads);
        residents.set(req.modelId, resident);
        resident.catch(() => residents.delete(req.modelId));
      }
      try {
        send({ type: "loaded", id: req.id, info: (await resident).info });
      } catch (err) {
        send({ type: "error", id: req.id, error: EngineError.toPayload(err) });
      }
      return;
    }
    case "unload": {
      const resident = residents.get(req.modelId);
      residents.delete(req.modelId);
      await (await resident?.catch(() => undefined))?.dispose();
      send({ type: "unloaded", id: req.id });
      return;
    }
    case "generate": {
      const abort = new AbortController();
      running.set(req.id, abort);
      try {
        const resident = await requireResident(req.modelId);
        const result = await generate(resident, req, abort.signal, {
          started: (promptTokens, cachedTokens) =>
            send({ type: "started", id: req.id, promptTokens, cachedTokens }),
          delta: (text) => send({ type: "delta", id: req.id, text }),
          toolCall: (piece) => send({ type: "tool_call", id: req.id, ...piece }),
        });
        send({ type: "done", id: req.id, ...result });
      } catch (err) {
        send({ type: "error", id: req.id, error: EngineError.toPayload(err) });
      } finally {
        running.delete(req.id);
      }
      return;
    }
    case "embed": {
      try {
        const resident = await requireResident(req.modelId);
        const context = await resident.embeddings();
        const vectors: number[][] = [];
        let promptTokens = 0;
        const contextSize = resident.info.contextSize;
        for (const input of req.inputs) {
          // Tokenizing stops past the context: such an input is refused whatever its length.
          const { tokens, complete } = await resident.tokens(input, { limit: contextSize });
          if (!complete || tokens.length > contextSize) {
            throw new EngineError(
              "context_length_exceeded",
              `An input has ${complete ? tokens.length : `more than ${contextSize}`} tokens; this model embeds at most ${contextSize}.`,
            );
          }
          promptTokens += tokens.length;
          const embedding = await context.getEmbeddingFor(tokens as never);
          vectors.push([...embedding.vector]);
        }
        send({ type: "embedded", id: req.id, vectors, promptTokens });
      } catch (err) {
        send({ type: "error", id: req.id, error: EngineError.toPayload(err) });
      }
      return;
    }
    case "tokenize": {
      try {
        const resident = await requireResident(req.modelId);
        const promptTokens = await countPromptTokens(resident, req.input);
        send({ type: "tokenized", id: req.id, promptTokens });
      } catch (err) {
        send({ type: "error", id: req.id, error: EngineError.toPayload(err) });
      }
      return;
    }
    case "hardware": {
      try {
        const ram = await llama.getRamState();
        send({
          type: "hardware",
          id: req.id,
          hardware: {
            gpu: llama.gpu,
            supportsGpuOffloading: llama.supportsGpuOffloading,
            vramPaddingSize: llama.vramPaddingSize,
            vram: llama.gpu === false ? null : await llama.getVramState(),
            ram: { total: ram.total, free: ram.free },
          },
        });
      } catch (err) {
        send({ type: "error", id: req.id, error: EngineError.toPayload(err) });
      }
      return;
    }
    case "abort":
      running.get(req.id)?.abort();
      return;
    case "shutdown": {
      for (const abort of running.values()) abort.abort();
      for (const resident of residents.values()) {
        await (await resident.catch(() => undefined))?.dispose();
      }
      await llama.dispose();
      process.exit(0);
    }
  }
}

async function requireResident(modelId: string): Promise<ResidentModel> {
  const resident = residents.get(modelId);
  if (!resident) throw new EngineError("not_loaded", `Model ${modelId} is not loaded`);
  return resident;
}

main().catch((err: unknown) => {
  send({ type: "fatal", message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
