import net from "node:net";

/**
 * Where an IP address is, as model downloads see it, from the most inward:
 * - `forbidden`: never fetched from: link-local (169.254/16, fe80::/10, where cloud metadata
 *   services answer), unspecified (0.0.0.0/8 and `::`, which reach this machine) and the
 *   metadata addresses outside those ranges (AWS's IPv6 one, Alibaba's);
 * - `loopback`: this machine (127/8, `::1`);
 * - `private`: the local network (10/8, 172.16/12, 192.168/16, 100.64/10 shared address space
 *   and VPNs such as Tailscale, fc00::/7 unique local, fec0::/10 site-local);
 * - `public`: everything else (the internet).
 * IPv6 forms that carry an IPv4 address (IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`,
 * NAT64 `64:ff9b::a.b.c.d`) are judged by that IPv4 address.
 */
export type Zone = "forbidden" | "loopback" | "private" | "public";
/** A zone a download may connect to at all. */
export type Reachable = Exclude<Zone, "forbidden">;

/** How inward each zone is: a redirect may not lead to a zone more inward than its origin's. */
export const ZONE_DEPTH: Record<Reachable, number> = {
  public: 0,
  private: 1,
  loopback: 2,
};

/** How a zone is named in an error message. */
export const ZONE_NAMES: Record<Zone, string> = {
  forbidden: "a link-local, unspecified or cloud metadata address",
  loopback: "this machine",
  private: "the local network",
  public: "the internet",
};

function blockList(entries: [string, number, "ipv4" | "ipv6"][]): net.BlockList {
  const list = new net.BlockList();
  for (const [address, prefix, family] of entries) list.addSubnet(address, prefix, family);
  return list;
}

const FORBIDDEN = blockList([
  ["169.254.0.0", 16, "ipv4"],
  ["0.0.0.0", 8, "ipv4"],
  ["100.100.100.200", 32, "ipv4"],
  ["fe80::", 10, "ipv6"],
  ["::", 128, "ipv6"],
  ["fd00:ec2::254", 128, "ipv6"],
]);
const LOOPBACK = blockList([
  ["127.0.0.0", 8, "ipv4"],
  ["::1", 128, "ipv6"],
]);
const PRIVATE = blockList([
  ["10.0.0.0", 8, "ipv4"],
  ["172.16.0.0", 12, "ipv4"],
  ["192.168.0.0", 16, "ipv4"],
  ["100.64.0.0", 10, "ipv4"],
  ["fc00::", 7, "ipv6"],
  ["fec0::", 10, "ipv6"],
]);

/** The IPv4 address an IPv6 address carries (mapped, compatible, NAT64), else null. */
function embeddedIpv4(ipv6: string): string | null {
  const groups = expandIpv6(ipv6);
  if (!groups) return null;
  const head = groups
    .slice(0, 6)
    .map((g) => g.toString(16))
    .join(":");
  const carries =
    head === "0:0:0:0:0:ffff" || // IPv4-mapped
    (head === "0:0:0:0:0:0" && (groups[6] !== 0 || groups[7]! > 1)) || // IPv4-compatible, not ::/::1
    head === "64:ff9b:0:0:0:0"; // NAT64 well-known prefix
  if (!carries) return null;
  const [hi, lo] = [groups[6]!, groups[7]!];
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join(".");
}

/** `::ffff:127.0.0.1` → its eight 16-bit groups as numbers; null when not IPv6. */
function expandIpv6(address: string): number[] | null {
  if (net.isIPv6(address) === false) return null;
  let text = address.split("%")[0]!.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1]!.split(".").map(Number) as [number, number, number, number];
    text = `${text.slice(0, -v4[1]!.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [left, right] = text.split("::") as [string, string | undefined];
  const parse = (s: string) => (s ? s.split(":").map((g) => parseInt(g, 16)) : []);
  const head = parse(left);
  const tail = right === undefined ? [] : parse(right);
  const fill = right === undefined ? [] : new Array<number>(8 - head.length - tail.length).fill(0);
  const groups = [...head, ...fill, ...tail];
  return groups.length === 8 ? groups : null;
}

/** The zone of an IP address (no host names: resolve them first). Not an IP → null. */
export function zoneOf(address: string): Zone | null {
  const bare = address.replace(/^\[|\]$/g, "").split("%")[0]!;
  const family = net.isIP(bare);
  if (family === 0) return null;
  const v4 = family === 6 ? embeddedIpv4(bare) : bare;
  const [ip, type] = v4 ? [v4, "ipv4" as const] : [bare, "ipv6" as const];
  if (FORBIDDEN.check(ip, type)) return "forbidden";
  if (LOOPBACK.check(ip, type)) return "loopback";
  if (PRIVATE.check(ip, type)) return "private";
  return "public";
}
