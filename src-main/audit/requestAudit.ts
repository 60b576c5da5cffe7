import type { ServedAudit } from "../store/usageRepo.js";
import type { BodyRetention, RetainBodyInput } from "./bodyRetention.js";

/**
 * What the gateway asks of the audit record (issue 16, parts 3 and 4). Optional in the gateway:
 * without it, usage rows carry no model version, region or retention, and no body is kept.
 */
export interface AuditHook {
  /**
   * The audit fields of what served: `provider` is `local`, a connection id (a pool's
   * `servedBy.provider`) or another provider's id; `upstreamVersion` the upstream's own model
   * string, already made safe by the adapter.
   */
  served(
    provider: string | null,
    servedModel: string | null,
    upstreamVersion?: string,
  ): ServedAudit;
  /**
   * Called once a request settled with its answer; stores the body only when retention is on
   * for the member (a no-op otherwise). Never throws.
   */
  retainBody(body: RetainBodyInput): void;
}

export interface RequestAuditDeps {
  /** A live connection by id (region and retention as declared now). */
  connection: (id: string) => { region: string | null; retention: string | null } | undefined;
  /** `<file> sha256:<hex|pending>` of a local model (ModelHashes.versionOf). */
  localVersion: (id: string) => string | null;
  bodies: BodyRetention;
}

/** The provider id of local models (localProvider). */
const LOCAL = "local";

/** The core's AuditHook: connections for region and retention, ModelHashes for local versions. */
export class RequestAudit implements AuditHook {
  constructor(private readonly deps: RequestAuditDeps) {}

  served(
    provider: string | null,
    servedModel: string | null,
    upstreamVersion?: string,
  ): ServedAudit {
    if (provider === LOCAL) {
      const version =
        servedModel === null
          ? null
          : (this.deps.localVersion(servedModel) ?? `${servedModel} sha256:pending`);
      return { modelVersion: version, region: null, retention: null };
    }
    const connection = provider === null ? undefined : this.deps.connection(provider);
    return {
      modelVersion: upstreamVersion ?? null,
      region: connection?.region ?? null,
      retention: connection?.retention ?? null,
    };
  }

  retainBody(body: RetainBodyInput): void {
    this.deps.bodies.retain(body);
  }
}
