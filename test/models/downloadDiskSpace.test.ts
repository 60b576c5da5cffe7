import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventBus } from "../../src-main/app/eventBus.js";
import type { DownloadDto } from "../../src-main/contract/index.js";
import { MIN_FREE_BYTES } from "../../src-main/models/diskSpace.js";
import { ModelDownloads } from "../../src-main/models/ModelDownloads.js";
import { generatedModel } from "../helpers/models.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import { client } from "../manage/manageClient.js";
import { startFakeModelServer, type FakeModelServer } from "./fakeModelServer.js";

/**
 * Downloads never fill the disk that holds the models folder (and, by default, the database):
 * a download whose announced size does not fit fails before writing a byte, and one of unknown
 * size stops where the room ends. Room is the disk's free space less MIN_FREE_BYTES (1 GiB).
 * Most tests pass the disk's free space in (`diskFree`, like a clock) so the numbers are exact;
 * the last one goes through the real server and the real disk.
 */
let host: FakeModelServer;
const source = fs.readFileSync(generatedModel());
const dirs: string[] = [];

beforeAll(async () => {
  host = await startFakeModelServer(source);
});
afterAll(async () => {
  await host?.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** A ModelDownloads over a fresh folder on a disk with `room` bytes free beyond the reserve. */
function downloadsWithRoom(room: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "benchtop-dl-space-"));
  dirs.push(dir);
  const downloads = new ModelDownloads({
    modelsDir: dir,
    events: new EventBus(),
    log: pino({ level: "silent" }),
    modelExists: async (id) => fs.existsSync(path.join(dir, `${id}.gguf`)),
    onModelAdded: async () => undefined,
    diskFree: async () => MIN_FREE_BYTES + room,
  });
  return { dir, downloads };
}

async function settled(downloads: ModelDownloads, id: string): Promise<DownloadDto> {
  for (let i = 0; i < 1500; i++) {
    const d = downloads.get(id)!;
    if (["completed", "failed", "cancelled"].includes(d.state)) return d;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`download ${id} did not finish`);
}

describe("downloads and free disk space", () => {
  it("keeps 1 GiB free", () => {
    expect(MIN_FREE_BYTES).toBe(1024 ** 3);
  });

  it("a file larger than the room fails before a byte is written", async () => {
    const { dir, downloads } = downloadsWithRoom(100);
    const d = await settled(downloads, downloads.start(`${host.url}/files/big.gguf`, "big").id);
    expect(d).toMatchObject({ state: "failed", bytes_done: 0 });
    expect(d.error).toBe(
      `Not enough disk space: the download needs ${source.length} more bytes, and the disk ` +
        "holding the models folder has 100 bytes free beyond the 1 GiB Benchtop keeps free.",
    );
    expect(fs.readdirSync(dir)).toEqual([]);
    await downloads.close();
  });

  it("a file that fits lands as before", async () => {
    const { dir, downloads } = downloadsWithRoom(source.length);
    const d = await settled(downloads, downloads.start(`${host.url}/files/fits.gguf`, "fits").id);
    expect(d).toMatchObject({ state: "completed", bytes_done: source.length });
    expect(fs.readFileSync(path.join(dir, "fits.gguf")).equals(source)).toBe(true);
    await downloads.close();
  });

  it("a body of unknown size stops exactly where the room ends; the part file stays", async () => {
    const { dir, downloads } = downloadsWithRoom(2048);
    const d = await settled(downloads, downloads.start(`${host.url}/chunked/open.gguf`, "open").id);
    expect(d).toMatchObject({ state: "failed", bytes_done: 2048, bytes_total: null });
    expect(d.error).toBe(
      "The disk holding the models folder is nearly full: stopped after 2048 bytes " +
        "(Benchtop keeps 1 GiB free). Free some space, then resume.",
    );
    expect(fs.statSync(path.join(dir, "open.gguf.part")).size).toBe(2048);
    expect(source.subarray(0, 2048).equals(fs.readFileSync(path.join(dir, "open.gguf.part")))).toBe(
      true,
    );
    await downloads.close();
  });
});

describe("through the server, on the real disk", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t?.close();
  });

  it("a server announcing 1 PiB is refused at once, and nothing is left on disk", async () => {
    const owner = client(t, t.auth);
    const before = fs.readdirSync(t.core.paths.modelsDir).sort();
    const start = await owner.post<DownloadDto>("/models/downloads", {
      url: `${host.url}/huge/petabyte.gguf`,
    });
    expect(start.status).toBe(202);
    let d = start.body;
    for (let i = 0; i < 1500 && !["failed", "completed"].includes(d.state); i++) {
      await new Promise((r) => setTimeout(r, 20));
      d = (await owner.get<DownloadDto>(`/models/downloads/${d.id}`)).body;
    }
    expect(d).toMatchObject({ state: "failed", bytes_done: 0 });
    expect(d.error).toMatch(
      new RegExp(
        `^Not enough disk space: the download needs ${2 ** 50} more bytes, and the disk holding ` +
          "the models folder has \\d+ bytes free beyond the 1 GiB Benchtop keeps free\\.$",
      ),
    );
    expect(fs.readdirSync(t.core.paths.modelsDir).sort()).toEqual(before);
  });
});
