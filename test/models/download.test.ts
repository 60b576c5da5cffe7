import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EventBus, type BenchtopEvent } from "../../src-main/app/eventBus.js";
import type { DownloadDto } from "../../src-main/contract/index.js";
import { ModelDownloads } from "../../src-main/models/ModelDownloads.js";
import { generatedModel } from "../helpers/models.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import { auditRows, client } from "../manage/manageClient.js";
import { startFakeModelServer, type FakeModelServer } from "./fakeModelServer.js";

/**
 * Model downloads through the real server from a fake model host on loopback: redirects,
 * ranges, cancel and resume, servers that ignore ranges or change the file, bodies that are not
 * GGUF, URL refusals and the concurrency bound. Exact bytes on disk are compared by SHA-256.
 */
let t: TestServer;
let host: FakeModelServer;
let owner: ReturnType<typeof client>;
const source = fs.readFileSync(generatedModel());
const sha = (b: Buffer) => crypto.createHash("sha256").update(b).digest("hex");
const half = Math.floor(source.length / 2);
const events: BenchtopEvent[] = [];

beforeAll(async () => {
  t = await startTestServer();
  host = await startFakeModelServer(source);
  owner = client(t, t.auth);
  t.core.events.on((e) => events.push(e));
});
afterAll(async () => {
  await t?.close();
  await host?.close();
});
beforeEach(() => {
  host.requests.length = 0;
  host.ignoreRange = false;
  host.etag = '"v1"';
});

const modelsDir = () => t.core.paths.modelsDir;
const onDisk = (name: string) => fs.readFileSync(path.join(modelsDir(), name));
const dirEntries = () => fs.readdirSync(modelsDir()).sort();

/** Polls the download every 20 ms (at most 1500 times) until `done` holds. */
async function waitDownload(id: string, done: (d: DownloadDto) => boolean): Promise<DownloadDto> {
  for (let i = 0; i < 1500; i++) {
    const r = await owner.get<DownloadDto>(`/models/downloads/${id}`);
    expect(r.status, r.text).toBe(200);
    if (done(r.body)) return r.body;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`download ${id} did not reach the expected state`);
}
const finished = (d: DownloadDto) => ["completed", "failed", "cancelled"].includes(d.state);

async function startDownload(body: Record<string, unknown>): Promise<DownloadDto> {
  const r = await owner.post<DownloadDto>("/models/downloads", body);
  expect(r.status, r.text).toBe(202);
  return r.body;
}

describe("model downloads", () => {
  it("follow a redirect, land byte for byte, and the model then serves chat completions", async () => {
    const started = await startDownload({ url: `${host.url}/redirect/Fetched-Q8.gguf` });
    expect(started).toMatchObject({ model_id: "Fetched-Q8", bytes_done: 0, error: null });
    expect(started.id).toMatch(/^dl_[0-9a-f]{16}$/);
    const done = await waitDownload(started.id, finished);
    expect(done).toMatchObject({
      state: "completed",
      bytes_done: source.length,
      bytes_total: source.length,
      speed_bps: 0,
      eta_s: null,
      error: null,
    });
    expect(sha(onDisk("Fetched-Q8.gguf"))).toBe(sha(source));
    expect(dirEntries()).toEqual(["Fetched-Q8.gguf", "tiny.gguf"]); // no .part, no sidecar
    expect(host.requests.map((r) => [r.path, r.status])).toEqual([
      ["/redirect/Fetched-Q8.gguf", 302],
      ["/files/Fetched-Q8.gguf", 200],
    ]);

    const listed = await owner.get("/models");
    expect(listed.body.data.map((m: { id: string }) => m.id)).toEqual(["Fetched-Q8", "tiny"]);
    const v1 = await t.openai.models.list();
    expect(v1.data.map((m) => m.id)).toContain("Fetched-Q8");
    const chat = await t.openai.chat.completions.create({
      model: "Fetched-Q8",
      messages: [{ role: "user", content: "hello" }],
      max_tokens: 3,
    });
    expect(chat.model).toBe("Fetched-Q8");
    expect(chat.usage!.completion_tokens).toBeGreaterThan(0);

    const mine = events.filter((e) => (e.data as DownloadDto | null)?.id === started.id);
    expect(mine[0]).toMatchObject({ type: "model.download.start", memberId: null });
    expect(mine.some((e) => e.type === "model.download.progress")).toBe(true);
    expect(mine.at(-1)).toMatchObject({
      type: "model.download.complete",
      data: { state: "completed", bytes_done: source.length },
    });
    const audit = auditRows(t).filter((r) => r.target_id === started.id);
    expect(audit.map((r) => r.action)).toEqual(["model.download.start"]);

    // A finished download is cleared from the list; the model stays.
    const cleared = await owner.del(`/models/downloads/${started.id}`);
    expect(cleared.body).toEqual({ id: started.id, deleted: true });
    expect((await owner.get(`/models/downloads/${started.id}`)).status).toBe(404);
    expect(dirEntries()).toContain("Fetched-Q8.gguf");
  });

  it("cancel keeps the partial file; resume asks for the rest with Range and gets only that", async () => {
    const gate = host.gate(half);
    const d = await startDownload({ url: `${host.url}/files/resumed.gguf` });
    await waitDownload(d.id, (x) => x.bytes_done === half);
    const cancelled = await owner.post<DownloadDto>(`/models/downloads/${d.id}/cancel`, {});
    expect(cancelled.body).toMatchObject({ state: "cancelled", bytes_done: half });
    expect(fs.statSync(path.join(modelsDir(), "resumed.gguf.part")).size).toBe(half);
    expect((await owner.get("/models")).body.data.map((m: { id: string }) => m.id)).toEqual([
      "Fetched-Q8",
      "tiny",
    ]);
    gate.release();

    const resumed = await owner.post<DownloadDto>(`/models/downloads/${d.id}/resume`, {});
    expect(resumed.status).toBe(200);
    expect(["queued", "downloading"]).toContain(resumed.body.state);
    const done = await waitDownload(d.id, finished);
    expect(done).toMatchObject({ state: "completed", bytes_done: source.length });
    expect(sha(onDisk("resumed.gguf"))).toBe(sha(source));
    expect(host.requests.map((r) => [r.range, r.ifRange, r.status, r.bytes])).toEqual([
      [undefined, undefined, 200, half],
      [`bytes=${half}-`, '"v1"', 206, source.length - half],
    ]);
    expect(host.bytesServed).toBe(source.length);
    expect(
      auditRows(t)
        .filter((r) => r.target_id === d.id)
        .map((r) => r.action),
    ).toEqual(["model.download.start", "model.download.cancel", "model.download.resume"]);
  });

  it("starts again from byte 0 when the server ignores Range", async () => {
    const gate = host.gate(half);
    const d = await startDownload({ url: `${host.url}/files/norange.gguf` });
    await waitDownload(d.id, (x) => x.bytes_done === half);
    await owner.post(`/models/downloads/${d.id}/cancel`, {});
    gate.release();
    host.ignoreRange = true;
    await owner.post(`/models/downloads/${d.id}/resume`, {});
    expect(await waitDownload(d.id, finished)).toMatchObject({ state: "completed" });
    expect(sha(onDisk("norange.gguf"))).toBe(sha(source));
    expect(host.requests.map((r) => [r.range, r.status, r.bytes])).toEqual([
      [undefined, 200, half],
      [`bytes=${half}-`, 200, source.length],
    ]);
  });

  it("starts again from byte 0 when the file's ETag changed", async () => {
    const gate = host.gate(half);
    const d = await startDownload({ url: `${host.url}/files/changed.gguf` });
    await waitDownload(d.id, (x) => x.bytes_done === half);
    await owner.post(`/models/downloads/${d.id}/cancel`, {});
    gate.release();
    host.etag = '"v2"';
    await owner.post(`/models/downloads/${d.id}/resume`, {});
    expect(await waitDownload(d.id, finished)).toMatchObject({ state: "completed" });
    expect(sha(onDisk("changed.gguf"))).toBe(sha(source));
    // The stale range answer is dropped; the file comes again whole, without a range.
    expect(host.requests.map((r) => [r.range, r.status])).toEqual([
      [undefined, 200],
      [`bytes=${half}-`, 206],
      [undefined, 200],
    ]);
    expect(host.requests[2]!.bytes).toBe(source.length);
  });

  it("a body that is not GGUF fails the download and leaves no file", async () => {
    const before = dirEntries();
    const d = await startDownload({ url: `${host.url}/html/login.gguf` });
    const done = await waitDownload(d.id, finished);
    expect(done).toMatchObject({ state: "failed", bytes_done: 0, model_id: "login" });
    expect(done.error).toBe("The server did not send a GGUF file (no GGUF magic bytes).");
    expect(dirEntries()).toEqual(before);
    expect(events.find((e) => e.type === "model.download.failed")).toMatchObject({
      data: { id: d.id, state: "failed" },
    });
    const missing = await startDownload({ url: `${host.url}/missing/gone.gguf` });
    expect((await waitDownload(missing.id, finished)).error).toBe(
      "HTTP 404 from " + host.url.slice(7) + ".",
    );
    const away = await startDownload({ url: `${host.url}/away/far.gguf` });
    expect((await waitDownload(away.id, finished)).error).toBe(
      "Refused a redirect to 10.255.255.1: the URL must use https (plain http only to this machine).",
    );
    const loop = await startDownload({ url: `${host.url}/loop/round.gguf` });
    expect((await waitDownload(loop.id, finished)).error).toBe("More than 5 redirects; giving up.");
    expect(dirEntries()).toEqual(before);
    // Failed downloads are cleared with their partial files.
    for (const id of [d.id, missing.id, away.id, loop.id])
      expect((await owner.del(`/models/downloads/${id}`)).status).toBe(200);
  });

  it("refuses URLs that are not https (http only to loopback), bad ids and taken ids", async () => {
    const refused = async (body: Record<string, unknown>, param: string, code: string) => {
      const r = await owner.post("/models/downloads", body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error).toMatchObject({ type: "invalid_request_error", param, code });
    };
    await refused({ url: "http://example.com/m.gguf" }, "url", "invalid_url");
    await refused({ url: "ftp://127.0.0.1/m.gguf" }, "url", "invalid_url");
    await refused({ url: "file:///etc/passwd" }, "url", "invalid_url");
    await refused({ url: "https://user:pw@huggingface.co/m.gguf" }, "url", "invalid_url");
    // Cloud metadata and other link-local or unspecified addresses, in any spelling.
    await refused({ url: "https://169.254.169.254/latest/m.gguf" }, "url", "invalid_url");
    await refused({ url: "https://2852039166/m.gguf" }, "url", "invalid_url");
    await refused({ url: "https://[fe80::1]/m.gguf" }, "url", "invalid_url");
    await refused({ url: "http://0.0.0.0:1/m.gguf" }, "url", "invalid_url");
    await refused({ url: "not a url" }, "url", "invalid_url");
    await refused({ url: `${host.url}/files/x.gguf`, id: "../escape" }, "id", "invalid_value");
    await refused({ url: `${host.url}/files/x.gguf`, id: ".hidden" }, "id", "invalid_value");
    await refused({ url: `${host.url}/files/` }, "id", "invalid_model_id");
    const taken = await owner.post("/models/downloads", { url: `${host.url}/files/tiny.gguf` });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe("model_exists");
    expect(host.requests).toEqual([]);
  });

  it("runs two downloads at once; the third waits queued, then all complete", async () => {
    const gate = host.gate(half);
    const ids = [];
    for (const name of ["c1", "c2", "c3"])
      ids.push((await startDownload({ url: `${host.url}/files/${name}.gguf` })).id);
    await waitDownload(ids[0]!, (x) => x.bytes_done === half);
    await waitDownload(ids[1]!, (x) => x.bytes_done === half);
    const third = (await owner.get<DownloadDto>(`/models/downloads/${ids[2]}`)).body;
    expect(third).toMatchObject({ state: "queued", bytes_done: 0 });
    // The same id again while one runs is refused.
    const again = await owner.post("/models/downloads", { url: `${host.url}/files/c1.gguf` });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("download_in_progress");
    const busy = await owner.del(`/models/downloads/${ids[0]}`);
    expect(busy.status).toBe(409);
    gate.release();
    for (const id of ids) expect((await waitDownload(id, finished)).state).toBe("completed");
    for (const name of ["c1", "c2", "c3"]) expect(sha(onDisk(`${name}.gguf`))).toBe(sha(source));
    expect(host.requests.filter((r) => r.path.startsWith("/files/c")).length).toBe(3);
  });
});

describe("downloads across a restart", () => {
  it("a stopped process leaves the .part file and its sidecar; the next one resumes it", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "benchtop-dl-restart-"));
    const bus = new EventBus();
    const make = () =>
      new ModelDownloads({
        modelsDir: dir,
        events: bus,
        log: pino({ level: "silent" }),
        modelExists: async (id) => fs.existsSync(path.join(dir, `${id}.gguf`)),
        onModelAdded: async () => undefined,
      });
    const url = `${host.url}/files/kept.gguf`;
    const gate = host.gate(half);
    const first = make();
    const d = first.start(url, "kept");
    for (let i = 0; i < 1500 && first.get(d.id)!.bytes_done < half; i++)
      await new Promise((r) => setTimeout(r, 20));
    await first.close();
    gate.release();
    expect(first.get(d.id)).toMatchObject({ state: "paused", bytes_done: half });
    expect(fs.readdirSync(dir).sort()).toEqual(["kept.gguf.part", "kept.gguf.part.json"]);

    const second = make();
    const [restored] = second.list();
    expect(restored).toMatchObject({
      url,
      model_id: "kept",
      state: "paused",
      bytes_done: half,
      bytes_total: source.length,
    });
    // Downloading the same URL again continues the restored download.
    expect(second.start(url, "kept").id).toBe(restored!.id);
    for (let i = 0; i < 1500 && second.get(restored!.id)!.state !== "completed"; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(second.get(restored!.id)!.state).toBe("completed");
    expect(sha(fs.readFileSync(path.join(dir, "kept.gguf")))).toBe(sha(source));
    expect(fs.readdirSync(dir)).toEqual(["kept.gguf"]);
    expect(host.requests.map((r) => [r.range, r.bytes])).toEqual([
      [undefined, half],
      [`bytes=${half}-`, source.length - half],
    ]);
    await second.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
