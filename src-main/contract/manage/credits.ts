import { z } from "zod";
import { QueryInt, SignedMicros, TimeMs } from "./common.js";

export const CreditEntryDto = z.object({
  id: z.number().int(),
  kind: z.enum(["grant", "topup", "debit", "adjustment"]),
  /** Positive credits, negative debits. */
  amount_micros: SignedMicros,
  /** The usage row a debit paid for. */
  usage_id: z.string().nullable(),
  /** The member who granted or adjusted; null for debits. */
  actor_id: z.string().nullable(),
  note: z.string().nullable(),
  created_ms: TimeMs,
});
export type CreditEntryDto = z.infer<typeof CreditEntryDto>;

/** A member's credits: the balance is the sum of the ledger; `reserved` is held by requests. */
export const CreditsSummaryDto = z.object({
  balance_micros: SignedMicros,
  reserved_micros: SignedMicros,
  /** balance − reserved: what member-paid requests may still reserve. */
  available_micros: SignedMicros,
});
export type CreditsSummaryDto = z.infer<typeof CreditsSummaryDto>;

/** `GET /manage/v1/members/{id}/credits`: newest entries first (at most `limit`, default 100). */
export const CreditsDto = CreditsSummaryDto.extend({ entries: z.array(CreditEntryDto) });
export type CreditsDto = z.infer<typeof CreditsDto>;

/** `POST /manage/v1/members/{id}/credits`. Grants and top-ups add; adjustments may subtract. */
export const AddCreditsBody = z
  .strictObject({
    kind: z.enum(["grant", "topup", "adjustment"]),
    amount_micros: SignedMicros.refine((n) => n !== 0, "must not be 0"),
    note: z.string().max(500).optional(),
  })
  .refine((b) => b.kind === "adjustment" || b.amount_micros > 0, {
    message: "grants and top-ups must be positive; use an adjustment to subtract",
    path: ["amount_micros"],
  });
export type AddCreditsBody = z.infer<typeof AddCreditsBody>;

/** `GET /manage/v1/members/{id}/credits` query: at most `limit` entries (default 100). */
export const CreditsQuery = z.strictObject({ limit: QueryInt(1, 1000).default(100) });
export type CreditsQuery = z.infer<typeof CreditsQuery>;
