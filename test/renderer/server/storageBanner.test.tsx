// @vitest-environment happy-dom
import type { StorageStateDto } from "@contract";
import { MantineProvider } from "@mantine/core";
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { StorageBanner } from "../../../src-renderer/features/server/StorageBanner";

afterEach(cleanup);

const OK: StorageStateDto = {
  state: "ok",
  since_ms: null,
  pending_writes: 0,
  log: "ok",
  dropped_log_lines: 0,
};
const NOW = Date.parse("2026-12-07T12:00:00Z");

function show(storage: StorageStateDto | undefined) {
  render(
    <MantineProvider>
      <StorageBanner storage={storage} now={NOW} />
    </MantineProvider>,
  );
}

describe("the storage banner on the Server page", () => {
  it("shows nothing while both disks take writes, or before /health answered", () => {
    show(OK);
    expect(screen.queryByRole("alert")).toBeNull();
    cleanup();
    show(undefined);
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("a full database disk: requests refused since when, usage held in memory, resumes by itself", () => {
    show({ ...OK, state: "full", since_ms: NOW - 125_000, pending_writes: 2 });
    const alerts = screen.getAllByRole("alert");
    expect(alerts.length).toBe(1);
    expect(alerts[0]!.textContent).toBe(
      "The disk is full: API requests are refused" +
        "Benchtop cannot write to its database (for 2m 05s), so it cannot record usage: every API " +
        "request is answered with 503 storage_full until space is freed on the disk that holds " +
        "Benchtop's data folder." +
        "The usage of 2 requests already answered waits in memory and is written as soon as there is room." +
        "Service resumes by itself once space is freed; nothing needs restarting.",
    );
  });

  it("one held settlement is said in the singular; none, not at all", () => {
    show({ ...OK, state: "full", since_ms: NOW, pending_writes: 1 });
    expect(screen.getByRole("alert").textContent).toContain(
      "The usage of 1 request already answered waits in memory",
    );
    cleanup();
    show({ ...OK, state: "full", since_ms: NOW, pending_writes: 0 });
    expect(screen.getByRole("alert").textContent).not.toContain("waits in memory");
  });

  it("a log that cannot be written: the lines dropped so far, requests still served", () => {
    show({ ...OK, log: "failing", dropped_log_lines: 37 });
    expect(screen.getByRole("alert").textContent).toBe(
      "The log cannot be written" +
        "Log lines are dropped (37 so far), usually because the disk that holds the log is full. " +
        "Requests are still served; logging resumes by itself once writes succeed again.",
    );
  });

  it("both at once: two alerts, the database first", () => {
    show({ ...OK, state: "full", since_ms: NOW, log: "failing", dropped_log_lines: 3 });
    const [db, log, ...rest] = screen.getAllByRole("alert").map((a) => a.textContent!);
    expect(rest).toEqual([]);
    expect(db!.startsWith("The disk is full: API requests are refused")).toBe(true);
    expect(log!.startsWith("The log cannot be written")).toBe(true);
  });
});
