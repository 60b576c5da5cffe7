import type { Logger } from "pino";
import { ApiError } from "../gateway/errors.js";
import type { GuardRepo } from "../store/guardRepo.js";
import type { Detectors } from "./detect/index.js";
import { PlaceholderBook, replacer, Restorer } from "./placeholders.js";
import { effectivePolicy, type EffectivePolicy } from "./policies.js";
import type { Finding, GuardRecord, PiiType } from "./types.js";
import { collectStrings, mapStrings } from "./walk.js";

/** A target of a route as the guard sees it: where it runs decides what leaves the machine. */
export interface GuardTarget {
  model: string;
  local: boolean;
}

/** A target with the request it is sent and the usage row's guard record. */
export interface GuardedTarget<R> {
  model: string;
  local: boolean;
  /** The request for this target: the original, or with placeholders. */
  request: R;
  record: GuardRecord;
  /**
   * For a remote target: the request without secret redaction (PII policy still applied), for
   * a connection whose owner turned KeyVault off. Computed when asked.
   */
  unvaulted?: () => R;
  /** Placeholder → value, when the answer gets its placeholders back. */
  restore?: ReadonlyMap<string, string>;
  /** Set when this target replaced remote ones (`keep-local`): their ids. */
  keptLocalFrom?: string[];
}

export interface GuardQuery {
  memberId: string;
  /** The id the client named (an alias, `auto`, a pool, a model). */
  requested: string;
  targets: GuardTarget[];
  /** `x-benchtop-guard-restore: true`: the member asks for placeholders back in this answer. */
  restoreAsked: boolean;
}

export interface GuardOptions {
  repo: GuardRepo;
  /** The detectors; called once, lazily. Throwing makes every remote request fail closed. */
  detectors: () => Detectors;
  /** How many secret rules are loaded and where they come from (for the Guardrails page). */
  rules?: () => { rules: number; sources: string[] };
  log: Logger;
}

/**
 * The guard step (DESIGN §3, step 5), between route and admit: scans what a request would send
 * off the machine for secrets (KeyVault) and PII, and returns, per target of the route, the
 * request that target receives and what the usage row records. Secrets are always replaced for
 * remote targets (unless the connection turned KeyVault off, decided per attempt by the pool);
 * PII follows the effective policy (policies.ts). Local targets get the request untouched unless
 * their policy has `apply_local`. Fails closed: if the detectors cannot load or throw, remote
 * targets are dropped, and with none left the request is refused (500 `guard_failed`).
 * Values never leave this step except as placeholders; records hold counts per type.
 */
export class Guard {
  private detectors: Detectors | undefined;
  private loadError: unknown;

  constructor(private readonly opts: GuardOptions) {}

  /** Whether the detectors loaded (false: remote requests are refused). */
  healthy(): boolean {
    try {
      this.load();
      return true;
    } catch {
      return false;
    }
  }

  private load(): Detectors {
    if (this.detectors) return this.detectors;
    if (this.loadError !== undefined) throw this.loadError;
    try {
      this.detectors = this.opts.detectors();
      return this.detectors;
    } catch (err) {
      this.loadError = err;
      this.opts.log.error({ err }, "the guard's detectors failed to load: remote requests refused");
      throw err;
    }
  }

  /** The KeyVault's state for the Guardrails page. */
  keyVaultInfo(): { rules: number; sources: string[]; healthy: boolean } {
    const healthy = this.healthy();
    let info = { rules: 0, sources: [] as string[] };
    try {
      if (healthy && this.opts.rules) info = this.opts.rules();
    } catch {
      // The detectors loaded, so the rules did: a failure here only leaves the counts at 0.
    }
    return { ...info, healthy };
  }

  policy(memberId: string, target: string, requested: string): EffectivePolicy {
    return effectivePolicy(this.opts.repo, memberId, target, requested);
  }

  /**
   * Scans `text` alone (the manage API's dry run): secrets and the PII types `types` selects,
   * without overlaps (a secret wins over PII inside it). Throws when the detectors fail.
   */
  scan(text: string, types: ReadonlySet<PiiType> | null, pii = true): Finding[] {
    const d = this.load();
    const secrets = d.secrets(text);
    if (!pii) return secrets;
    const found = d
      .pii(text, types ?? undefined)
      .filter((p) => !secrets.some((s) => p.start < s.end && s.start < p.end));
    return [...secrets, ...found].sort((a, b) => a.start - b.start);
  }

  plan<R extends object>(req: R, q: GuardQuery): GuardedTarget<R>[] {
    const policies = q.targets.map((t) => this.policy(q.memberId, t.model, q.requested));
    const scans = q.targets.map((t, i) => ({
      secrets: !t.local,
      pii: policies[i]!.mode !== "off" && (!t.local || policies[i]!.applyLocal),
    }));
    const none = (t: GuardTarget, p: EffectivePolicy): GuardedTarget<R> => ({
      model: t.model,
      local: t.local,
      request: req,
      record: baseRecord(t, p),
    });
    if (!scans.some((s) => s.secrets || s.pii))
      return q.targets.map((t, i) => none(t, policies[i]!));

    // One scan of every distinct string, for the union of what any target needs.
    let book: PlaceholderBook;
    try {
      const types = unionTypes(policies.filter((_, i) => scans[i]!.pii));
      book = this.scanRequest(
        req,
        types,
        scans.some((s) => s.pii),
      );
    } catch (err) {
      this.opts.log.error({ err }, "the guard failed: remote targets dropped (fail closed)");
      const local = q.targets.flatMap((t, i) =>
        t.local && !scans[i]!.pii ? [none(t, policies[i]!)] : [],
      );
      if (local.length > 0) return local;
      throw new ApiError(
        500,
        "server_error",
        "The guard could not check this request, so it was not sent to a remote provider.",
        "guard_failed",
      );
    }

    const out: GuardedTarget<R>[] = [];
    const blocked: { scope: string; counts: Record<string, number> }[] = [];
    for (const [i, t] of q.targets.entries()) {
      const p = policies[i]!;
      const scan = scans[i]!;
      const piiSelected = (f: Finding) =>
        scan.pii && f.kind === "pii" && (p.types === null || p.types.has(f.type as PiiType));
      const secretCounts = scan.secrets ? book.counts((f) => f.kind === "secret") : {};
      const piiCounts = book.counts(piiSelected);
      const found = Object.keys(piiCounts).length > 0;
      const record: GuardRecord = {
        ...baseRecord(t, p),
        secrets: secretCounts,
        secrets_action: t.local
          ? "local"
          : Object.keys(secretCounts).length > 0
            ? "redacted"
            : "none",
        pii: piiCounts,
        pii_action: found && p.mode === "flag" ? "flagged" : "none",
      };
      if (found && p.mode === "block") {
        blocked.push({ scope: p.scope, counts: piiCounts });
        continue;
      }
      if (found && p.mode === "keep-local" && !t.local) {
        const to = p.keepLocalModel;
        if (to === null) {
          blocked.push({ scope: p.scope, counts: piiCounts });
          continue;
        }
        const prior = out.find((o) => o.model === to && o.keptLocalFrom);
        if (prior) {
          prior.keptLocalFrom!.push(t.model);
          prior.record.kept_local!.from.push(t.model);
          continue;
        }
        out.push({
          model: to,
          local: true,
          request: req,
          keptLocalFrom: [t.model],
          record: {
            ...record,
            secrets: {},
            secrets_action: "local",
            pii_action: "kept_local",
            kept_local: { from: [t.model], to },
          },
        });
        continue;
      }
      const redactPii = found && p.mode === "redact";
      if (redactPii) record.pii_action = "redacted";
      const keep = (f: Finding) =>
        (scan.secrets && f.kind === "secret") || (redactPii && piiSelected(f));
      const r = replacer(book, keep);
      const request = r ? mapStrings(req, r.replace) : req;
      const restore =
        r && (q.restoreAsked || p.restore) ? (r.map as ReadonlyMap<string, string>) : undefined;
      const target: GuardedTarget<R> = { model: t.model, local: t.local, request, record };
      if (restore) target.restore = restore;
      if (!t.local)
        target.unvaulted = () => {
          const u = redactPii ? replacer(book, piiSelected) : undefined;
          return u ? mapStrings(req, u.replace) : req;
        };
      out.push(target);
    }
    if (out.length === 0) throw blockedError(blocked);
    return out;
  }

  /**
   * `req` redacted for storage (body retention), as if it were leaving: secrets always, PII of
   * the policy's types when the policy for `target` redacts, blocks or keeps it local. Throws
   * when the detectors fail (the body is then not stored).
   */
  redactForRetention<R extends object>(
    req: R,
    memberId: string,
    target: string,
    requested: string,
  ): R {
    const p = this.policy(memberId, target, requested);
    const pii = p.mode === "redact" || p.mode === "block" || p.mode === "keep-local";
    const book = this.scanRequest(req, p.types, pii);
    const r = replacer(book, () => true);
    return r ? mapStrings(req, r.replace) : req;
  }

  private scanRequest(req: object, types: ReadonlySet<PiiType> | null, pii: boolean) {
    const strings = new Set<string>();
    // The client's own shapes first (its OpenAI body, the neutral conversation), so placeholders
    // are numbered in the order the client wrote the values; then everything else (the text
    // view, which renders tool definitions ahead of the messages).
    const r = req as { body?: unknown; conversation?: unknown };
    collectStrings(r.body, strings);
    collectStrings(r.conversation, strings);
    collectStrings(req, strings);
    const book = new PlaceholderBook();
    for (const s of strings) for (const f of this.scan(s, types, pii)) book.add(f);
    return book;
  }
}

/** A target's record before anything is found. */
function baseRecord(t: GuardTarget, p: EffectivePolicy): GuardRecord {
  return {
    secrets: {},
    secrets_action: t.local ? "local" : "none",
    pii: {},
    pii_mode: p.mode,
    pii_scope: p.scope,
    pii_action: "none",
    restored: 0,
  };
}

/** The PII types any of `policies` acts on; null = every type. */
function unionTypes(policies: EffectivePolicy[]): ReadonlySet<PiiType> | null {
  const out = new Set<PiiType>();
  for (const p of policies) {
    if (p.types === null) return null;
    for (const t of p.types) out.add(t);
  }
  return out;
}

/** `a:1, b:2` — counts per type, never values. */
export function countsText(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([type, n]) => `${type} ×${n}`)
    .join(", ");
}

function blockedError(blocked: { scope: string; counts: Record<string, number> }[]): ApiError {
  const b = blocked[0]!;
  return new ApiError(
    400,
    "invalid_request_error",
    `This request contains personal data (${countsText(b.counts)}) that the guard policy (${b.scope}) does not let leave this machine. Remove it, or ask an admin to allow or keep such requests local.`,
    "pii_blocked",
    "messages",
  );
}

/** `x-benchtop-guard`: what the guard did to the answered request, in counts. */
export function guardHeader(record: GuardRecord): string | undefined {
  const parts: string[] = [];
  const secrets = Object.values(record.secrets).reduce((a, b) => a + b, 0);
  if (secrets > 0) parts.push(`secrets=${record.secrets_action}:${secrets}`);
  const pii = Object.values(record.pii).reduce((a, b) => a + b, 0);
  if (pii > 0) parts.push(`pii=${record.pii_action}:${pii}`);
  if (record.kept_local) parts.push(`kept-local=${record.kept_local.to}`);
  return parts.length > 0 ? parts.join("; ") : undefined;
}

export { Restorer };
