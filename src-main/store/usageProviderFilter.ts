/**
 * The provider of record a usage query may be narrowed to: `local` (this machine's engine),
 * `remote` (any connection a pool attempt went to), or one connection's id (`con_…`).
 */
export type ProviderFilter = "local" | "remote" | (string & {});

/** A SQL condition on `usage.provider` and its bound values (nothing spliced but fixed text). */
export function providerCondition(p: ProviderFilter): {
  cond: string;
  params: Record<string, unknown>;
} {
  if (p === "local") return { cond: "provider = 'local'", params: {} };
  // Rows never answered (swept after a crash) have no provider: neither local nor remote.
  if (p === "remote") return { cond: "provider IS NOT NULL AND provider <> 'local'", params: {} };
  return { cond: "provider = @provider", params: { provider: p } };
}
