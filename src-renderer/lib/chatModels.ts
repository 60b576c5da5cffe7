import type { ModelDto, PriceDto } from "@contract";
import { formatMoney } from "./formatMoney";

/** One entry of the chat's model picker. */
export interface ChatModelOption {
  id: string;
  /** Runs on this computer's engine (`owned_by: benchtop`), or at a remote provider. */
  local: boolean;
  /** Where it runs, for the picker: "This computer" or "Remote · openai". */
  where: string;
  /** Price per million tokens, when the caller may read prices; "Free" for an unpriced local model. */
  price: string | null;
}

/** `owned_by` of local GGUF models in `GET /v1/models` (src-main/providers/local). */
const LOCAL_OWNER = "benchtop";

const perMillion = (micros: number) => formatMoney(micros, { minDecimals: 2 });

/**
 * The models the caller may use (`GET /v1/models` lists only those), local ones first. `prices`
 * is undefined when the caller's role may not read them: then no price is shown at all, since an
 * unlisted price means "free" only to someone who can see the list.
 */
export function chatModelOptions(
  models: readonly ModelDto[],
  prices: readonly PriceDto[] | undefined,
): ChatModelOption[] {
  const byModel = new Map(prices?.map((p) => [p.model, p]));
  return models
    .map((m) => {
      const local = m.owned_by === LOCAL_OWNER;
      const p = byModel.get(m.id);
      const price = p
        ? `${perMillion(p.input_micros_per_mtok)} in · ${perMillion(p.output_micros_per_mtok)} out per 1M tokens`
        : prices && local
          ? "Free"
          : null;
      return { id: m.id, local, where: local ? "This computer" : `Remote · ${m.owned_by}`, price };
    })
    .sort((a, b) => Number(b.local) - Number(a.local) || a.id.localeCompare(b.id));
}
