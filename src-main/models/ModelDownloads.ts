import fs from "node:fs";
import path from "node:path";
import type { Logger } from "pino";
import type { EventBus } from "../app/eventBus.js";
import type { DownloadDto, DownloadState } from "../contract/index.js";
import { roomFor } from "./diskSpace.js";
import { downloadDto, newDownload, type Download } from "./downloadRecord.js";
import { ggufFileProblem } from "../engine/modelFit.js";
import type { DownloadNetwork } from "./guardedConnect.js";
import { openTransfer } from "./httpTransfer.js";
import { publishFile } from "./modelFiles.js";
import { ModelsError } from "./ModelsError.js";
import {
  partPath,
  readSidecars,
  removePartFiles,
  sidecarPath,
  sizeOf,
  writeSidecar,
} from "./partFiles.js";
import { NotGgufError, writeBody } from "./writeBody.js";

export interface ModelDownloadsOptions {
  modelsDir: string;
  events: EventBus;
  log: Logger;
  /** Whether a model with this id is in the models folder. */
  modelExists: (id: string) => Promise<boolean>;
  /** Called once a downloaded model is in place (the registry rescans). */
  onModelAdded: (id: string) => Promise<void>;
  /** Downloads transferring at once; the rest wait as `queued`. Defaults to 2. */
  concurrency?: number;
  /** Least milliseconds between two progress events of one download. Defaults to 250 (4/s). */
  progressIntervalMs?: number;
  now?: () => number;
  /** Bytes free on the models folder's disk. Defaults to the OS's answer (statfs). */
  diskFree?: (dir: string) => Promise<number>;
  /** Resolver and test-only peers for the download address guard. Defaults to the OS's resolver. */
  network?: DownloadNetwork;
}

/**
 * Model downloads into the models folder. Bytes go to `<id>.gguf.part`, which the registry never
 * lists; a finished file must be the announced size and a readable GGUF before it is linked to
 * `<id>.gguf`. Records live in memory; each `.part` file has a JSON sidecar (URL, validator), so
 * after a restart the download is listed as `paused` and resumes with an HTTP Range request.
 */
export class ModelDownloads {
  private readonly downloads = new Map<string, Download>();
  private readonly concurrency: number;
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly opts: ModelDownloadsOptions) {
    this.concurrency = opts.concurrency ?? 2;
    this.now = opts.now ?? Date.now;
    this.restore();
  }

  list(): DownloadDto[] {
    return [...this.downloads.values()].map((d) => this.dto(d));
  }

  get(id: string): DownloadDto | undefined {
    const d = this.downloads.get(id);
    return d && this.dto(d);
  }

  /**
   * Starts downloading `url` as model `modelId`, or resumes the stopped download of the same URL
   * that holds that id. Throws a ModelsError conflict when another download holds the id.
   */
  start(url: string, modelId: string): DownloadDto {
    const holder = [...this.downloads.values()].find((d) => d.modelId === modelId);
    if (holder?.state === "queued" || holder?.state === "downloading")
      throw new ModelsError(
        "conflict",
        "download_in_progress",
        `A download of '${modelId}' is already running (${holder.id}).`,
      );
    if (holder && holder.state !== "completed" && holder.url !== url)
      throw new ModelsError(
        "conflict",
        "download_exists",
        `A stopped download of another URL holds '${modelId}' (${holder.id}): delete it first, or choose another id.`,
      );
    if (holder && holder.state !== "completed") return this.resume(holder.id);
    if (holder) this.downloads.delete(holder.id); // a completed record of a model since deleted
    const d = newDownload(url, modelId, this.now());
    // A `.part` without a sidecar is not known to come from this URL: start from byte 0.
    fs.rmSync(this.partPath(modelId), { force: true });
    this.downloads.set(d.id, d);
    this.pump();
    return this.dto(d);
  }

  /** Stops a queued, running or paused download; its `.part` file stays for a resume. */
  async cancel(id: string): Promise<DownloadDto> {
    const d = this.require(id);
    if (d.state === "downloading" && d.abort) {
      d.stopAs = "cancelled";
      d.abort.abort();
      await d.running;
    } else if (d.state === "queued" || d.state === "paused") {
      this.settle(d, "cancelled");
    } else throw new ModelsError("conflict", "download_not_running", `The download is ${d.state}.`);
    return this.dto(d);
  }

  /** Queues a cancelled, failed or paused download again; it continues from its `.part` file. */
  resume(id: string): DownloadDto {
    const d = this.require(id);
    if (d.state !== "cancelled" && d.state !== "failed" && d.state !== "paused")
      throw new ModelsError("conflict", "download_not_resumable", `The download is ${d.state}.`);
    d.state = "queued";
    d.error = null;
    d.finishedMs = null;
    d.updatedMs = this.now();
    this.pump();
    return this.dto(d);
  }

  /** Forgets a download that is not running; an unfinished one's `.part` file is deleted. */
  async remove(id: string): Promise<DownloadDto> {
    const d = this.require(id);
    if (d.state === "queued" || d.state === "downloading")
      throw new ModelsError("conflict", "download_in_progress", "Cancel the download first.");
    this.downloads.delete(id);
    if (d.state !== "completed") await this.removePart(d.modelId);
    return this.dto(d);
  }

  /** Stops every transfer (their `.part` files stay and resume after the next start). */
  async close(): Promise<void> {
    this.closed = true;
    const running: Promise<void>[] = [];
    for (const d of this.downloads.values()) {
      if (d.state === "downloading" && d.abort) {
        d.stopAs = "paused";
        d.abort.abort();
        if (d.running) running.push(d.running);
      }
    }
    await Promise.all(running);
  }

  private require(id: string): Download {
    const d = this.downloads.get(id);
    if (!d) throw new ModelsError("not_found", "not_found", "No such download.");
    return d;
  }

  private pump(): void {
    if (this.closed) return;
    let active = [...this.downloads.values()].filter((d) => d.state === "downloading").length;
    for (const d of this.downloads.values()) {
      if (active >= this.concurrency) break;
      if (d.state !== "queued") continue;
      active++;
      d.state = "downloading";
      d.abort = new AbortController();
      d.stopAs = undefined;
      d.meter.reset();
      d.running = this.run(d, d.abort.signal).finally(() => {
        d.running = undefined;
        d.abort = undefined;
        this.pump();
      });
    }
  }

  private async run(d: Download, signal: AbortSignal): Promise<void> {
    // After the caller's own event (the audited start or resume) has gone out.
    await Promise.resolve();
    const part = this.partPath(d.modelId);
    this.touch(d);
    this.progress(d, true);
    try {
      const onDisk = await sizeOf(part);
      const opened = await openTransfer({
        url: d.url,
        offset: onDisk,
        validator: onDisk > 0 ? d.validator : null,
        signal,
        network: this.opts.network,
      });
      if (opened.kind === "complete") d.bytesDone = d.bytesTotal = opened.total;
      else {
        // Never fill the disk (the ledger usually shares it): refuse what does not fit, and
        // stop a body of unknown size where the room ends.
        const left = opened.total === null ? null : opened.total - opened.start;
        const room = await roomFor(this.opts.modelsDir, left, this.opts.diskFree).catch((err) => {
          opened.body.destroy();
          throw err;
        });
        d.validator = opened.validator;
        d.bytesTotal = opened.total;
        d.bytesDone = opened.start;
        this.writeSidecar(d);
        const onWritten = (bytes: number) => {
          d.bytesDone += bytes;
          d.meter.add(this.now(), d.bytesDone);
          this.progress(d);
        };
        await writeBody(opened.body, part, opened.start > 0, onWritten, room);
      }
      await this.publish(d, part);
    } catch (err) {
      d.bytesDone = await sizeOf(part);
      if (signal.aborted) return this.settle(d, d.stopAs ?? "cancelled");
      if (err instanceof NotGgufError) await this.removePart(d.modelId);
      if (err instanceof NotGgufError) d.bytesDone = 0;
      d.error = (err as Error).message;
      this.opts.log.warn({ download: d.id, model: d.modelId, err: d.error }, "download failed");
      this.settle(d, "failed");
      this.emit("model.download.failed", d);
    }
  }

  /** Checks the finished `.part` file and links it into place as `<id>.gguf`. */
  private async publish(d: Download, part: string): Promise<void> {
    const size = await sizeOf(part);
    d.bytesDone = size;
    if (d.bytesTotal !== null && size !== d.bytesTotal)
      throw new Error(
        `The connection ended after ${size} of ${d.bytesTotal} bytes; resume to continue.`,
      );
    const problem = await ggufFileProblem(part);
    if (problem) throw new NotGgufError(problem);
    const exists = new Error(
      `A model '${d.modelId}' is already in the models folder: delete it, or download under another id.`,
    );
    if (await this.opts.modelExists(d.modelId)) throw exists;
    await publishFile(part, path.join(this.opts.modelsDir, `${d.modelId}.gguf`)).catch((err) => {
      throw (err as NodeJS.ErrnoException).code === "EEXIST" ? exists : err;
    });
    await fs.promises.rm(sidecarPath(this.opts.modelsDir, d.modelId), { force: true });
    await this.opts.onModelAdded(d.modelId);
    d.bytesTotal = size;
    this.opts.log.info({ download: d.id, model: d.modelId, bytes: size }, "model downloaded");
    this.settle(d, "completed");
    this.emit("model.download.complete", d);
  }

  private settle(d: Download, state: DownloadState): void {
    d.state = state;
    if (state !== "paused") d.finishedMs = this.now();
    d.meter.reset();
    this.touch(d);
  }

  private touch(d: Download): void {
    d.updatedMs = this.now();
  }

  /** A progress event, at most one per `progressIntervalMs` per download unless `force`. */
  private progress(d: Download, force = false): void {
    const now = this.now();
    if (!force && now - d.lastProgressMs < (this.opts.progressIntervalMs ?? 250)) return;
    d.lastProgressMs = now;
    d.updatedMs = now;
    this.emit("model.download.progress", d);
  }

  private emit(type: string, d: Download): void {
    this.opts.events.emit({ type, memberId: null, data: this.dto(d) });
  }

  private dto(d: Download): DownloadDto {
    return downloadDto(d, this.now());
  }

  private partPath(modelId: string): string {
    return partPath(this.opts.modelsDir, modelId);
  }

  private removePart(modelId: string): Promise<void> {
    return removePartFiles(this.opts.modelsDir, modelId);
  }

  private writeSidecar(d: Download): void {
    writeSidecar(this.opts.modelsDir, {
      url: d.url,
      model_id: d.modelId,
      validator: d.validator,
      bytes_total: d.bytesTotal,
      created_ms: d.createdMs,
    });
  }

  /** Lists the `.part` files a previous run left (with their sidecars) as paused downloads. */
  private restore(): void {
    const bad = (file: string, reason: string) =>
      this.opts.log.warn({ file, reason }, "unreadable download sidecar");
    for (const { sidecar: s, bytesOnDisk } of readSidecars(this.opts.modelsDir, bad)) {
      const d = newDownload(s.url, s.model_id, this.now(), s.created_ms);
      Object.assign(d, {
        state: "paused",
        bytesDone: bytesOnDisk,
        bytesTotal: s.bytes_total ?? null,
        validator: s.validator ?? null,
      });
      this.downloads.set(d.id, d);
    }
  }
}
