import type { NetworkInterfaceInfo } from "node:os";
import { describe, expect, it } from "vitest";
import {
  lanUrls,
  serverPageUrl,
  serverSwitchPatch,
  trayMenuModel,
  type TrayStatus,
} from "../../src-main/shell/trayMenuModel.js";

const nic = (address: string, over: Partial<NetworkInterfaceInfo> = {}): NetworkInterfaceInfo =>
  ({
    address,
    netmask: "255.255.255.0",
    family: address.includes(":") ? "IPv6" : "IPv4",
    mac: "00:00:00:00:00:00",
    internal: false,
    cidr: null,
    ...over,
  }) as NetworkInterfaceInfo;

const interfaces = {
  lo: [nic("127.0.0.1", { internal: true }), nic("::1", { internal: true })],
  eth0: [nic("192.168.1.20"), nic("fe80::1")],
  wlan0: [nic("169.254.3.4"), nic("10.0.0.7")],
};

const status = (over: Partial<TrayStatus> = {}): TrayStatus => ({
  url: "http://127.0.0.1:4747",
  bindHost: "127.0.0.1",
  apiPaused: false,
  switching: false,
  interfaces,
  stopping: false,
  openAtLogin: false,
  openAtLoginSupported: true,
  ...over,
});

describe("lanUrls", () => {
  it("lists this machine's LAN IPv4 addresses when bound to every interface", () => {
    expect(lanUrls(status({ bindHost: "0.0.0.0" }))).toEqual([
      "http://192.168.1.20:4747",
      "http://10.0.0.7:4747",
    ]);
    expect(lanUrls(status({ bindHost: "::", url: "http://[::1]:4800" }))).toEqual([
      "http://192.168.1.20:4800",
      "http://10.0.0.7:4800",
    ]);
  });

  it("is the bound address itself when bound to one, and nothing on loopback", () => {
    expect(lanUrls(status({ bindHost: "192.168.1.20", url: "http://192.168.1.20:4747" }))).toEqual([
      "http://192.168.1.20:4747",
    ]);
    expect(lanUrls(status({ bindHost: "fd00::5", url: "http://[fd00::5]:4747" }))).toEqual([
      "http://[fd00::5]:4747",
    ]);
    expect(lanUrls(status())).toEqual([]);
    expect(lanUrls(status({ bindHost: "0.0.0.0", url: undefined }))).toEqual([]);
  });

  it("lists at most three addresses", () => {
    const many = Object.fromEntries([1, 2, 3, 4, 5].map((i) => [`eth${i}`, [nic(`10.0.${i}.1`)]]));
    expect(lanUrls(status({ bindHost: "0.0.0.0", interfaces: many }))).toEqual([
      "http://10.0.1.1:4747",
      "http://10.0.2.1:4747",
      "http://10.0.3.1:4747",
    ]);
  });
});

describe("trayMenuModel", () => {
  it("on loopback: the address, sharing off, and the quick actions and switches", () => {
    expect(trayMenuModel(status())).toEqual({
      tooltip: "Benchtop: this computer only (http://127.0.0.1:4747)",
      items: [
        { type: "status", label: "Listening on http://127.0.0.1:4747" },
        { type: "status", label: "Shared on the LAN: off" },
        { type: "separator" },
        { type: "action", action: "open-window", label: "Open Benchtop", enabled: true },
        { type: "action", action: "open-server-page", label: "Server settings…", enabled: true },
        { type: "separator" },
        {
          type: "action",
          action: "toggle-lan",
          label: "Share on the LAN",
          enabled: true,
          checked: false,
        },
        {
          type: "action",
          action: "toggle-api-paused",
          label: "Pause API",
          enabled: true,
          checked: false,
        },
        {
          type: "action",
          action: "toggle-open-at-login",
          label: "Start at login",
          enabled: true,
          checked: false,
        },
        { type: "separator" },
        { type: "action", action: "quit", label: "Quit Benchtop", enabled: true },
      ],
    });
  });

  it("shared on the LAN: the addresses teammates use", () => {
    const model = trayMenuModel(status({ bindHost: "0.0.0.0", openAtLogin: true }));
    expect(model.tooltip).toBe("Benchtop: shared on the LAN (http://192.168.1.20:4747)");
    expect(model.items.filter((i) => i.type === "status").map((i) => i.label)).toEqual([
      "Listening on http://127.0.0.1:4747",
      "Shared on the LAN: http://192.168.1.20:4747",
      "Shared on the LAN: http://10.0.0.7:4747",
    ]);
    expect(model.items.find((i) => i.type === "action" && i.action === "toggle-lan")).toEqual({
      type: "action",
      action: "toggle-lan",
      label: "Share on the LAN",
      enabled: true,
      checked: true,
    });
    expect(
      model.items.find((i) => i.type === "action" && i.action === "toggle-open-at-login"),
    ).toMatchObject({ checked: true, enabled: true });
    // No usable address (only link-local): sharing is on, which the menu still says.
    expect(
      trayMenuModel(status({ bindHost: "0.0.0.0", interfaces: { eth0: [nic("169.254.1.1")] } }))
        .items[1],
    ).toEqual({ type: "status", label: "Shared on the LAN: on (no network address found)" });
  });

  it("paused: says so in the menu and the tooltip, and ticks Pause API", () => {
    const model = trayMenuModel(status({ apiPaused: true }));
    expect(model.tooltip).toBe("Benchtop: this computer only (http://127.0.0.1:4747), API paused");
    expect(model.items.filter((i) => i.type === "status").map((i) => i.label)).toEqual([
      "Listening on http://127.0.0.1:4747",
      "Shared on the LAN: off",
      "API paused: /v1 answers 503",
    ]);
    expect(
      model.items.find((i) => i.type === "action" && i.action === "toggle-api-paused"),
    ).toMatchObject({ checked: true, enabled: true });
  });

  it("while a switch is applied, both switches wait; the rest stays usable", () => {
    const model = trayMenuModel(status({ switching: true }));
    const enabled = model.items.flatMap((i) =>
      i.type === "action" && i.enabled ? [i.action] : [],
    );
    expect(enabled).toEqual(["open-window", "open-server-page", "toggle-open-at-login", "quit"]);
  });

  it("greys out start-at-login where it cannot be registered", () => {
    const model = trayMenuModel(status({ openAtLoginSupported: false }));
    expect(
      model.items.find((i) => i.type === "action" && i.action === "toggle-open-at-login"),
    ).toMatchObject({ enabled: false });
  });

  it("while stopping, says so and offers nothing", () => {
    const model = trayMenuModel(status({ stopping: true }));
    expect(model.tooltip).toBe("Benchtop: stopping");
    expect(model.items[0]).toEqual({ type: "status", label: "Stopping: finishing requests…" });
    expect(model.items.filter((i) => i.type === "action" && i.enabled)).toEqual([]);
  });

  it("while starting, has no address and cannot open the server page yet", () => {
    const model = trayMenuModel(status({ url: undefined }));
    expect(model.tooltip).toBe("Benchtop: starting");
    expect(model.items[0]).toEqual({ type: "status", label: "Starting…" });
    for (const action of ["open-server-page", "toggle-lan", "toggle-api-paused"])
      expect(model.items.find((i) => i.type === "action" && i.action === action)).toMatchObject({
        enabled: false,
      });
  });
});

describe("serverPageUrl", () => {
  it("is the app's server page on the app's origin, or another page by its hash route", () => {
    expect(serverPageUrl("http://127.0.0.1:4747")).toBe("http://127.0.0.1:4747/#/server");
    expect(serverPageUrl("http://[::1]:4800/")).toBe("http://[::1]:4800/#/server");
    expect(serverPageUrl("http://127.0.0.1:4747", "#/members")).toBe(
      "http://127.0.0.1:4747/#/members",
    );
  });
});

describe("serverSwitchPatch", () => {
  it("flips what the menu showed: LAN sharing, or the pause switch", () => {
    expect(serverSwitchPatch("toggle-lan", { bindHost: "127.0.0.1", apiPaused: false })).toEqual({
      lan: true,
    });
    expect(serverSwitchPatch("toggle-lan", { bindHost: "::1", apiPaused: false })).toEqual({
      lan: true,
    });
    expect(serverSwitchPatch("toggle-lan", { bindHost: "0.0.0.0", apiPaused: true })).toEqual({
      lan: false,
    });
    expect(serverSwitchPatch("toggle-lan", { bindHost: "192.168.1.20", apiPaused: false })).toEqual(
      { lan: false },
    );
    expect(
      serverSwitchPatch("toggle-api-paused", { bindHost: "0.0.0.0", apiPaused: false }),
    ).toEqual({ api_paused: true });
    expect(
      serverSwitchPatch("toggle-api-paused", { bindHost: "0.0.0.0", apiPaused: true }),
    ).toEqual({ api_paused: false });
  });

  it("changes nothing on the server for the other actions", () => {
    for (const action of [
      "open-window",
      "open-server-page",
      "toggle-open-at-login",
      "quit",
    ] as const)
      expect(
        serverSwitchPatch(action, { bindHost: "127.0.0.1", apiPaused: false }),
      ).toBeUndefined();
  });
});
