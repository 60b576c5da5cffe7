import { MAX_BODY_RETENTION_DAYS } from "../contract/manage/usageAudit.js";
import type { SecretCipher } from "../platform/types.js";
import type { MembersRepo } from "../store/membersRepo.js";
import type { RequestBodiesRepo } from "../store/requestBodiesRepo.js";
import type { SettingsRepo } from "../store/settingsRepo.js";

/** Settings key of the org-wide body retention: days, or null (the default) for off. */
export const BODY_RETENTION_SETTING = "data.body_retention_days";
export { MAX_BODY_RETENTION_DAYS };

const DAY_MS = 86_400_000;

/** What the gateway hands over after a request settled: the request as dispatched, and its answer. */
export interface RetainBodyInput {
  /** The usage row of the attempt that answered (`<request id>:<attempt>`). */
  usageId: string;
  requestId: string;
  memberId: string;
  /**
   * The request as it was dispatched (after the guard step's redaction), JSON-serialisable; a
   * function is called for it only when the body is kept (redacting costs a scan).
   */
  request: unknown;
  /** The answer: `{text, tool_calls?, finish_reason}`, or `{embeddings, dimensions}`. */
  response: unknown;
}

/** An opened body, for the one route that shows it. */
export interface OpenedBody {
  usageId: string;
  requestId: string;
  memberId: string;
  createdMs: number;
  expiresMs: number;
  request: unknown;
  response: unknown;
  requestBytes: number;
  responseBytes: number;
}

/**
 * Days bodies are kept for a member: the member's override (0: never, N: N days) or, without one,
 * the org's setting; null means not kept.
 */
export function effectiveBodyRetention(
  orgDays: number | null,
  memberDays: number | null,
): number | null {
  if (memberDays === null) return orgDays;
  return memberDays === 0 ? null : memberDays;
}

/**
 * Optional body retention ("complete request/response history"): off by default. When the owner
 * turns it on (org-wide, or for a member), each answered request's body and answer are stored
 * sealed by the SecretCipher — never in the clear — until they expire (the retention sweep
 * deletes them) or their usage row is deleted. A failure to store one is logged and never fails
 * the request: the audit record (usage row) is what must exist; the body is a convenience.
 */
export class BodyRetention {
  constructor(
    private readonly deps: {
      bodies: RequestBodiesRepo;
      members: Pick<MembersRepo, "get">;
      settings: Pick<SettingsRepo, "get">;
      cipher: SecretCipher;
      log: { warn(obj: object, msg: string): void };
      now?: () => number;
    },
  ) {}

  /** The org-wide setting: days, or null (off, the default). */
  orgDays(): number | null {
    return this.deps.settings.get<number | null>(BODY_RETENTION_SETTING) ?? null;
  }

  /** Days `memberId`'s bodies are kept now; null: not kept. */
  daysFor(memberId: string): number | null {
    const member = this.deps.members.get(memberId);
    return effectiveBodyRetention(this.orgDays(), member?.bodyRetentionDays ?? null);
  }

  /** Stores the body when retention is on for its member; does nothing (and reads no body) else. */
  retain(b: RetainBodyInput): void {
    try {
      const days = this.daysFor(b.memberId);
      if (days === null) return;
      const request = JSON.stringify(
        (typeof b.request === "function" ? (b.request as () => unknown)() : b.request) ?? null,
      );
      const response = JSON.stringify(b.response ?? null);
      const now = (this.deps.now ?? Date.now)();
      this.deps.bodies.insert({
        usageId: b.usageId,
        requestId: b.requestId,
        memberId: b.memberId,
        createdMs: now,
        expiresMs: now + days * DAY_MS,
        request: this.deps.cipher.encrypt(request),
        response: this.deps.cipher.encrypt(response),
        requestBytes: Buffer.byteLength(request),
        responseBytes: Buffer.byteLength(response),
      });
    } catch (err) {
      this.deps.log.warn({ err, usageId: b.usageId }, "a request body could not be retained");
    }
  }

  /**
   * The body of a usage row, opened; undefined when none is stored (never retained, deleted, or
   * expired and not swept yet), or when `onlyMember` is set and the body is another member's —
   * checked before anything is decrypted. Throws if a blob cannot be opened with this machine's key.
   */
  open(usageId: string, onlyMember?: string): OpenedBody | undefined {
    const row = this.deps.bodies.get(usageId);
    if (!row || row.expiresMs <= (this.deps.now ?? Date.now)()) return undefined;
    if (onlyMember !== undefined && row.memberId !== onlyMember) return undefined;
    return {
      usageId: row.usageId,
      requestId: row.requestId,
      memberId: row.memberId,
      createdMs: row.createdMs,
      expiresMs: row.expiresMs,
      request: JSON.parse(this.deps.cipher.decrypt(row.request)) as unknown,
      response: JSON.parse(this.deps.cipher.decrypt(row.response)) as unknown,
      requestBytes: row.requestBytes,
      responseBytes: row.responseBytes,
    };
  }
}
