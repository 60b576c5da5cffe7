import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { LogSink } from "../../src-main/app/logSink.js";
import { spawnServer, type ChildServer } from "../helpers/childServer.js";
import { generatedModel, modelsDir } from "../helpers/models.js";
import { canMountTinyFs, mountTinyFs, type TinyFs } from "../helpers/tinyFs.js";

/**
 * The log's disk is full. The log is Benchtop's stdout; writes to it then fail with ENOSPC,
 * from a real tmpfs filled up (where this process may mount one) or from /dev/full (every
 * write to it fails with ENOSPC). Logging must never take the server down: lines are dropped
 * and counted while writes fail, that is said once on stderr, and the log resumes by itself.
 */
const mounted: TinyFs[] = [];
const fds: number[] = [];
afterAll(() => {
  for (const fd of fds) fs.closeSync(fd);
  for (const m of mounted) m.unmount();
});

const line = (i: number) => `${JSON.stringify({ level: 30, msg: `line ${i}` })}\n`;

/** Resolves once everything written so far was written or dropped. */
const flushed = (sink: LogSink) => new Promise<void>((r) => sink.flush(() => r()));

describe.runIf(fs.existsSync("/dev/full"))("LogSink on /dev/full (every write is ENOSPC)", () => {
  it("drops and counts every line, says so once, and never throws or emits", async () => {
    const fd = fs.openSync("/dev/full", "w");
    fds.push(fd);
    const notices: string[] = [];
    const sink = new LogSink({ fd, notice: (t) => notices.push(t) });
    for (let i = 0; i < 25; i++) sink.write(line(i));
    await flushed(sink);
    for (let i = 25; i < 40; i++) sink.write(line(i));
    await flushed(sink);
    expect(sink.state()).toEqual({ failing: true, code: "ENOSPC", dropped: 40 });
    expect(notices).toEqual([
      "benchtop: the log cannot be written (ENOSPC); log lines are dropped until writes succeed again\n",
    ]);
  });
});

describe.skipIf(!canMountTinyFs)("LogSink on a full tmpfs", () => {
  /** tmpfs allocates whole pages: a file's last page takes writes until it is full. */
  const PAGE = Number(execFileSync("getconf", ["PAGESIZE"], { encoding: "utf8" }));
  /** A JSON line of exactly `bytes` bytes, newline included. */
  const sized = (bytes: number) => `${JSON.stringify({ pad: "x".repeat(bytes - 11) })}\n`;

  function open() {
    const fsys = mountTinyFs(64 * 1024);
    mounted.push(fsys);
    const file = path.join(fsys.dir, "log");
    const fd = fs.openSync(file, "a");
    fds.push(fd);
    const notices: string[] = [];
    const resumed: number[] = [];
    const sink = new LogSink({
      fd,
      notice: (t) => notices.push(t),
      onResumed: (n) => resumed.push(n),
    });
    return { fsys, file, sink, notices, resumed };
  }

  it("drops and counts the lines while the disk is full, says so once, and resumes when space returns", async () => {
    const { fsys, file, sink, notices, resumed } = open();
    // One whole page: no room is left in the file's last page once the disk is full.
    const first = sized(PAGE);
    sink.write(first);
    await flushed(sink);
    fsys.fill();
    for (let i = 1; i <= 10; i++) sink.write(line(i));
    await flushed(sink);
    expect(sink.state()).toEqual({ failing: true, code: "ENOSPC", dropped: 10 });

    fsys.free();
    sink.write(line(11));
    await flushed(sink);
    expect(sink.state()).toEqual({ failing: false, code: null, dropped: 10 });
    expect(resumed).toEqual([10]);
    expect(notices).toEqual([
      "benchtop: the log cannot be written (ENOSPC); log lines are dropped until writes succeed again\n",
      "benchtop: the log is written again; 10 line(s) were dropped meanwhile\n",
    ]);
    expect(fs.readFileSync(file, "utf8")).toBe(first + line(11));
  });

  it("a line cut short by the full disk is ended before the next one, so every line stays whole JSON or is marked cut", async () => {
    const { fsys, file, sink } = open();
    // 100 bytes left in the file's page: the 200-byte line gets only its first 100 out.
    const first = sized(PAGE - 100);
    sink.write(first);
    await flushed(sink);
    fsys.fill();
    const long = sized(200);
    sink.write(long);
    await flushed(sink);
    expect(sink.state()).toEqual({ failing: true, code: "ENOSPC", dropped: 1 });

    fsys.free();
    sink.write(line(1));
    await flushed(sink);
    expect(sink.state()).toEqual({ failing: false, code: null, dropped: 1 });
    expect(fs.readFileSync(file, "utf8")).toBe(`${first}${long.slice(0, 100)}\n${line(1)}`);
  });
});

describe.skipIf(!canMountTinyFs)("a server whose log disk is full (real tmpfs)", () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "benchtop-logfull-"));
  const models = modelsDir({ tiny: generatedModel() });
  let server: ChildServer | undefined;
  afterEach(() => {
    if (server && server.proc.exitCode === null) server.proc.kill("SIGKILL");
  });
  afterAll(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(models, { recursive: true, force: true });
  });

  it("keeps answering /health and /v1, says so once on stderr, counts the dropped lines and logs again when space returns", async () => {
    const fsys = mountTinyFs(1024 * 1024);
    mounted.push(fsys);
    const logFile = path.join(fsys.dir, "benchtop.log");
    const fd = fs.openSync(logFile, "a");
    fds.push(fd);
    server = await spawnServer(
      { BENCHTOP_DATA_DIR: dataDir, BENCHTOP_MODELS_DIR: models, BENCHTOP_LOG_LEVEL: "info" },
      [],
      { stdout: fd },
    );
    const token = fs.readFileSync(path.join(dataDir, "owner.token"), "utf8").trim();
    const complete = async () => {
      const res = await fetch(`${server!.url}/v1/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "tiny", prompt: "hello", max_tokens: 2 }),
      });
      expect(res.status).toBe(200);
      await res.json();
      return res.headers.get("x-request-id")!;
    };
    const health = async () => {
      const res = await fetch(`${server!.url}/health`);
      expect(res.status).toBe(200);
      return ((await res.json()) as { storage: { log: string; dropped_log_lines: number } })
        .storage;
    };
    await complete(); // the model loads (and its lines are logged) before the disk fills
    expect(await health()).toMatchObject({ log: "ok", dropped_log_lines: 0 });

    fsys.fill();
    // The log file's last page still takes a few lines; then writes fail.
    for (let i = 0; i < 200 && (await health()).log !== "failing"; i++) await complete();
    expect((await health()).log).toBe("failing");
    const whileFull: string[] = [];
    for (let i = 0; i < 5; i++) {
      whileFull.push(await complete());
      expect((await health()).log).toBe("failing");
    }
    const during = await health();
    expect(server.proc.exitCode).toBeNull();

    fsys.free();
    const after = await complete();
    const back = await health();
    expect(back.log).toBe("ok");
    // Nothing was dropped once writes worked again.
    expect(back.dropped_log_lines).toBe(during.dropped_log_lines);
    const dropped = back.dropped_log_lines;

    const failing = server.stderr().match(/the log cannot be written \(ENOSPC\)/g) ?? [];
    expect(failing.length).toBe(1);
    expect(server.stderr()).toContain(
      `benchtop: the log is written again; ${dropped} line(s) were dropped meanwhile\n`,
    );

    server.proc.kill("SIGTERM");
    expect(await server.exited).toBe(0);
    type Line = { msg: string; requestId?: string; droppedLines?: number };
    const lines: Line[] = [];
    const cut: string[] = [];
    for (const l of fs.readFileSync(logFile, "utf8").split("\n")) {
      if (l === "") continue;
      try {
        lines.push(JSON.parse(l) as Line);
      } catch {
        cut.push(l);
      }
    }
    // Every line is whole JSON but the one the disk cut short, if it cut one (its end was ended
    // with a newline, so the lines after it are whole).
    expect(cut.length).toBeLessThanOrEqual(1);
    const settled = lines.filter((l) => l.msg === "request settled").map((l) => l.requestId);
    // The requests served while the disk was full left no line; the one after did.
    for (const id of whileFull) expect(settled).not.toContain(id);
    expect(settled).toContain(after);
    expect(
      lines.filter((l) => l.msg === "the log is written again after failed writes"),
    ).toMatchObject([{ droppedLines: dropped }]);
    // At least the five settlements were dropped.
    expect(dropped).toBeGreaterThanOrEqual(5);
  });
});
