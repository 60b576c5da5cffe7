import type { StreamResult } from "./stats.js";

/** One request: a text prompt (the same string for every system) and a token budget. */
export interface CompletionRequest {
  prompt: string;
  maxTokens: number;
}

/** A way of serving the model that the bench can drive with concurrent streams. */
export interface ServingSystem {
  readonly name: string;
  /** Processes doing this system's work (for telling its CPU use from other load). */
  pids(): number[];
  stream(req: CompletionRequest): Promise<StreamResult>;
  /** Facts for the report: build type, load time, RSS in MiB. */
  readonly info: Record<string, unknown>;
  close(): Promise<void>;
}
