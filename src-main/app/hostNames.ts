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
