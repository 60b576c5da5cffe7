import path from "node:path";
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "./config.js";
import { createCore, type Core } from "./createCore.js";
import { VERSION } from "./version.js";

const HELP = `benchtop ${VERSION} — a lab's own inference provider

Usage:
  benchtop serve [options]     Run the API server headless (no window)
  benchtop --version | --help

Options for serve (environment variable in brackets):
  --host <addr>        Bind address (BENCHTOP_HOST). Default 127.0.0.1
  --port <n>           Port (BENCHTOP_PORT). Default 4747
  --data-dir <dir>     Database, logs, config.json (BENCHTOP_DATA_DIR).
                       Default: ~/.local/share/benchtop (Linux), ~/Library/Application Support/Benchtop
                       (macOS), %APPDATA%\\Benchtop (Windows)
  --models-dir <dir>   Folder of .gguf models (BENCHTOP_MODELS_DIR). Default <data-dir>/models
  --config <file>      JSON config file (BENCHTOP_CONFIG). Default <data-dir>/config.json
  --threads <n>        llama.cpp threads (BENCHTOP_THREADS). Default: physical cores
  --log-level <level>  fatal|error|warn|info|debug|trace|silent (BENCHTOP_LOG_LEVEL). Default info
`;

/** Runs the CLI; resolves with the process exit code (serve resolves only on shutdown). */
export async function runCli(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        host: { type: "string" },
        port: { type: "string" },
        "data-dir": { type: "string" },
        "models-dir": { type: "string" },
        config: { type: "string" },
        threads: { type: "string" },
        "log-level": { type: "string" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "v" },
      },
    });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (values.help || positionals.length === 0) {
    process.stdout.write(HELP);
    return values.help ? 0 : 2;
  }
  if (positionals[0] !== "serve" || positionals.length > 1) {
    process.stderr.write(`Unknown command: ${positionals.join(" ")}\n\n${HELP}`);
    return 2;
  }

  let core: Core;
  try {
    const config = loadConfig({
      config: values.config,
      host: values.host,
      port: values.port,
      dataDir: values["data-dir"],
      modelsDir: values["models-dir"],
      threads: values.threads,
      logLevel: values["log-level"],
    });
    // PATCH /manage/v1/server writes a moved bind address to the file the config came from.
    const configFile = values.config ?? process.env.BENCHTOP_CONFIG;
    core = await createCore({
      config,
      configFile: configFile ? path.resolve(configFile) : undefined,
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
    else if (code === "EADDRINUSE")
      process.stderr.write(`The port is already in use: ${(err as Error).message}\n`);
    else process.stderr.write(`benchtop failed to start: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }

  const models = await core.engine.listModels();
  core.log.info(
    {
      url: core.url,
      dataDir: core.paths.dataDir,
      modelsDir: core.paths.modelsDir,
      models: models.map((m) => m.id),
    },
    "benchtop listening",
  );
  process.stderr.write(
    `Benchtop ${VERSION} listening on ${core.url}/v1 — ${models.length} model(s) in ${core.paths.modelsDir}\n`,
  );

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        process.stderr.write(`Second ${signal}: exiting now.\n`);
        resolve(1);
        return;
      }
      stopping = true;
      process.stderr.write(`${signal}: finishing in-flight requests and shutting down…\n`);
      core.close().then(
        () => resolve(0),
        (err: unknown) => {
          process.stderr.write(`shutdown failed: ${(err as Error).message}\n`);
          resolve(1);
        },
      );
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
