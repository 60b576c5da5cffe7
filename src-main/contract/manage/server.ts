import { z } from "zod";
import { TimeMs } from "./common.js";

/** An address teammates can use: the API base URL to give their tools, and where it comes from. */
export const ShareUrlDto = z.object({
  /** OpenAI-compatible base URL, e.g. `http://192.168.1.20:4747/v1`. */
  base_url: z.string(),
  /** `loopback` (this machine only), `address` (the one bound address), `mdns` (`<host>.local`), or an interface name such as `eth0`. */
  via: z.string(),
});
export type ShareUrlDto = z.infer<typeof ShareUrlDto>;

/** Open TCP connections to the API from one remote address. */
export const ClientAddressDto = z.object({
  /** IPv4 (`::ffff:` stripped) or IPv6 address of the peer. */
  address: z.string(),
  sockets: z.number().int().nonnegative(),
  /** `/v1` requests from this address not yet answered. */
  in_flight: z.number().int().nonnegative(),
});
export type ClientAddressDto = z.infer<typeof ClientAddressDto>;

/** `/v1` requests in flight for one member. */
export const MemberInFlightDto = z.object({
  member_id: z.string(),
  /** The member's name (`null` if the member no longer exists). */
  name: z.string().nullable(),
  requests: z.number().int().positive(),
});
export type MemberInFlightDto = z.infer<typeof MemberInFlightDto>;

/** One loaded local model's sequences and queue. */
export const ModelQueueDto = z.object({
  model: z.string(),
  state: z.enum(["loading", "ready"]),
  /** Sequences it was loaded with (requests generated at once). */
  slots: z.number().int().nonnegative(),
  busy_slots: z.number().int().nonnegative(),
  /** Requests waiting for a free sequence. */
  queued: z.number().int().nonnegative(),
  /** Per member with requests on this model: sequences held and requests waiting (fair queue). */
  members: z.array(
    z.object({
      member_id: z.string(),
      /** The member's name (`null` for an anonymous caller or a deleted member). */
      name: z.string().nullable(),
      held: z.number().int().nonnegative(),
      queued: z.number().int().nonnegative(),
    }),
  ),
});
export type ModelQueueDto = z.infer<typeof ModelQueueDto>;

/** `GET /manage/v1/server`: where the API listens, who is connected, how busy the engine is. */
export const ServerDto = z.object({
  /** The bind address, e.g. `127.0.0.1` or `0.0.0.0`. */
  host: z.string(),
  port: z.number().int().min(1).max(65535),
  /** Reachable beyond this machine (bound to anything but loopback). */
  lan: z.boolean(),
  /** `/v1` answers `503 server_paused` while true; management stays up. */
  api_paused: z.boolean(),
  /** What to give teammates when `lan` is true; this machine's own loopback URL otherwise. */
  urls: z.array(ShareUrlDto),
  /** When the core started. */
  started_ms: TimeMs,
  uptime_s: z.number().int().nonnegative(),
  clients: z.object({
    /** Every open TCP connection to the API (this request's own included), on every listener. */
    sockets: z.number().int().nonnegative(),
    by_address: z.array(ClientAddressDto),
    /** Open `/manage/v1/events` streams. */
    event_subscribers: z.number().int().nonnegative(),
  }),
  in_flight: z.object({
    /** `/v1` requests not yet answered. */
    requests: z.number().int().nonnegative(),
    by_member: z.array(MemberInFlightDto),
  }),
  engine: z.object({
    /** Requests one member may have waiting per model (unless their own `max_queued` says otherwise) before `429 queue_full`. */
    max_queue: z.number().int().nonnegative(),
    models: z.array(ModelQueueDto),
  }),
});
export type ServerDto = z.infer<typeof ServerDto>;

/**
 * `PATCH /manage/v1/server` (owner only). `lan` binds `0.0.0.0` (true) or `127.0.0.1` (false);
 * `port` 0 picks a free one. The listener moves without a restart, and the bind address and port
 * are written to the config file so the next start uses them.
 */
export const PatchServerBody = z.strictObject({
  lan: z.boolean().optional(),
  port: z.number().int().min(0).max(65535).optional(),
  api_paused: z.boolean().optional(),
});
export type PatchServerBody = z.infer<typeof PatchServerBody>;
