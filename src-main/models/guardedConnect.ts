import dns from "node:dns";
import type http from "node:http";
import net from "node:net";
import tls from "node:tls";
import { ZONE_DEPTH, ZONE_NAMES, zoneOf, type Reachable, type Zone } from "./addressZones.js";

/**
 * How downloads reach the network. Both fields exist for tests only (production passes nothing):
 * a loopback fake model host can only play a server elsewhere if the guard is told so, and
 * names that resolve to this machine need a resolver that says so offline.
 */
export interface DownloadNetwork {
  /** Resolves host names. Defaults to `dns.lookup` (the OS resolver). Its answers are checked. */
  lookup?: net.LookupFunction;
  /**
   * Test only: `address:port` pairs (e.g. `127.0.0.1:40123`) whose connections count as servers
   * on the internet (zone `public`), so that a loopback fake can stand for a remote model host
   * whose redirects into this machine must be refused. Defaults to none.
   */
  internetPeers?: readonly string[];
}

/** A refusal of the guard: the download fails with this message. */
export class RefusedAddressError extends Error {
  override name = "RefusedAddressError";
}

/** The zone of a peer, with the test-only `internetPeers` applied. */
export function peerZone(network: DownloadNetwork, address: string, port: number): Zone | null {
  const zone = zoneOf(address);
  if (zone === null || !network.internetPeers?.length) return zone;
  const bare = address.replace(/^::ffff:(?=\d+\.)/i, "");
  return network.internetPeers.includes(`${bare}:${port}`) ? "public" : zone;
}

/**
 * Why connecting to `address:port` is refused (a clause: "it is …"), or null. The rules, on the
 * address (never the spelling):
 * - never a `forbidden` address;
 * - no further inward than the address the previous hop actually connected to (`from`; the first
 *   hop has none): the internet may not send a download into the local network or this machine,
 *   the local network not into this machine; a mirror on this machine may redirect anywhere;
 * - plain http only to this machine (a model fetched in the clear could be swapped on the way);
 *   judged on the real address, so a test peer playing the internet may still speak http.
 */
export function addressProblem(
  network: DownloadNetwork,
  protocol: string,
  address: string,
  port: number,
  from: Reachable | null,
): string | null {
  const physical = zoneOf(address);
  if (physical === null) return `it gave no IP address (${address || "none"})`;
  if (physical === "forbidden") return `it is ${address}, ${ZONE_NAMES.forbidden}`;
  const zone = peerZone(network, address, port) as Reachable;
  if (from !== null && ZONE_DEPTH[zone] > ZONE_DEPTH[from])
    return `it is ${address} on ${ZONE_NAMES[zone]}, and the download came from ${ZONE_NAMES[from]}`;
  if (protocol !== "https:" && physical !== "loopback")
    return `it is ${address}, not this machine, and plain http is only for this machine`;
  return null;
}

export interface GuardedTarget {
  url: URL;
  /** The zone the previous hop connected to (null for the first). */
  from: Reachable | null;
  network: DownloadNetwork;
}

const bare = (hostname: string) => hostname.replace(/^\[|\]$/g, "");
const portOf = (url: URL) => Number(url.port || (url.protocol === "https:" ? 443 : 80));

/**
 * A `createConnection` for `http(s).request` that only connects where `addressProblem` allows:
 * an address in the URL is checked before connecting, so is every address a host name resolves
 * to (one bad answer refuses the hop), and the address the socket actually connected to is
 * checked again on `connect`, before any byte (TLS or HTTP) is sent.
 */
export function guardedConnection(target: GuardedTarget): http.RequestOptions["createConnection"] {
  const { url, from, network } = target;
  const host = bare(url.hostname);
  const port = portOf(url);
  const resolve = network.lookup ?? (dns.lookup as unknown as net.LookupFunction);
  const lookup: net.LookupFunction = (hostname, options, callback) =>
    resolve(hostname, options, (err, address, family) => {
      if (err) return callback(err, address, family);
      const answers = Array.isArray(address) ? address : [{ address, family }];
      for (const a of answers) {
        const problem = addressProblem(network, url.protocol, a.address, port, from);
        if (problem) return callback(new RefusedAddressError(problem), address, family);
      }
      callback(null, address, family);
    });
  return () => {
    if (net.isIP(host)) {
      // No lookup for an address: judge it before connecting at all.
      const problem = addressProblem(network, url.protocol, host, port, from);
      if (problem) throw new RefusedAddressError(problem);
    }
    const raw = net.connect({ host, port, lookup });
    // Registered before TLS or HTTP write anything, so this runs first on connect.
    raw.once("connect", () => {
      const problem = addressProblem(
        network,
        url.protocol,
        raw.remoteAddress ?? "",
        raw.remotePort ?? port,
        from,
      );
      if (problem) raw.destroy(new RefusedAddressError(problem));
    });
    if (url.protocol !== "https:") return raw;
    return tls.connect({
      socket: raw,
      host,
      // SNI takes names only, never an address.
      servername: net.isIP(host) ? undefined : host.replace(/\.$/, ""),
    });
  };
}
