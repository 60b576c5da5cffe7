import { z } from "zod";
import { LimitsDto, PriceDto } from "./limits.js";
import { CreditsSummaryDto } from "./manage/credits.js";
import { ListOf } from "./manage/common.js";

/*
 * Management DTOs built on limits.ts. They live beside it rather than in manage/ because the
 * contract's lint rule forbids `../` imports (it keeps the contract zod-only).
 */

/** Limits with inheritance applied: every field present, null meaning no limit. */
export const EffectiveLimitsDto = LimitsDto.required();
export type EffectiveLimitsDto = z.infer<typeof EffectiveLimitsDto>;

/**
 * `GET`/`PUT` of `/manage/v1/limits/org`, `/limits/default` and `/members/{id}/limits`: what is
 * set for the scope, and what applies (member ← default; org and default alone).
 */
export const LimitsViewDto = z.object({ set: LimitsDto, effective: EffectiveLimitsDto });
export type LimitsViewDto = z.infer<typeof LimitsViewDto>;

/** `PUT /manage/v1/prices/{model}`: the model comes from the path (ids may contain `/`). */
export const PriceBody = PriceDto.omit({ model: true });
export type PriceBody = z.infer<typeof PriceBody>;

export const PriceListDto = ListOf(PriceDto);
export type PriceListDto = z.infer<typeof PriceListDto>;

export const DeletedPriceDto = z.object({ model: z.string(), deleted: z.literal(true) });
export type DeletedPriceDto = z.infer<typeof DeletedPriceDto>;

const Count = z.number().int().nonnegative();

/** `GET /manage/v1/org/status`: live counters of the whole lab (today and this month). */
export const LedgerStatusDto = z.object({
  in_flight: Count,
  peak_in_flight: Count,
  requests_last_minute: Count,
  tokens_last_minute: Count,
  /** The org time zone's current day ("YYYY-MM-DD") and month ("YYYY-MM"). */
  day: z.string(),
  month: z.string(),
  spend_today_micros: z.number().int(),
  reserved_today_micros: z.number().int(),
  spend_month_micros: z.number().int(),
  reserved_month_micros: z.number().int(),
});
export type LedgerStatusDto = z.infer<typeof LedgerStatusDto>;

/** `GET /manage/v1/members/{id}/status`: the member's counters plus their credits. */
export const MemberStatusDto = LedgerStatusDto.extend({ credits: CreditsSummaryDto });
export type MemberStatusDto = z.infer<typeof MemberStatusDto>;
