import crypto from "node:crypto";
import type { DownloadDto, DownloadState } from "../contract/index.js";
import type { Validator } from "./httpTransfer.js";
import { SpeedMeter } from "./speedMeter.js";

/** One download as ModelDownloads keeps it (in memory; the `.part` sidecar keeps the rest). */
export interface Download {
  id: string;
  url: string;
  modelId: string;
  state: DownloadState;
  bytesDone: number;
  bytesTotal: number | null;
  error: string | null;
  createdMs: number;
  updatedMs: number;
  finishedMs: number | null;
  /** ETag / Last-Modified the `.part` file was fetched against. */
  validator: Validator | null;
  meter: SpeedMeter;
  lastProgressMs: number;
  abort?: AbortController;
  /** What an abort means: an admin's cancel, or shutdown (resumable after restart). */
  stopAs?: "cancelled" | "paused";
  running?: Promise<void>;
}

/** A queued download with nothing received yet. */
export function newDownload(url: string, modelId: string, now: number, createdMs = now): Download {
  return {
    id: `dl_${crypto.randomBytes(8).toString("hex")}`,
    url,
    modelId,
    state: "queued",
    bytesDone: 0,
    bytesTotal: null,
    error: null,
    createdMs,
    updatedMs: now,
    finishedMs: null,
    validator: null,
    meter: new SpeedMeter(),
    lastProgressMs: 0,
  };
}

/** The API's view: speed over the last seconds and the ETA it implies (null when unknown). */
export function downloadDto(d: Download, now: number): DownloadDto {
  const speed = d.state === "downloading" ? d.meter.bytesPerSecond(now) : 0;
  const left = d.bytesTotal === null ? null : Math.max(0, d.bytesTotal - d.bytesDone);
  return {
    id: d.id,
    url: d.url,
    model_id: d.modelId,
    state: d.state,
    bytes_done: d.bytesDone,
    bytes_total: d.bytesTotal,
    speed_bps: speed,
    eta_s: left !== null && speed > 0 ? Math.ceil(left / speed) : null,
    error: d.error,
    created_ms: d.createdMs,
    updated_ms: d.updatedMs,
    finished_ms: d.finishedMs,
  };
}
