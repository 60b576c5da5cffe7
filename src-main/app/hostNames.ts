import os from "node:os";

/** True for addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h);
}

const bracket = (ip: string) => (ip.includes(":") ? `[${ip}]` : ip);

/**
 * The `Host` names the server answers to: loopback names always; when bound beyond loopback,
 * also the bound address or — for 0.0.0.0 / :: — every address of this machine, its host name
 * and `<hostname>.local` (mDNS); plus configured extra names. Lower case, IPv6 bracketed.
 */
export function allowedHostNames(bindHost: string, extra: readonly string[]): Set<string> {
  const names = new Set(["localhost", "127.0.0.1", "[::1]"]);
  if (!isLoopbackHost(bindHost)) {
    const any = bindHost === "0.0.0.0" || bindHost === "::";
    if (!any) names.add(bracket(bindHost.toLowerCase()));
    else {
      for (const list of Object.values(os.networkInterfaces()))
        for (const a of list ?? []) names.add(bracket(a.address.toLowerCase().split("%")[0]!));
      const hostname = os.hostname().toLowerCase();
      names.add(hostname);
      names.add(hostname.endsWith(".local") ? hostname : `${hostname}.local`);
    }
  }
  for (const e of extra) names.add(e.toLowerCase());
  return names;
}

/** Why a bind beyond loopback is refused (at start and by `PATCH /manage/v1/server`). */
export function lanRefusalMessage(bindHost: string): string {
  return (
    `Refusing to share on the LAN (${bindHost}): no member other than the owner has a live API key. ` +
    "Start on 127.0.0.1, create a member and a key, then share."
  );
}

/** An API base URL to hand out, and where its address comes from. */
export interface ShareUrl {
  baseUrl: string;
  /** `loopback`, `address` (the one bound address), `mdns` (`<host>.local`) or an interface name. */
  via: string;
}

/**
 * The base URLs teammates should put in their tools for a server bound to `bindHost:port`:
 * on loopback, this machine's own URL; bound to one address, that address; bound to every
 * interface (`0.0.0.0`, `::`), each non-internal IPv4 address (in the OS's interface order)
 * and then `<hostname>.local`, which resolves where mDNS runs (macOS, most Linux desktops).
 */
export function shareUrls(bindHost: string, port: number): ShareUrl[] {
  const url = (host: string) => `http://${host}:${port}/v1`;
  if (isLoopbackHost(bindHost)) {
    const h = bindHost.replace(/^\[|\]$/g, "");
    return [{ baseUrl: url(h === "::1" ? "[::1]" : "127.0.0.1"), via: "loopback" }];
  }
  if (bindHost !== "0.0.0.0" && bindHost !== "::")
    return [{ baseUrl: url(bracket(bindHost)), via: "address" }];
  const out: ShareUrl[] = [];
  for (const [name, list] of Object.entries(os.networkInterfaces()))
    for (const a of list ?? [])
      if (a.family === "IPv4" && !a.internal) out.push({ baseUrl: url(a.address), via: name });
  const hostname = os.hostname().toLowerCase();
  out.push({
    baseUrl: url(hostname.endsWith(".local") ? hostname : `${hostname}.local`),
    via: "mdns",
  });
  return out;
}
