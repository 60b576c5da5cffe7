import type {
  AlertDto,
  ApiKeyDto,
  AuditEntryDto,
  CreditEntryDto,
  MemberDto,
} from "../../contract/index.js";
import type { Alert } from "../../store/alertsRepo.js";
import type { AuditEntry } from "../../store/auditRepo.js";
import type { CreditEntry } from "../../store/creditsRepo.js";
import type { ApiKeyRow } from "../../store/keysRepo.js";
import type { Member } from "../../store/membersRepo.js";

/** Store rows → the snake_case DTOs of the contract. */

export const memberDto = (m: Member): MemberDto => ({
  id: m.id,
  name: m.name,
  email: m.email,
  role: m.role,
  status: m.status,
  created_ms: m.createdMs,
  updated_ms: m.updatedMs,
});

export function keyDto(k: ApiKeyRow, now: number): ApiKeyDto {
  const status =
    k.revokedMs !== null
      ? "revoked"
      : k.expiresMs !== null && k.expiresMs <= now
        ? "expired"
        : "active";
  return {
    id: k.id,
    member_id: k.memberId,
    name: k.name,
    prefix: k.prefix,
    last4: k.last4,
    status,
    created_ms: k.createdMs,
    expires_ms: k.expiresMs,
    revoked_ms: k.revokedMs,
    last_used_ms: k.lastUsedMs,
  };
}

export const creditEntryDto = (e: CreditEntry): CreditEntryDto => ({
  id: e.id,
  kind: e.kind,
  amount_micros: e.amountMicros,
  usage_id: e.usageId,
  actor_id: e.actorId,
  note: e.note,
  created_ms: e.createdMs,
});

export const alertDto = (a: Alert): AlertDto => ({
  id: a.id,
  member_id: a.memberId,
  kind: a.kind,
  threshold_pct: a.thresholdPct,
  period: a.period,
  cap_micros: a.capMicros,
  spent_micros: a.spentMicros,
  created_ms: a.createdMs,
});

export const auditDto = (e: AuditEntry): AuditEntryDto => ({
  seq: e.seq,
  ts_ms: e.tsMs,
  actor_id: e.actorId,
  actor_role: e.actorRole,
  action: e.action,
  target_type: e.targetType,
  target_id: e.targetId,
  before: e.before,
  after: e.after,
  prev_hash: e.prevHash,
  hash: e.hash,
});

/** camelCase keys → snake_case at every depth (events carry core objects; the API is snake_case). */
export function snakeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeKeys);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [
      k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
      snakeKeys(v),
    ]),
  );
}
