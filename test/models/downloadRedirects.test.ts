import dns from "node:dns";
import fs from "node:fs";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DownloadDto } from "../../src-main/contract/index.js";
import { generatedModel } from "../helpers/models.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";
import { client } from "../manage/manageClient.js";
import { startFakeModelServer, type FakeModelServer } from "./fakeModelServer.js";

/**
 * The download address guard end to end (issue 14, item 3): the guard judges the address every
 * hop resolves to and connects to, never the spelling. A fake model host on 127.0.0.1 plays a
 * server on the internet (the test-only `downloadNetwork.internetPeers`) and redirects the
 * download to this machine in every spelling an audit tried; a resolver answers for names
 * offline (the guard checks its answers as it checks the OS's). A "local service" listening on
 * 127.0.0.1 and ::1 counts the connections it gets: none may arrive.
 */
let t: TestServer;
let far: FakeModelServer; // plays a model host on the internet
let near: FakeModelServer; // a mirror on this machine
let owner: ReturnType<typeof client>;
const victims: net.Server[] = [];
let victimPort = 0;
let victimConnections = 0;
const source = fs.readFileSync(generatedModel());

/** Names the resolver answers (no network here); anything else goes to the OS resolver. */
const NAMES: Record<string, { address: string; family: number }[]> = {
  "localhost.": [{ address: "127.0.0.1", family: 4 }], // what /etc/hosts answers on most systems
  localhost: [{ address: "127.0.0.1", family: 4 }],
  "models.example": [{ address: "127.0.0.1", family: 4 }],
  "api.localhost": [{ address: "127.0.0.1", family: 4 }],
  "dual.example": [
    { address: "93.184.215.14", family: 4 },
    { address: "::1", family: 6 },
  ],
  "mapped.example": [{ address: "::ffff:127.0.0.1", family: 6 }],
  "metadata.example": [{ address: "169.254.169.254", family: 4 }],
};
const lookup: net.LookupFunction = (hostname, options, callback) => {
  const known = NAMES[hostname.toLowerCase()];
  if (!known) return dns.lookup(hostname, options, callback as never);
  if (options.all) return callback(null, known as never);
  callback(null, known[0]!.address, known[0]!.family);
};

function listenVictim(host: string, port: number): Promise<net.Server> {
  const server = net.createServer((socket) => {
    victimConnections++;
    socket.destroy();
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}

beforeAll(async () => {
  far = await startFakeModelServer(source);
  near = await startFakeModelServer(source);
  const v4 = await listenVictim("127.0.0.1", 0);
  victimPort = (v4.address() as net.AddressInfo).port;
  victims.push(v4, await listenVictim("::1", victimPort));
  t = await startTestServer({
    downloadNetwork: { lookup, internetPeers: [far.url.slice("http://".length)] },
  });
  owner = client(t, t.auth);
});
afterAll(async () => {
  await t?.close();
  await far?.close();
  await near?.close();
  for (const v of victims) await new Promise((resolve) => v.close(resolve));
});

async function download(url: string, id: string): Promise<DownloadDto> {
  const r = await owner.post<DownloadDto>("/models/downloads", { url, id });
  expect(r.status, r.text).toBe(202);
  for (let i = 0; i < 1500; i++) {
    const d = await owner.get<DownloadDto>(`/models/downloads/${r.body.id}`);
    if (["completed", "failed", "cancelled"].includes(d.body.state)) return d.body;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`download ${id} did not finish`);
}

const via = (target: string) => `${far.url}/to/${encodeURIComponent(target)}`;

describe("the download guard judges addresses, not spellings", () => {
  it("refuses a redirect from a host elsewhere into this machine, however it is spelled or resolved", async () => {
    const p = victimPort;
    const fromInternet = "on this machine, and the download came from the internet";
    const cases: [target: string, host: string, address: string][] = [
      [`https://[::ffff:127.0.0.1]:${p}/m.gguf`, `[::ffff:7f00:1]:${p}`, "::ffff:7f00:1"],
      [`https://localhost.:${p}/m.gguf`, `localhost.:${p}`, "127.0.0.1"],
      [`https://127.1:${p}/m.gguf`, `127.0.0.1:${p}`, "127.0.0.1"],
      [`https://0x7f000001:${p}/m.gguf`, `127.0.0.1:${p}`, "127.0.0.1"],
      [`http://127.1:${p}/m.gguf`, `127.0.0.1:${p}`, "127.0.0.1"],
      [`https://[::1]:${p}/m.gguf`, `[::1]:${p}`, "::1"],
      [`https://[0:0:0:0:0:0:0:1]:${p}/m.gguf`, `[::1]:${p}`, "::1"],
      [`https://LocalHost:${p}/m.gguf`, `localhost:${p}`, "127.0.0.1"],
      [`https://api.localhost:${p}/m.gguf`, `api.localhost:${p}`, "127.0.0.1"],
      [`https://models.example:${p}/m.gguf`, `models.example:${p}`, "127.0.0.1"],
      [`https://mapped.example:${p}/m.gguf`, `mapped.example:${p}`, "::ffff:127.0.0.1"],
      // One answer on this machine among others refuses the hop.
      [`https://dual.example:${p}/m.gguf`, `dual.example:${p}`, "::1"],
    ];
    const errors: string[] = [];
    for (const [i, [target]] of cases.entries())
      errors.push((await download(via(target), `redirected-${i}`)).error ?? "none");
    expect(errors).toEqual(
      cases.map(([, host, address]) => `Refused ${host}: it is ${address} ${fromInternet}.`),
    );
    expect(victimConnections).toBe(0);
    // Each download asked the far host once, and went no further.
    expect(far.requests.map((r) => r.status)).toEqual(cases.map(() => 302));
  });

  it("judges the first hop by its address too: a name for a metadata address is refused", async () => {
    const d = await download("https://metadata.example/latest/m.gguf", "metadata");
    expect(d).toMatchObject({ state: "failed", bytes_done: 0 });
    expect(d.error).toBe(
      "Refused metadata.example: it is 169.254.169.254, a link-local, unspecified or cloud metadata address.",
    );
  });

  it("still follows a host elsewhere within its own zone, and a local mirror into this machine", async () => {
    const farDone = await download(`${far.url}/redirect/Far-Q8.gguf`, "Far-Q8");
    expect(farDone).toMatchObject({ state: "completed", bytes_done: source.length, error: null });
    // A mirror on this machine may send the download to this machine in any spelling.
    const port = near.url.split(":").pop();
    const target = `http://[::ffff:127.0.0.1]:${port}/files/Near-Q8.gguf`;
    const nearDone = await download(`${near.url}/to/${encodeURIComponent(target)}`, "Near-Q8");
    expect(nearDone).toMatchObject({ state: "completed", bytes_done: source.length, error: null });
    expect(near.requests.map((r) => [r.path, r.status])).toEqual([
      [`/to/${encodeURIComponent(target)}`, 302],
      ["/files/Near-Q8.gguf", 200],
    ]);
  });
});
