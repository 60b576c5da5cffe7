import type { SecretCipher } from "../../platform/types.js";
import type { ResponsesRepo } from "../../store/responsesRepo.js";
import type { ResponseObject } from "./format.js";
import type { HistoryItem } from "./request.js";

const DAY_MS = 86_400_000;

/** What is kept of a stored response: the object GET returns, and the conversation it ended. */
export interface StoredResponse {
  response: ResponseObject;
  /** Input and output items of the whole conversation, oldest first (instructions excluded). */
  items: HistoryItem[];
}

export interface ResponseStoreOptions {
  repo: ResponsesRepo;
  cipher: SecretCipher;
  /** Days a stored response is kept (config `responses.ttlDays`). */
  ttlDays: number;
  /** Bytes of stored responses one member may keep (config `responses.maxStoredBytesPerMember`). */
  maxBytesPerMember: number;
  log: { warn(obj: object, msg: string): void };
  now?: () => number;
}

/**
 * Stored Responses API responses (`store: true`, OpenAI's default): sealed by the SecretCipher,
 * like retained request bodies, since they hold prompt text; private to their author; kept
 * `ttlDays` (the retention sweep deletes them) and bounded per member, the oldest going first.
 * What is stored is what the client sent and received — before the guard's redaction, which
 * applies only to what leaves for a remote upstream: it is the member's own data, kept for them.
 */
export class ResponseStore {
  private readonly now: () => number;

  constructor(private readonly opts: ResponseStoreOptions) {
    this.now = opts.now ?? Date.now;
  }

  /**
   * Stores a finished response. A failure (a full disk, a response larger than the member's
   * whole bound) is logged and never fails the request that was answered: the client then gets
   * a 404 when it continues it, as for an expired response.
   */
  save(memberId: string, stored: StoredResponse): void {
    try {
      const json = JSON.stringify(stored);
      const now = this.now();
      const kept = this.opts.repo.insertBounded(
        {
          id: stored.response.id,
          memberId,
          createdMs: now,
          expiresMs: now + this.opts.ttlDays * DAY_MS,
          bytes: Buffer.byteLength(json, "utf8"),
          sealed: this.opts.cipher.encrypt(json),
        },
        this.opts.maxBytesPerMember,
      );
      if (!kept)
        this.opts.log.warn(
          { responseId: stored.response.id, bytes: Buffer.byteLength(json, "utf8") },
          "response larger than the per-member bound: not stored",
        );
    } catch (err) {
      this.opts.log.warn({ err, responseId: stored.response.id }, "storing a response failed");
    }
  }

  /** The member's stored response `id`; undefined when missing, expired or another member's. */
  load(id: string, memberId: string): StoredResponse | undefined {
    const sealed = this.opts.repo.get(id, memberId, this.now());
    if (!sealed) return undefined;
    return JSON.parse(this.opts.cipher.decrypt(sealed)) as StoredResponse;
  }

  delete(id: string, memberId: string): boolean {
    return this.opts.repo.delete(id, memberId);
  }

  /** Deletes expired responses (the retention sweep). Returns how many went. */
  sweep(): number {
    return this.opts.repo.deleteExpired(this.now());
  }
}
