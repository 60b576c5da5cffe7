import { AUTO_MODEL, type ModelDto, type PriceDto } from "@contract";
import { formatMoney } from "./formatMoney";

/**
 * Where a model runs: this computer's engine (`owned_by: benchtop`), a route the server resolves
 * to one of those (`auto` or an alias, `owned_by: benchtop-route`), or a remote provider.
 */
export type ChatModelKind = "local" | "routed" | "remote";

/** One entry of the chat's model picker. */
export interface ChatModelOption {
  id: string;
  kind: ChatModelKind;
  /**
   * What it is, for the picker: "This computer", "Auto — routes by category", "Alias" or
   * "Remote · openai".
   */
  where: string;
  /** Price per million tokens, when the caller may read prices; "Free" for an unpriced local model. */
  price: string | null;
}

/** `owned_by` of local GGUF models in `GET /v1/models` (src-main/providers/local). */
const LOCAL_OWNER = "benchtop";
/** `owned_by` of `auto` and aliases (ROUTE_OWNER in src-main/gateway/Gateway.ts). */
const ROUTE_OWNER = "benchtop-route";

const KIND_ORDER: Record<ChatModelKind, number> = { local: 0, routed: 1, remote: 2 };

const kindOf = (m: ModelDto): ChatModelKind =>
  m.owned_by === LOCAL_OWNER ? "local" : m.owned_by === ROUTE_OWNER ? "routed" : "remote";

function whereOf(m: ModelDto, kind: ChatModelKind): string {
  if (kind === "local") return "This computer";
  if (kind === "remote") return `Remote · ${m.owned_by}`;
  return m.id === AUTO_MODEL ? "Auto — routes by category" : "Alias";
}

const perMillion = (micros: number) => formatMoney(micros, { minDecimals: 2 });

/**
 * The models the caller may use (`GET /v1/models` lists only those): local ones first, then the
 * routed ones (`auto` first, then aliases), then remote ones. `prices` is undefined when the
 * caller's role may not read them: then no price is shown at all, since an unlisted price means
 * "free" only to someone who can see the list. A route shows no price: it is billed at the price
 * of whichever target answers.
 */
export function chatModelOptions(
  models: readonly ModelDto[],
  prices: readonly PriceDto[] | undefined,
): ChatModelOption[] {
  const byModel = new Map(prices?.map((p) => [p.model, p]));
  return models
    .map((m): ChatModelOption => {
      const kind = kindOf(m);
      const p = kind === "routed" ? undefined : byModel.get(m.id);
      const price = p
        ? `${perMillion(p.input_micros_per_mtok)} in · ${perMillion(p.output_micros_per_mtok)} out per 1M tokens`
        : prices && kind === "local"
          ? "Free"
          : null;
      return { id: m.id, kind, where: whereOf(m, kind), price };
    })
    .sort(
      (a, b) =>
        KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
        Number(b.id === AUTO_MODEL) - Number(a.id === AUTO_MODEL) ||
        a.id.localeCompare(b.id),
    );
}

/**
 * The model a new chat starts with: the first local model (routing is a choice, not the
 * default), else the first model listed.
 */
export function defaultChatModel(options: readonly ChatModelOption[]): string | null {
  return (options.find((o) => o.kind === "local") ?? options[0])?.id ?? null;
}
