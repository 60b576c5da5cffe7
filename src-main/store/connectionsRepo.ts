import { randomBytes } from "node:crypto";
import { isCredentialHeader } from "../contract/manage/connections.js";
import type { Db } from "./db.js";

export type ConnectionKind = "openai" | "anthropic" | "groq" | "openrouter" | "openai_compatible";
export type ProviderKeyStatus = "active" | "disabled" | "exhausted" | "deleted";

export interface Connection {
  id: string;
  name: string;
  kind: ConnectionKind;
  baseUrl: string;
  /** Extra headers that carry no credential (never a name isCredentialHeader matches). */
  headers: Record<string, string>;
  /** Credential-like extra headers, encrypted by the SecretCipher; by lower-case name. */
  secretHeaders: Record<string, SealedHeader>;
  region: string | null;
  retention: string | null;
  /**
   * KeyVault: secrets in prompts are replaced by placeholders before a request leaves for this
   * connection. On (the default) unless the owner turned it off for this connection.
   */
  redactSecrets: boolean;
  createdMs: number;
  updatedMs: number;
}

/** A credential header's value as stored: encrypted, with what identifies it to a person. */
export interface SealedHeader {
  secret: Buffer;
  /** The value's last 4 characters; empty for values of 12 characters or fewer. */
  last4: string;
}

type SealedJson = Record<string, { secret: string; last4: string }>;

const sealedFromJson = (json: string): Record<string, SealedHeader> =>
  Object.fromEntries(
    Object.entries(JSON.parse(json) as SealedJson).map(([name, h]) => [
      name,
      { secret: Buffer.from(h.secret, "base64"), last4: h.last4 },
    ]),
  );

const sealedToJson = (headers: Record<string, SealedHeader>): string =>
  JSON.stringify(
    Object.fromEntries(
      Object.entries(headers).map(([name, h]) => [
        name,
        { secret: h.secret.toString("base64"), last4: h.last4 },
      ]),
    ),
  );

/** Refuses to store a credential header in the clear (callers seal them: connectionSecrets.ts). */
function clearHeadersJson(headers: Record<string, string>): string {
  for (const name of Object.keys(headers))
    if (isCredentialHeader(name))
      throw new Error(`header '${name}' carries a credential: store it sealed`);
  return JSON.stringify(headers);
}

/** A provider key as stored: the secret stays encrypted until an adapter needs it. */
export interface ProviderKeyRow {
  id: string;
  connectionId: string;
  label: string;
  secret: Buffer;
  last4: string;
  status: ProviderKeyStatus;
  statusReason: string | null;
  createdMs: number;
  updatedMs: number;
}

const connFromRaw = (r: Record<string, unknown>): Connection => ({
  id: r.id as string,
  name: r.name as string,
  kind: r.kind as ConnectionKind,
  baseUrl: r.base_url as string,
  headers: JSON.parse(r.headers_json as string) as Record<string, string>,
  secretHeaders: sealedFromJson(r.secret_headers_json as string),
  region: r.region as string | null,
  retention: r.retention as string | null,
  redactSecrets: r.redact_secrets !== 0,
  createdMs: r.created_ms as number,
  updatedMs: r.updated_ms as number,
});

const keyFromRaw = (r: Record<string, unknown>): ProviderKeyRow => ({
  id: r.id as string,
  connectionId: r.connection_id as string,
  label: r.label as string,
  secret: r.secret as Buffer,
  last4: r.last4 as string,
  status: r.status as ProviderKeyStatus,
  statusReason: r.status_reason as string | null,
  createdMs: r.created_ms as number,
  updatedMs: r.updated_ms as number,
});

const newId = (prefix: string) => `${prefix}_${randomBytes(8).toString("hex")}`;

/** Connections to remote providers and their (encrypted) keys. Deletes are soft. */
export class ConnectionsRepo {
  private readonly s;
  private writes = 0;

  /**
   * Moves on every write through this repository (the only writer), so readers may cache what
   * they derive from connections and keys until it changes.
   */
  get version(): number {
    return this.writes;
  }

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.s = {
      insert: db.prepare(
        `INSERT INTO connections (id, name, kind, base_url, headers_json, secret_headers_json,
           region, retention, redact_secrets, created_ms, updated_ms)
         VALUES (@id, @name, @kind, @baseUrl, @headersJson, @sealedJson, @region, @retention,
           @redactSecrets, @now, @now)`,
      ),
      update: db.prepare(
        `UPDATE connections SET name = @name, base_url = @baseUrl, headers_json = @headersJson,
           secret_headers_json = @sealedJson, region = @region, retention = @retention,
           redact_secrets = @redactSecrets, updated_ms = @now
         WHERE id = @id AND deleted_ms IS NULL`,
      ),
      all: db.prepare<[], { id: string; headers_json: string; secret_headers_json: string }>(
        "SELECT id, headers_json, secret_headers_json FROM connections",
      ),
      rewriteHeaders: db.prepare<[string, string, string]>(
        "UPDATE connections SET headers_json = ?, secret_headers_json = ? WHERE id = ?",
      ),
      keySecrets: db.prepare<[string], { secret: Buffer }>(
        "SELECT secret FROM connection_keys WHERE connection_id = ?",
      ),
      remove: db.prepare<[number, string]>(
        "UPDATE connections SET deleted_ms = ? WHERE id = ? AND deleted_ms IS NULL",
      ),
      get: db.prepare<[string], Record<string, unknown>>(
        "SELECT * FROM connections WHERE id = ? AND deleted_ms IS NULL",
      ),
      list: db.prepare<[], Record<string, unknown>>(
        "SELECT * FROM connections WHERE deleted_ms IS NULL ORDER BY created_ms, id",
      ),
      insertKey: db.prepare(
        `INSERT INTO connection_keys (id, connection_id, label, secret, last4, created_ms, updated_ms)
         VALUES (@id, @connectionId, @label, @secret, @last4, @now, @now)`,
      ),
      keys: db.prepare<[string], Record<string, unknown>>(
        `SELECT * FROM connection_keys WHERE connection_id = ? AND status != 'deleted'
         ORDER BY created_ms, id`,
      ),
      key: db.prepare<[string], Record<string, unknown>>(
        "SELECT * FROM connection_keys WHERE id = ?",
      ),
      setKeyStatus: db.prepare(
        `UPDATE connection_keys SET status = @status, status_reason = @reason, updated_ms = @now
         WHERE id = @id AND status != 'deleted'`,
      ),
    };
  }

  /**
   * `secretHeaders` defaults to none, `redactSecrets` to true. Credential-like names in
   * `headers` are refused.
   */
  create(
    c: Omit<Connection, "id" | "createdMs" | "updatedMs" | "secretHeaders" | "redactSecrets"> &
      Partial<Pick<Connection, "secretHeaders" | "redactSecrets">>,
  ): Connection {
    const id = newId("con");
    const row = this.row({ ...c, redactSecrets: c.redactSecrets ?? true });
    this.writes++;
    this.s.insert.run({ ...row, id, kind: c.kind, now: this.now() });
    return this.get(id)!;
  }

  /**
   * `secretHeaders` and `redactSecrets` absent: kept as stored. Credential-like names in
   * `headers` are refused.
   */
  update(
    c: Omit<Connection, "kind" | "createdMs" | "updatedMs" | "secretHeaders" | "redactSecrets"> &
      Partial<Pick<Connection, "secretHeaders" | "redactSecrets">>,
  ): boolean {
    const stored = this.get(c.id);
    const secretHeaders = c.secretHeaders ?? stored?.secretHeaders ?? {};
    const redactSecrets = c.redactSecrets ?? stored?.redactSecrets ?? true;
    const row = this.row({ ...c, secretHeaders, redactSecrets });
    this.writes++;
    return this.s.update.run({ ...row, id: c.id, now: this.now() }).changes === 1;
  }

  private row(
    c: Omit<Connection, "id" | "kind" | "createdMs" | "updatedMs" | "secretHeaders"> & {
      secretHeaders?: Record<string, SealedHeader>;
    },
  ) {
    return {
      name: c.name,
      baseUrl: c.baseUrl,
      headersJson: clearHeadersJson(c.headers),
      sealedJson: sealedToJson(c.secretHeaders ?? {}),
      region: c.region,
      retention: c.retention,
      redactSecrets: c.redactSecrets ? 1 : 0,
    };
  }

  /**
   * Moves credential-like headers that rows written before migration 7 keep in the clear into
   * `secret_headers_json`, sealed with `seal`, deleted connections included. Run at every start;
   * returns how many rows it rewrote (0 once done). With `secure_delete` on while it runs, so the
   * clear values are overwritten in the file rather than left in free space, and a checkpoint
   * after it.
   */
  sealClearCredentialHeaders(seal: (value: string) => SealedHeader): number {
    const rows = this.s.all.all().filter((r) => {
      const clear = JSON.parse(r.headers_json) as Record<string, string>;
      return Object.keys(clear).some(isCredentialHeader);
    });
    if (rows.length === 0) return 0;
    this.writes++;
    const previous = this.db.pragma("secure_delete", { simple: true }) as number;
    this.db.pragma("secure_delete = ON");
    try {
      this.db.transaction(() => {
        for (const r of rows) {
          const clear = JSON.parse(r.headers_json) as Record<string, string>;
          const sealed = sealedFromJson(r.secret_headers_json);
          const kept: Record<string, string> = {};
          for (const [name, value] of Object.entries(clear)) {
            if (isCredentialHeader(name)) sealed[name] = seal(value);
            else kept[name] = value;
          }
          this.s.rewriteHeaders.run(JSON.stringify(kept), sealedToJson(sealed), r.id);
        }
      })();
      // Into the main file now, and the WAL emptied: no copy of the old pages stays behind.
      this.db.pragma("wal_checkpoint(TRUNCATE)");
    } finally {
      this.db.pragma(`secure_delete = ${previous}`);
    }
    return rows.length;
  }

  /** Soft delete; its keys are deleted too. */
  remove(id: string): boolean {
    this.writes++;
    for (const k of this.keys(id)) this.setKeyStatus(k.id, "deleted", "connection deleted");
    return this.s.remove.run(this.now(), id).changes === 1;
  }

  get(id: string): Connection | undefined {
    const row = this.s.get.get(id);
    return row ? connFromRaw(row) : undefined;
  }

  list(): Connection[] {
    return this.s.list.all().map(connFromRaw);
  }

  addKey(k: {
    connectionId: string;
    label: string;
    secret: Buffer;
    last4: string;
  }): ProviderKeyRow {
    const id = newId("ck");
    this.writes++;
    this.s.insertKey.run({ ...k, id, now: this.now() });
    return this.key(id)!;
  }

  /**
   * The encrypted secrets of every key the connection ever had, deleted ones included: an
   * upstream may echo a key in a request sent just before the key was deleted or replaced.
   */
  keySecrets(connectionId: string): Buffer[] {
    return this.s.keySecrets.all(connectionId).map((r) => r.secret);
  }

  keys(connectionId: string): ProviderKeyRow[] {
    return this.s.keys.all(connectionId).map(keyFromRaw);
  }

  key(id: string): ProviderKeyRow | undefined {
    const row = this.s.key.get(id);
    return row ? keyFromRaw(row) : undefined;
  }

  setKeyStatus(id: string, status: ProviderKeyStatus, reason: string | null): boolean {
    this.writes++;
    return this.s.setKeyStatus.run({ id, status, reason, now: this.now() }).changes === 1;
  }
}
