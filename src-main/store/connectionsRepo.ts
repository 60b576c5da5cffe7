import { randomBytes } from "node:crypto";
import type { Db } from "./db.js";

export type ConnectionKind = "openai" | "anthropic" | "groq" | "openrouter" | "openai_compatible";
export type ProviderKeyStatus = "active" | "disabled" | "exhausted" | "deleted";

export interface Connection {
  id: string;
  name: string;
  kind: ConnectionKind;
  baseUrl: string;
  headers: Record<string, string>;
  region: string | null;
  retention: string | null;
  createdMs: number;
  updatedMs: number;
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
  region: r.region as string | null,
  retention: r.retention as string | null,
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
    db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.s = {
      insert: db.prepare(
        `INSERT INTO connections (id, name, kind, base_url, headers_json, region, retention,
           created_ms, updated_ms)
         VALUES (@id, @name, @kind, @baseUrl, @headersJson, @region, @retention, @now, @now)`,
      ),
      update: db.prepare(
        `UPDATE connections SET name = @name, base_url = @baseUrl, headers_json = @headersJson,
           region = @region, retention = @retention, updated_ms = @now
         WHERE id = @id AND deleted_ms IS NULL`,
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

  create(c: Omit<Connection, "id" | "createdMs" | "updatedMs">): Connection {
    const id = newId("con");
    this.writes++;
    this.s.insert.run({ ...c, id, headersJson: JSON.stringify(c.headers), now: this.now() });
    return this.get(id)!;
  }

  update(c: Omit<Connection, "kind" | "createdMs" | "updatedMs">): boolean {
    this.writes++;
    return (
      this.s.update.run({ ...c, headersJson: JSON.stringify(c.headers), now: this.now() })
        .changes === 1
    );
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
