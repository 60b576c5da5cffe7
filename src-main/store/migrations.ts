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
  // 3: limits, prices, the usage ledger, member credits, budget alerts and the audit log.
  `
  -- Limits per scope: 'org' (the whole lab), 'default' (members without their own value) or a
  -- member id. value_json holds only the fields set for that scope: a key that is absent inherits
  -- (member ← default), a key set to null means "no limit".
  CREATE TABLE limits (
    scope       TEXT PRIMARY KEY,
    value_json  TEXT NOT NULL,
    updated_ms  INTEGER NOT NULL
  ) STRICT;

  -- Price per million tokens, in micro-dollars, and who pays. Models without a row cost 0 and
  -- are org-paid.
  CREATE TABLE prices (
    model                  TEXT PRIMARY KEY,
    input_micros_per_mtok  INTEGER NOT NULL CHECK (input_micros_per_mtok >= 0),
    output_micros_per_mtok INTEGER NOT NULL CHECK (output_micros_per_mtok >= 0),
    billing_mode           TEXT NOT NULL CHECK (billing_mode IN ('org', 'member')),
    updated_ms             INTEGER NOT NULL
  ) STRICT;

  -- One row per request attempt, written as 'reserved' in the admission transaction before the
  -- request is dispatched, then 'settled' (real or estimated cost) or 'released' (never started).
  CREATE TABLE usage (
    id                TEXT PRIMARY KEY,        -- <request id>:<attempt>
    request_id        TEXT NOT NULL,
    attempt           INTEGER NOT NULL,
    member_id         TEXT NOT NULL REFERENCES members (id),
    key_id            TEXT REFERENCES api_keys (id),
    endpoint          TEXT NOT NULL,           -- chat.completions | completions | embeddings | messages
    requested_model   TEXT NOT NULL,
    served_model      TEXT,
    provider          TEXT,                    -- provider of record: 'local' or a connection id
    billing_mode      TEXT NOT NULL CHECK (billing_mode IN ('org', 'member')),
    stream            INTEGER NOT NULL,
    state             TEXT NOT NULL CHECK (state IN ('reserved', 'settled', 'released')),
    created_ms        INTEGER NOT NULL,        -- admission time; decides the day and month
    day               TEXT NOT NULL,           -- YYYY-MM-DD in the org time zone at admission
    month             TEXT NOT NULL,           -- YYYY-MM, likewise
    reserved_tokens   INTEGER NOT NULL,        -- worst case counted against tokens per minute
    reserved_micros   INTEGER NOT NULL,        -- worst-case cost held against every budget
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    cached_tokens     INTEGER,
    cost_micros       INTEGER,
    usage_source      TEXT,                    -- engine | provider | estimate | reserved_max
    estimated         INTEGER NOT NULL DEFAULT 0,
    orphaned          INTEGER NOT NULL DEFAULT 0, -- settled by the startup sweep after a crash
    outcome           TEXT,                    -- ok | aborted | error
    error_code        TEXT,
    http_status       INTEGER,
    ttft_ms           INTEGER,
    latency_ms        INTEGER,
    settled_ms        INTEGER,
    fallback_json     TEXT,                    -- failover attempts (pools, a later issue)
    redactions        INTEGER NOT NULL DEFAULT 0,
    upstream_request_id TEXT,
    UNIQUE (request_id, attempt)
  ) STRICT;
  -- Every index is written on every admission, so there are few: months are day ranges
  -- ('2026-03-01' … '2026-03-31'), served by the day indexes.
  CREATE INDEX usage_member_day ON usage (member_id, day);
  CREATE INDEX usage_day ON usage (day);
  CREATE INDEX usage_created ON usage (created_ms);
  CREATE INDEX usage_member_created ON usage (member_id, created_ms);
  CREATE INDEX usage_reserved ON usage (state) WHERE state = 'reserved';

  -- Member credits: a balance is the sum of this ledger, never a stored number.
  CREATE TABLE credit_ledger (
    id            INTEGER PRIMARY KEY,
    member_id     TEXT NOT NULL REFERENCES members (id),
    kind          TEXT NOT NULL CHECK (kind IN ('grant', 'topup', 'debit', 'adjustment')),
    amount_micros INTEGER NOT NULL,            -- positive credits, negative debits
    usage_id      TEXT REFERENCES usage (id),
    actor_id      TEXT,
    note          TEXT,
    created_ms    INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX credit_ledger_member ON credit_ledger (member_id, id);

  -- Spend alerts, each raised once per scope, cap, threshold and period.
  CREATE TABLE alerts (
    id             TEXT PRIMARY KEY,
    member_id      TEXT REFERENCES members (id), -- NULL: the whole org
    kind           TEXT NOT NULL CHECK (kind IN ('daily_cap', 'monthly_cap', 'credits')),
    threshold_pct  INTEGER NOT NULL,
    period         TEXT NOT NULL,              -- the day or month key, or '' for credits
    cap_micros     INTEGER NOT NULL,
    spent_micros   INTEGER NOT NULL,
    created_ms     INTEGER NOT NULL
  ) STRICT;
  CREATE UNIQUE INDEX alerts_once ON alerts (ifnull(member_id, ''), kind, threshold_pct, period);
  CREATE INDEX alerts_created ON alerts (created_ms);

  -- Every admin action; append-only and hash-chained (hash = sha256(prev_hash | row)).
  CREATE TABLE audit_log (
    seq          INTEGER PRIMARY KEY,
    ts_ms        INTEGER NOT NULL,
    actor_id     TEXT,
    actor_role   TEXT,
    action       TEXT NOT NULL,
    target_type  TEXT NOT NULL,
    target_id    TEXT,
    before_json  TEXT,
    after_json   TEXT,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
  ) STRICT;
  CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
  CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
  `,
  // 4: remote provider connections (keys encrypted by the SecretCipher) and the pools that
  // expose them as model ids.
  `
  CREATE TABLE connections (
    id            TEXT PRIMARY KEY,            -- con_<hex>
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL
                  CHECK (kind IN ('openai', 'anthropic', 'groq', 'openrouter', 'openai_compatible')),
    base_url      TEXT NOT NULL,               -- e.g. https://api.openai.com/v1
    headers_json  TEXT NOT NULL DEFAULT '{}',  -- extra request headers (not secrets)
    region        TEXT,                        -- declared by the admin, shown to members
    retention     TEXT,                        -- declared data-retention note
    created_ms    INTEGER NOT NULL,
    updated_ms    INTEGER NOT NULL,
    deleted_ms    INTEGER                      -- soft delete: usage rows keep pointing here
  ) STRICT;

  CREATE TABLE connection_keys (
    id            TEXT PRIMARY KEY,            -- ck_<hex>
    connection_id TEXT NOT NULL REFERENCES connections (id),
    label         TEXT NOT NULL,
    secret        BLOB NOT NULL,               -- SecretCipher output; never the plain key
    last4         TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'active'
                  CHECK (status IN ('active', 'disabled', 'exhausted', 'deleted')),
    status_reason TEXT,
    created_ms    INTEGER NOT NULL,
    updated_ms    INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX connection_keys_connection ON connection_keys (connection_id);
  -- Per-connection usage (the provider of record is a connection id for pooled requests).
  CREATE INDEX usage_provider ON usage (provider, created_ms);

  CREATE TABLE pools (
    id            TEXT PRIMARY KEY,            -- the model id clients call, e.g. 'gpt-4o'
    strategy      TEXT NOT NULL CHECK (strategy IN
                  ('priority', 'round_robin', 'weighted', 'least_in_flight', 'lowest_latency')),
    max_attempts  INTEGER NOT NULL DEFAULT 3 CHECK (max_attempts BETWEEN 1 AND 10),
    created_ms    INTEGER NOT NULL,
    updated_ms    INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE pool_targets (
    id             TEXT PRIMARY KEY,           -- pt_<hex>
    pool_id        TEXT NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    connection_id  TEXT NOT NULL REFERENCES connections (id),
    upstream_model TEXT NOT NULL,              -- the model id the upstream knows
    priority       INTEGER NOT NULL DEFAULT 0, -- lower is tried first (priority strategy)
    weight         INTEGER NOT NULL DEFAULT 1 CHECK (weight > 0),
    UNIQUE (pool_id, connection_id, upstream_model)
  ) STRICT;
  `,
  // 5: desktop chat. Conversations are private to their author (no route shows them to anyone
  // else); full-text search over titles and message text through two FTS5 indexes kept in sync
  // by triggers. `seq` is each table's stable rowid, the key the FTS indexes point at.
  `
  CREATE TABLE conversations (
    seq            INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,       -- conv_<hex>
    member_id      TEXT NOT NULL REFERENCES members (id),
    title          TEXT NOT NULL,
    system_prompt  TEXT NOT NULL DEFAULT '',
    model          TEXT,                       -- the model picked for the next message
    activity       INTEGER NOT NULL,           -- per-member counter bumped on every change: list order
    created_ms     INTEGER NOT NULL,
    updated_ms     INTEGER NOT NULL
  ) STRICT;
  CREATE UNIQUE INDEX conversations_member_activity ON conversations (member_id, activity);

  CREATE TABLE messages (
    seq               INTEGER PRIMARY KEY,
    id                TEXT NOT NULL UNIQUE,    -- msg_<hex>
    conversation_id   TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    position          INTEGER NOT NULL,        -- 0-based, contiguous within the conversation
    role              TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'system')),
    content           TEXT NOT NULL,
    model             TEXT,                    -- the model that answered (assistant messages)
    request_id        TEXT,                    -- x-request-id of the completion: its usage rows
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    cost_micros       INTEGER,                 -- from the ledger, once the usage rows settled
    ttft_ms           INTEGER,                 -- measured by the client
    duration_ms       INTEGER,
    tokens_per_s      REAL,
    finish_reason     TEXT,                    -- stop | length | aborted | error …
    error_code        TEXT,
    error_message     TEXT,
    created_ms        INTEGER NOT NULL,
    UNIQUE (conversation_id, position)
  ) STRICT;

  CREATE VIRTUAL TABLE conversations_fts USING fts5(
    title, content = 'conversations', content_rowid = 'seq', tokenize = 'unicode61 remove_diacritics 2'
  );
  CREATE VIRTUAL TABLE messages_fts USING fts5(
    content, content = 'messages', content_rowid = 'seq', tokenize = 'unicode61 remove_diacritics 2'
  );
  CREATE TRIGGER conversations_fts_insert AFTER INSERT ON conversations BEGIN
    INSERT INTO conversations_fts (rowid, title) VALUES (new.seq, new.title);
  END;
  CREATE TRIGGER conversations_fts_delete AFTER DELETE ON conversations BEGIN
    INSERT INTO conversations_fts (conversations_fts, rowid, title) VALUES ('delete', old.seq, old.title);
  END;
  CREATE TRIGGER conversations_fts_update AFTER UPDATE OF title ON conversations BEGIN
    INSERT INTO conversations_fts (conversations_fts, rowid, title) VALUES ('delete', old.seq, old.title);
    INSERT INTO conversations_fts (rowid, title) VALUES (new.seq, new.title);
  END;
  CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, content) VALUES (new.seq, new.content);
  END;
  CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.seq, old.content);
  END;
  CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.seq, old.content);
    INSERT INTO messages_fts (rowid, content) VALUES (new.seq, new.content);
  END;
  `,
  // Per-model load settings (issue 10): NULL = not set (auto / the engine default). Kept apart
  // from `models` (the scan record) so settings survive a file being moved away and back.
  // gpu_layers is TEXT: a layer count or 'max'.
  `
  CREATE TABLE model_settings (
    model_id TEXT PRIMARY KEY,
    context_size INTEGER CHECK (context_size IS NULL OR context_size > 0),
    gpu_layers TEXT,
    flash_attention INTEGER CHECK (flash_attention IS NULL OR flash_attention IN (0, 1)),
    kv_cache_type TEXT,
    sequences INTEGER CHECK (sequences IS NULL OR sequences > 0),
    updated_ms INTEGER NOT NULL
  ) STRICT;
  `,
  // Credential-like connection headers (x-goog-api-key, cf-aig-authorization…) encrypted like
  // provider keys: {name: {secret: <base64 SecretCipher output>, last4}}. Rows written before
  // this kept them in headers_json; the core moves them here at start (it needs the cipher).
  `
  ALTER TABLE connections ADD COLUMN secret_headers_json TEXT NOT NULL DEFAULT '{}';
  `,
  // Routing (issue 15): categories with their route and kNN examples, aliases (ordered fallback
  // chains of model ids), categories of any exposed model id, and what the router decided per
  // usage row (the fallback path goes to fallback_json at settlement).
  `
  CREATE TABLE route_categories (
    name          TEXT PRIMARY KEY,
    description   TEXT NOT NULL DEFAULT '',
    examples_json TEXT NOT NULL DEFAULT '[]',
    target        TEXT,                    -- model, pool or alias id; NULL = the default target
    builtin       INTEGER NOT NULL DEFAULT 0,
    position      INTEGER NOT NULL,
    updated_ms    INTEGER NOT NULL
  ) STRICT;
  INSERT INTO route_categories (name, description, builtin, position, updated_ms) VALUES
    ('simple', 'Short factual questions, greetings, small edits and quick lookups.', 1, 1, 0),
    ('general', 'Everyday writing, explanation, summaries and conversation.', 1, 2, 0),
    ('reasoning', 'Multi-step problems: maths, logic, planning, analysis that needs careful thought.', 1, 3, 0),
    ('code', 'Writing, reading, debugging or explaining source code, shell commands and tools.', 1, 4, 0),
    ('embedding', 'Vector embeddings of text for search (never chosen for a chat).', 1, 5, 0);
  CREATE TABLE aliases (
    id           TEXT PRIMARY KEY,
    description  TEXT NOT NULL DEFAULT '',
    targets_json TEXT NOT NULL,            -- ordered model ids
    created_ms   INTEGER NOT NULL,
    updated_ms   INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE model_categories (
    model_id        TEXT PRIMARY KEY,      -- a local model, pool or alias id
    categories_json TEXT NOT NULL,
    updated_ms      INTEGER NOT NULL
  ) STRICT;
  ALTER TABLE usage ADD COLUMN route_category TEXT;
  ALTER TABLE usage ADD COLUMN route_classifier TEXT;
  ALTER TABLE usage ADD COLUMN route_tokens INTEGER;
  `,
  // Guardrails (issue 16): PII policies of the org ('org', scope_id ''), of members and of
  // models/pools/aliases (most specific wins: see guard/policies.ts), and KeyVault per
  // connection (on unless the owner turns it off).
  `
  CREATE TABLE guard_policies (
    scope            TEXT NOT NULL CHECK (scope IN ('org', 'member', 'model')),
    scope_id         TEXT NOT NULL,
    pii_mode         TEXT NOT NULL CHECK (pii_mode IN ('off', 'flag', 'redact', 'block', 'keep-local')),
    pii_types_json   TEXT,                  -- NULL = every type
    apply_local      INTEGER NOT NULL DEFAULT 0 CHECK (apply_local IN (0, 1)),
    keep_local_model TEXT,
    restore          INTEGER CHECK (restore IS NULL OR restore IN (0, 1)),
    updated_ms       INTEGER NOT NULL,
    PRIMARY KEY (scope, scope_id)
  ) STRICT;
  ALTER TABLE connections ADD COLUMN redact_secrets INTEGER NOT NULL DEFAULT 1;
  `,
  // The per-request audit record and optional body retention (issue 16, parts 3 and 4).
  // usage: the guard step's record (GuardRecord JSON: counts per type, never values; NULL: no
  // guard ran), the model version served (local: '<file> sha256:<hex>'; remote: the upstream's
  // own model string) and the region and retention the serving connection declared at the time.
  // models: the file's SHA-256 and the '<size>:<mtime_ms>:<path>' it was computed for (a hash of
  // another size, mtime or path is stale). members: a body retention override (NULL: the org's
  // setting; 0: never; N days). request_bodies: a request and its answer, sealed by the
  // SecretCipher, kept until expires_ms (the retention sweep) or until its usage row goes.
  `
  ALTER TABLE usage ADD COLUMN guard_json TEXT;
  ALTER TABLE usage ADD COLUMN model_version TEXT;
  ALTER TABLE usage ADD COLUMN provider_region TEXT;
  ALTER TABLE usage ADD COLUMN provider_retention TEXT;
  ALTER TABLE models ADD COLUMN sha256 TEXT;
  ALTER TABLE models ADD COLUMN sha256_of TEXT;
  ALTER TABLE members ADD COLUMN body_retention_days INTEGER
    CHECK (body_retention_days IS NULL OR body_retention_days BETWEEN 0 AND 3650);
  CREATE TABLE request_bodies (
    usage_id       TEXT PRIMARY KEY REFERENCES usage (id) ON DELETE CASCADE,
    request_id     TEXT NOT NULL,
    member_id      TEXT NOT NULL REFERENCES members (id),
    created_ms     INTEGER NOT NULL,
    expires_ms     INTEGER NOT NULL,
    request        BLOB NOT NULL,              -- SecretCipher output of the request's JSON
    response       BLOB NOT NULL,              -- SecretCipher output of the answer's JSON
    request_bytes  INTEGER NOT NULL,           -- plaintext sizes (UTF-8 bytes)
    response_bytes INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX request_bodies_expires ON request_bodies (expires_ms);
  `,
  // Stored Responses API responses (issue 12): `store` (true by default, as OpenAI's) keeps a
  // response so `previous_response_id` can continue it and GET /v1/responses/{id} return it.
  // Private to the member who made it (every read takes the member id). `sealed` is the
  // SecretCipher output of {response, items}: the response object and the whole conversation it
  // ended (input and output items, oldest first), as the client sent it. `bytes` is the
  // plaintext size, bounding what a member keeps (config responses.maxStoredBytesPerMember: the
  // oldest go first); the retention sweep deletes rows from `expires_ms` on (responses.ttlDays).
  `
  CREATE TABLE stored_responses (
    id          TEXT PRIMARY KEY,              -- resp_…
    member_id   TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    created_ms  INTEGER NOT NULL,
    expires_ms  INTEGER NOT NULL,
    bytes       INTEGER NOT NULL,
    sealed      BLOB NOT NULL
  ) STRICT;
  CREATE INDEX stored_responses_member ON stored_responses (member_id, created_ms);
  CREATE INDEX stored_responses_expires ON stored_responses (expires_ms);
  `,
  // Cache-aware prices (issue 12, part 4). prices: the cache-read and cache-write rates per
  // million tokens (NULL: the input rate). usage: prompt tokens written to an upstream's cache
  // (Anthropic's cache_creation_input_tokens; NULL on rows settled before, and when unknown);
  // cached_tokens stays the cache reads.
  `
  ALTER TABLE prices ADD COLUMN cache_read_micros_per_mtok INTEGER
    CHECK (cache_read_micros_per_mtok IS NULL OR cache_read_micros_per_mtok >= 0);
  ALTER TABLE prices ADD COLUMN cache_write_micros_per_mtok INTEGER
    CHECK (cache_write_micros_per_mtok IS NULL OR cache_write_micros_per_mtok >= 0);
  ALTER TABLE usage ADD COLUMN cache_write_tokens INTEGER;
  `,
  // Sessions (issue 12, part 6): the client's session id on each usage row (Claude Code's
  // x-claude-code-session-id, else x-session-id): untrusted client text, stored with control and
  // format characters removed and at most 128 characters; NULL: the client sent none. Sessions
  // are per member (two members' equal ids are two sessions); the index serves the request log's
  // session filter and the per-session sums (rows without a session are not in it).
  `
  ALTER TABLE usage ADD COLUMN session_id TEXT;
  CREATE INDEX usage_session ON usage (member_id, session_id, created_ms)
    WHERE session_id IS NOT NULL;
  `,
];
