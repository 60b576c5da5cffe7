import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CSV_COLUMNS } from "../../src-main/server/manage/usageCsv.js";
import { startTestServer, type TestMember, type TestServer } from "../helpers/testServer.js";
import { seed } from "./usageSeeds.js";

/**
 * A CSV export that fails after its header went out cannot be answered with a JSON error any
 * more: the response must be cut (the client sees a broken transfer, not a complete-looking
 * file, and is not left waiting forever) and the failure logged. The failure here is a row whose
 * timestamp no Date can hold, which makes the row's `created_at` cell throw after the header —
 * the same path a SQLite error on a later read step takes.
 */
let t: TestServer;
let a: TestMember;
beforeAll(async () => {
  t = await startTestServer();
  a = t.addMember({ name: "A" });
  const members = { a, b: a };
  seed(t, members, {
    id: "req_ok:1",
    member: "a",
    model: "m",
    provider: "local",
    state: "settled",
    at: 0,
  });
  // 9e15 ms is past the last instant a Date can hold (8.64e15): toISOString() throws.
  t.core.db.prepare("UPDATE usage SET created_ms = 9e15 WHERE id = 'req_ok:1'").run();
});
afterAll(async () => {
  await t?.close();
});

/** GETs the CSV with node:http and resolves once the response ends, errors or is aborted. */
function getCsv(): Promise<{ status: number; body: string; complete: boolean; error?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      `${t.url}/manage/v1/usage/requests.csv`,
      { headers: t.auth, agent: false },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode!, body, complete: res.complete }));
        res.on("aborted", () =>
          resolve({ status: res.statusCode!, body, complete: false, error: "aborted" }),
        );
        res.on("error", (err) =>
          resolve({ status: res.statusCode!, body, complete: false, error: err.message }),
        );
      },
    );
    req.on("error", reject);
  });
}

describe("GET /usage/requests.csv failing mid-stream", () => {
  it("cuts the response after the header (never a hang, never a clean end) and logs the error", async () => {
    const r = await getCsv();
    expect(r.status).toBe(200);
    expect(r.complete).toBe(false);
    expect(r.body).toBe(`${CSV_COLUMNS.join(",")}\r\n`);
    const logged = t.logs.filter((l) => l.msg === "unhandled error");
    expect(logged).toHaveLength(1);
    expect(logged[0]!.path).toBe("/manage/v1/usage/requests.csv");
    // The server still answers afterwards.
    const ok = await fetch(`${t.url}/manage/v1/usage/requests.csv?model=none`, {
      headers: t.auth,
    });
    expect([ok.status, await ok.text()]).toEqual([200, `${CSV_COLUMNS.join(",")}\r\n`]);
  });
});
