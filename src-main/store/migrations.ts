/**
 * Schema migrations: an ordered array of SQL strings. Migration `i` (0-based) brings the
 * database to `PRAGMA user_version = i + 1`. Never edit a released entry; append a new one.
 * They live in code, not .sql files, so they bundle and survive asar packaging.
 */
export const migrations: readonly string[] = [
  // 1: local models seen in the models dir, and key/value settings.
  `
  CREATE TABLE models (
    id              TEXT PRIMARY KEY,          -- file name without .gguf; the API model id
    path            TEXT NOT NULL,
    size_bytes      INTEGER NOT NULL,
    mtime_ms        INTEGER NOT NULL,
    architecture    TEXT,
    parameters      INTEGER,
    context_length  INTEGER,
    embedding_length INTEGER,
    file_type       TEXT,                      -- dominant quantization, e.g. Q4_0
    chat_template   INTEGER NOT NULL DEFAULT 0, -- 1 when tokenizer.chat_template is present
    error           TEXT,                      -- why the file could not be read, if it could not
    first_seen_ms   INTEGER NOT NULL,
    last_seen_ms    INTEGER NOT NULL,
    present         INTEGER NOT NULL DEFAULT 1 -- 0 once the file is gone (rows are kept for history)
  ) STRICT;

  CREATE TABLE settings (
    key         TEXT PRIMARY KEY,
    value_json  TEXT NOT NULL,
    updated_ms  INTEGER NOT NULL
  ) STRICT;
  `,
  // 2: members and their API keys (keys stored as SHA-256 only).
  `
  CREATE TABLE members (
    id          TEXT PRIMARY KEY,              -- mem_<hex>
    name        TEXT NOT NULL,
    email       TEXT,
    role        TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
    status      TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled', 'deleted')),
    created_ms  INTEGER NOT NULL,
    updated_ms  INTEGER NOT NULL
  ) STRICT;
  -- Exactly one owner: the person at the workstation, created at first start.
  CREATE UNIQUE INDEX members_single_owner ON members (role) WHERE role = 'owner';

  CREATE TABLE api_keys (
    id            TEXT PRIMARY KEY,            -- key_<hex>
    member_id     TEXT NOT NULL REFERENCES members (id),
    name          TEXT NOT NULL,
    hash          BLOB NOT NULL UNIQUE,        -- SHA-256 of the key; the key itself is never stored
    prefix        TEXT NOT NULL,               -- btk_ + 4 characters, for display
    last4         TEXT NOT NULL,
    created_ms    INTEGER NOT NULL,
    expires_ms    INTEGER,
    revoked_ms    INTEGER,
    last_used_ms  INTEGER
  ) STRICT;
  CREATE INDEX api_keys_member ON api_keys (member_id);
  `,
];
