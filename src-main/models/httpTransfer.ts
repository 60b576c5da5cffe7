import http from "node:http";
import https from "node:https";
import { isLoopbackHost } from "../app/hostNames.js";
import { VERSION } from "../app/version.js";
import { zoneOf, type Reachable } from "./addressZones.js";
import {
  addressProblem,
  guardedConnection,
  peerZone,
  RefusedAddressError,
  type DownloadNetwork,
} from "./guardedConnect.js";

/** Redirects followed per request (Hugging Face sends one, to its CDN). Defaults to 5. */
export const MAX_REDIRECTS = 5;
/** A connection silent this long is dropped and the download fails (resumable). Defaults to 60 s. */
export const IDLE_TIMEOUT_MS = 60_000;

/**
 * True for a host spelled as this machine: `localhost` and names under it (RFC 6761), with or
 * without the final dot, and loopback addresses in any IP form the URL parser leaves (IPv4-mapped
 * `[::ffff:7f00:1]` included; `127.1` and `0x7f000001` are already `127.0.0.1` then). Only a
 * first filter: the guard judges the address each hop resolves to and connects to.
 */
function spelledAsThisMachine(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.+$/, "");
  return isLoopbackHost(h) || h.endsWith(".localhost") || zoneOf(h) === "loopback";
}

/**
 * Why Benchtop refuses to fetch `url`, or null: https anywhere; plain http only to this machine
 * (a mirror or test server on loopback), since a model fetched in the clear could be swapped on
 * the way. No credentials in the URL (they would be logged and shown in the download list), and
 * no link-local, unspecified or cloud metadata address (the URL written in any form the URL
 * parser normalises: `2852039166` is 169.254.169.254).
 */
export function downloadUrlProblem(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "must be an absolute https URL";
  }
  if (u.username || u.password) return "must not contain credentials";
  if (u.protocol !== "https:" && u.protocol !== "http:") return "must be an https URL";
  if (zoneOf(u.hostname) === "forbidden")
    return "must not name a link-local, unspecified or cloud metadata address";
  if (u.protocol === "https:") return null;
  return spelledAsThisMachine(u.hostname)
    ? null
    : "must use https (plain http only to this machine)";
}

/**
 * Why a redirect from `from` to `to` is not followed, or null: `to` must pass
 * `downloadUrlProblem`, and a server elsewhere may not send the download to this machine
 * (loopback, http or https): a URL pasted from a model card would otherwise make Benchtop call
 * local services (another inference server, Benchtop's own API) on the host's behalf. A mirror
 * on this machine may redirect within it.
 */
export function redirectProblem(from: URL, to: URL): string | null {
  const problem = downloadUrlProblem(to.href);
  if (problem) return problem;
  if (spelledAsThisMachine(to.hostname) && !spelledAsThisMachine(from.hostname))
    return "must not lead from another machine to this one";
  return null;
}

/** What the part file was fetched against, so a resume can tell whether the file changed. */
export interface Validator {
  etag: string | null;
  lastModified: string | null;
}

export interface OpenTransferOptions {
  url: string;
  /** Bytes already on disk: asked for with `Range: bytes=<offset>-`. */
  offset: number;
  /** Validator of the bytes on disk; a different one on the answer means start again. */
  validator: Validator | null;
  signal: AbortSignal;
  /** Resolver and test-only peers for the address guard. Defaults to the OS's resolver. */
  network?: DownloadNetwork;
}

export type OpenedTransfer =
  | {
      kind: "body";
      /** Where the body starts in the file: `offset` when the server honoured the range, else 0. */
      start: number;
      /** Size of the whole file, when the server said. */
      total: number | null;
      validator: Validator;
      body: http.IncomingMessage;
    }
  /** The bytes on disk are already the whole file (416 with the same total). */
  | { kind: "complete"; total: number };

export class TransferError extends Error {
  override name = "TransferError";
}

/**
 * GETs `url` through the address guard (`addressProblem`, given where the previous hop
 * connected); resolves with the answer and the zone of the address it came from.
 */
function get(
  url: URL,
  headers: Record<string, string>,
  signal: AbortSignal,
  from: Reachable | null,
  network: DownloadNetwork,
) {
  const lib = url.protocol === "https:" ? https : http;
  const createConnection = guardedConnection({ url, from, network });
  return new Promise<{ res: http.IncomingMessage; zone: Reachable }>((resolve, reject) => {
    const req = lib.get(url, { headers, signal, createConnection }, (res) => {
      // Checked on connect already; this also refuses a socket that cannot say its address.
      const address = res.socket.remoteAddress ?? "";
      const port = res.socket.remotePort ?? 0;
      const problem = addressProblem(network, url.protocol, address, port, from);
      if (problem) {
        res.destroy();
        reject(new TransferError(`Refused ${url.host}: ${problem}.`));
      } else resolve({ res, zone: peerZone(network, address, port) as Reachable });
    });
    req.setTimeout(IDLE_TIMEOUT_MS, () =>
      req.destroy(new TransferError(`No data from ${url.host} for ${IDLE_TIMEOUT_MS / 1000} s.`)),
    );
    req.on("error", (err) =>
      reject(
        err instanceof RefusedAddressError
          ? new TransferError(`Refused ${url.host}: ${err.message}.`)
          : err,
      ),
    );
  });
}

const validatorOf = (res: http.IncomingMessage): Validator => ({
  etag: typeof res.headers.etag === "string" ? res.headers.etag : null,
  lastModified:
    typeof res.headers["last-modified"] === "string" ? res.headers["last-modified"] : null,
});

/** True when the answer's validator shows the remote file is not the one the part came from. */
function validatorChanged(before: Validator | null, now: Validator): boolean {
  if (!before) return false;
  if (before.etag && now.etag) return before.etag !== now.etag;
  if (before.lastModified && now.lastModified) return before.lastModified !== now.lastModified;
  return false;
}

/**
 * `bytes 100-199/1000` → {start: 100, total: 1000}; a 416's `bytes &#42;/1000` → {start: null,
 * total: 1000}.
 */
function contentRange(header: string | undefined): { start: number | null; total: number | null } {
  const m = /^bytes\s+(?:(\d+)-\d+|\*)\/(\d+|\*)$/i.exec(header?.trim() ?? "");
  if (!m) return { start: null, total: null };
  return {
    start: m[1] === undefined ? null : Number(m[1]),
    total: m[2] === "*" ? null : Number(m[2]),
  };
}

/**
 * GETs `url` from `offset`, following redirects (each hop must pass `redirectProblem`, and
 * connects only where `addressProblem` allows: the address guard in guardedConnect.ts). A
 * server that ignores the range, or answers for a file with another ETag / Last-Modified, gets
 * the download restarted from byte 0: the answer then has `start: 0`. The caller reads `body`.
 */
export async function openTransfer(opts: OpenTransferOptions): Promise<OpenedTransfer> {
  const refused = downloadUrlProblem(opts.url);
  if (refused) throw new TransferError(`Refused ${opts.url}: the URL ${refused}.`);
  let offset = opts.offset;
  const network = opts.network ?? {};
  for (let attempt = 0; attempt < 2; attempt++) {
    let url = new URL(opts.url);
    // Where the previous hop actually connected: a redirect may not lead further inward.
    let from: Reachable | null = null;
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = {
        "user-agent": `Benchtop/${VERSION}`,
        "accept-encoding": "identity",
      };
      if (offset > 0) {
        headers.range = `bytes=${offset}-`;
        // A server that supports If-Range sends the whole new file when the part is stale.
        const v = opts.validator;
        const strongEtag = v?.etag && !v.etag.startsWith("W/") ? v.etag : null;
        if (strongEtag ?? v?.lastModified) headers["if-range"] = (strongEtag ?? v!.lastModified)!;
      }
      const answer = await get(url, headers, opts.signal, from, network);
      const res = answer.res;
      from = answer.zone;
      const status = res.statusCode ?? 0;
      if ([301, 302, 303, 307, 308].includes(status)) {
        res.resume();
        const location = res.headers.location;
        if (!location)
          throw new TransferError(`HTTP ${status} from ${url.host} without a Location.`);
        if (hop + 1 > MAX_REDIRECTS)
          throw new TransferError(`More than ${MAX_REDIRECTS} redirects; giving up.`);
        const next = new URL(location, url);
        const problem = redirectProblem(url, next);
        if (problem)
          throw new TransferError(`Refused a redirect to ${next.host}: the URL ${problem}.`);
        url = next;
        continue;
      }
      const validator = validatorOf(res);
      if (status === 416 && offset > 0) {
        res.resume();
        const { total } = contentRange(res.headers["content-range"]);
        if (total === offset && !validatorChanged(opts.validator, validator))
          return { kind: "complete", total };
        offset = 0; // the part is longer than the file, or the file changed: start again
        break;
      }
      if (status === 206 && offset > 0) {
        const range = contentRange(res.headers["content-range"]);
        if (range.start === offset && !validatorChanged(opts.validator, validator))
          return { kind: "body", start: offset, total: range.total, validator, body: res };
        res.destroy();
        offset = 0; // another file, or another range: start again without a range
        break;
      }
      if (status === 200) {
        const length = Number(res.headers["content-length"]);
        const total = Number.isSafeInteger(length) && length >= 0 ? length : null;
        return { kind: "body", start: 0, total, validator, body: res };
      }
      res.resume();
      throw new TransferError(`HTTP ${status} from ${url.host}.`);
    }
  }
  throw new TransferError("The server kept answering with another range; giving up.");
}
