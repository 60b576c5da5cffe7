/**
 * The tray's server switches against a real core: they run the `PATCH /manage/v1/server`
 * handler in-process as the owner (same refusal, audit row, event and config.json write), and
 * the origin the window and IPC rules read follows the core when the port moves.
 */
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { BenchtopEvent } from "../../src-main/app/eventBus.js";
import { lanRefusalMessage } from "../../src-main/app/hostNames.js";
import { ApiError } from "../../src-main/gateway/errors.js";
import { ApiOrigin, movedPageUrl } from "../../src-main/shell/apiOrigin.js";
import { isTrustedSender } from "../../src-main/shell/ipcRules.js";
import {
  ServerSwitches,
  serverUpdateOf,
  switchFailure,
} from "../../src-main/shell/serverSwitches.js";
import { serverSwitchPatch } from "../../src-main/shell/trayMenuModel.js";
import { navigationVerdict } from "../../src-main/shell/urlRules.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import { auditCount, auditRows } from "../manage/manageClient.js";
import { refusedAt } from "../manage/rawHttp.js";

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** A core without models (none is needed), and every event it emits from now on. */
async function start(): Promise<{ t: TestServer; events: BenchtopEvent[] }> {
  t = await startTestServer({ models: {} });
  const events: BenchtopEvent[] = [];
  t.core.events.on((e) => events.push(e));
  return { t, events };
}

const portOf = (t: TestServer) => Number(new URL(t.core.url!).port);
const configFile = (t: TestServer) => path.join(t.core.config.dataDir, "config.json");
const v1Status = async (t: TestServer) =>
  (await fetch(`${t.core.url}/v1/models`, { headers: t.auth })).status;

describe("ServerSwitches", () => {
  it("refuses the LAN without a member key: nothing moves, nothing is audited, and the dialog says what to do", async () => {
    const { t, events } = await start();
    const port = portOf(t);
    const audits = auditCount(t);
    const patch = serverSwitchPatch("toggle-lan", { bindHost: "127.0.0.1", apiPaused: false })!;
    expect(patch).toEqual({ lan: true });

    const err = await new ServerSwitches(t.core).change(patch).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({
      status: 409,
      code: "lan_requires_member_key",
      message: lanRefusalMessage("0.0.0.0"),
    });
    expect(t.core.serverControl.binding()).toEqual({ host: "127.0.0.1", port, lan: false });
    expect(auditCount(t)).toBe(audits);
    expect(events.filter((e) => e.type === "server.update")).toEqual([]);
    expect(fs.existsSync(configFile(t))).toBe(false);

    expect(switchFailure(err, patch)).toEqual({
      title: "Benchtop is not shared on the LAN",
      message: "Nobody but the owner has an API key yet, so nobody on the LAN could use Benchtop.",
      detail:
        "Add a member and create an API key for them on the Members page, then share on the LAN.",
      page: { label: "Open Members", hash: "#/members" },
    });
  });

  it("shares on the LAN as the owner: audited, announced, saved to config.json; the window's origin stays", async () => {
    const { t, events } = await start();
    const port = portOf(t);
    const origin = new ApiOrigin(t.core.url!);
    t.addMember();
    const audits = auditCount(t);

    const shared = await new ServerSwitches(t.core).change({ lan: true });
    expect(shared).toMatchObject({ host: "0.0.0.0", port, lan: true, api_paused: false });
    expect(auditCount(t)).toBe(audits + 1);
    expect(auditRows(t).at(-1)).toMatchObject({
      actor_id: t.core.ownerId,
      actor_role: "owner",
      action: "server.update",
      target_type: "server",
    });
    const update = events.filter((e) => e.type === "server.update");
    expect(update.map(serverUpdateOf)).toEqual([
      { host: "0.0.0.0", port, lan: true, api_paused: false },
    ]);
    expect(JSON.parse(fs.readFileSync(configFile(t), "utf8"))).toEqual({
      server: { host: "0.0.0.0", port },
    });
    // This machine still reaches it on loopback: the window stays where it is.
    expect(t.core.url).toBe(`http://127.0.0.1:${port}`);
    expect(origin.follow(t.core.url)).toBeUndefined();
    expect(origin.current).toBe(`http://127.0.0.1:${port}`);

    // The tray's next click turns it off again.
    const off = serverSwitchPatch("toggle-lan", { bindHost: shared.host, apiPaused: false });
    expect(off).toEqual({ lan: false });
    expect(await new ServerSwitches(t.core).change(off!)).toMatchObject({
      host: "127.0.0.1",
      lan: false,
    });
    expect(t.core.serverControl.binding()).toEqual({ host: "127.0.0.1", port, lan: false });
  });

  it("pauses /v1 and turns it back on; the event carries the switch the tray shows", async () => {
    const { t, events } = await start();
    const switches = new ServerSwitches(t.core);
    expect(await v1Status(t)).toBe(200);

    const pause = serverSwitchPatch("toggle-api-paused", {
      bindHost: "127.0.0.1",
      apiPaused: false,
    })!;
    expect(pause).toEqual({ api_paused: true });
    expect(await switches.change(pause)).toMatchObject({ api_paused: true });
    expect(await v1Status(t)).toBe(503);
    expect(t.core.serverControl.apiPaused).toBe(true);

    expect(await switches.change({ api_paused: false })).toMatchObject({ api_paused: false });
    expect(await v1Status(t)).toBe(200);
    expect(
      events.filter((e) => e.type === "server.update").map((e) => serverUpdateOf(e)?.api_paused),
    ).toEqual([true, false]);
    expect(auditRows(t).filter((r) => r.action === "server.update")).toHaveLength(2);
  });

  it("a port move: the origin, the rules that read it and the window's page follow the core", async () => {
    const { t } = await start();
    const oldPort = portOf(t);
    const origin = new ApiOrigin(t.core.url!);
    const oldOrigin = origin.current;

    const moved = await new ServerSwitches(t.core).change({ port: 0 });
    expect(moved.port).not.toBe(oldPort);
    const newOrigin = `http://127.0.0.1:${moved.port}`;
    expect(origin.follow(t.core.url)).toEqual({ from: oldOrigin, to: newOrigin });
    await expect(refusedAt("127.0.0.1", oldPort)).resolves.toBe("ECONNREFUSED");

    // What the window reloads, and what its rules now allow.
    expect(movedPageUrl(`${oldOrigin}/#/server/sharing`, oldOrigin, origin.current)).toBe(
      `${newOrigin}/#/server/sharing`,
    );
    expect(navigationVerdict(`${newOrigin}/#/chat`, origin.current)).toEqual({ action: "allow" });
    expect(navigationVerdict(`${oldOrigin}/#/chat`, origin.current)).toEqual({ action: "deny" });
    expect(isTrustedSender({ url: `${newOrigin}/`, isTopFrame: true }, origin.current)).toBe(true);
    expect(isTrustedSender({ url: `${oldOrigin}/`, isTopFrame: true }, origin.current)).toBe(false);
    expect(origin.contentSecurityPolicy).toContain(`connect-src 'self' ${newOrigin};`);
    expect((await fetch(`${newOrigin}/health`)).status).toBe(200);
  });

  it("names what failed for other refusals", () => {
    const busy = new ApiError(
      409,
      "invalid_request_error",
      "The server is already moving to another address.",
      "server_busy",
    );
    expect(switchFailure(busy, { lan: false })).toEqual({
      title: "Benchtop could not stop sharing on the LAN",
      message: "The server is already moving to another address.",
    });
    expect(switchFailure(new Error("disk full"), { api_paused: true })).toEqual({
      title: "Benchtop could not pause the API",
      message: "disk full",
    });
    expect(switchFailure("odd", { api_paused: false })).toEqual({
      title: "Benchtop could not turn the API back on",
      message: "odd",
    });
    expect(switchFailure(busy, { port: 8080 }).title).toBe("Benchtop could not move to port 8080");
  });
});
