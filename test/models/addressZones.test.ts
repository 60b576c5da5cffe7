import { describe, expect, it } from "vitest";
import { zoneOf } from "../../src-main/models/addressZones.js";
import { addressProblem } from "../../src-main/models/guardedConnect.js";

/**
 * The zones the download guard judges an address by, in every IP form that reaches the same
 * place (issue 14, item 3): IPv4-mapped, IPv4-compatible and NAT64 IPv6 carry an IPv4 address.
 */
describe("zoneOf", () => {
  it("places every form of an address in one zone", () => {
    const zones: Record<string, string[]> = {
      loopback: [
        "127.0.0.1",
        "127.255.0.9",
        "::1",
        "0:0:0:0:0:0:0:1",
        "[::1]",
        "::ffff:127.0.0.1",
        "::ffff:7f00:1",
        "[::ffff:7f00:1]",
        "::127.0.0.1",
        "64:ff9b::7f00:1",
      ],
      private: [
        "10.0.0.5",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.1.10",
        "100.64.0.1",
        "::ffff:10.1.2.3",
        "::ffff:c0a8:101",
        "fd12:3456::1",
        "fc00::1",
      ],
      forbidden: [
        "169.254.169.254",
        "::ffff:169.254.169.254",
        "0.0.0.0",
        "0.1.2.3",
        "::",
        "::ffff:0.0.0.0",
        "fe80::1",
        "fe80::1%eth0",
        "fd00:ec2::254",
        "100.100.100.200",
      ],
      public: ["93.184.215.14", "172.32.0.1", "2606:4700::1111", "::ffff:8.8.8.8", "100.128.0.1"],
    };
    const placed = Object.fromEntries(
      Object.entries(zones).map(([zone, list]) => [zone, list.filter((a) => zoneOf(a) !== zone)]),
    );
    expect(placed).toEqual({ loopback: [], private: [], forbidden: [], public: [] });
  });

  it("knows no zone for a name", () => {
    expect([zoneOf("localhost"), zoneOf("models.example"), zoneOf("127.1")]).toEqual([
      null,
      null,
      null,
    ]);
  });
});

describe("addressProblem", () => {
  const problem = (
    protocol: string,
    address: string,
    from: "public" | "private" | "loopback" | null,
  ) => addressProblem({}, protocol, address, 443, from);

  it("lets no hop lead further inward than the address the previous one connected to", () => {
    expect(problem("https:", "10.0.0.5", "public")).toBe(
      "it is 10.0.0.5 on the local network, and the download came from the internet",
    );
    expect(problem("https:", "::ffff:127.0.0.1", "private")).toBe(
      "it is ::ffff:127.0.0.1 on this machine, and the download came from the local network",
    );
    expect(problem("https:", "10.0.0.5", "private")).toBeNull();
    expect(problem("https:", "93.184.215.14", "private")).toBeNull();
    expect(problem("https:", "::1", "loopback")).toBeNull();
    expect(problem("https:", "10.0.0.5", null)).toBeNull();
  });

  it("refuses forbidden addresses on every hop, and plain http off this machine", () => {
    expect(problem("https:", "169.254.169.254", null)).toBe(
      "it is 169.254.169.254, a link-local, unspecified or cloud metadata address",
    );
    expect(problem("https:", "::ffff:a9fe:a9fe", "loopback")).toBe(
      "it is ::ffff:a9fe:a9fe, a link-local, unspecified or cloud metadata address",
    );
    expect(problem("http:", "10.0.0.5", "loopback")).toBe(
      "it is 10.0.0.5, not this machine, and plain http is only for this machine",
    );
    expect(problem("http:", "::ffff:127.0.0.1", null)).toBeNull();
  });

  it("counts a test peer as the internet only at its exact address and port", () => {
    const network = { internetPeers: ["127.0.0.1:8080"] };
    expect(addressProblem(network, "https:", "::ffff:127.0.0.1", 8080, "public")).toBeNull();
    expect(addressProblem(network, "https:", "127.0.0.1", 8081, "public")).toBe(
      "it is 127.0.0.1 on this machine, and the download came from the internet",
    );
  });
});
