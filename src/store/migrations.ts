/**
 * Schema migrations, keyed on `PRAGMA user_version`: migration i (0-based) takes the database from
 * version i to i + 1. APPEND ONLY — a shipped migration never changes, since databases in the field
 * have already run it; a later schema change (e.g. schedules, issue 5) is a new entry at the end.
 */
import type { Database } from './database.js';
import { InternalError } from '../errors/internal-error.js';
import { V8_SNAPSHOT_POOL_TOTALS } from './snapshot-pool-totals-sql.js';
import { V9_OWED_STARTS } from './owed-starts-store.js';

export interface Migration {
  /** What the migration does, for errors and logs. */
  readonly description: string;
  readonly up: (db: Database) => void;
}

// Times are integer milliseconds since the epoch (UTC): exact, sortable, and cheap to index.
const V1_CORE_TABLES = `
CREATE TABLE containers (
  id            TEXT PRIMARY KEY NOT NULL CHECK (length(id) > 0),
  name          TEXT NOT NULL,
  image         TEXT NOT NULL,
  first_seen_at INTEGER NOT NULL,
  last_seen_at  INTEGER NOT NULL,
  removed_at    INTEGER
) STRICT;
CREATE INDEX containers_name ON containers (name);

-- AUTOINCREMENT: ids are part of storage snapshot names, so an id must never be handed out twice.
CREATE TABLE snapshots (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  container_id   TEXT NOT NULL REFERENCES containers (id) ON DELETE RESTRICT,
  container_name TEXT NOT NULL,
  project_id     TEXT NOT NULL,
  name           TEXT NOT NULL CHECK (name GLOB 'snap-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]-[0-9][0-9][0-9][0-9][0-9][0-9]*'),
  alias          TEXT CHECK (alias IS NULL OR length(alias) BETWEEN 1 AND 100),
  created_at     INTEGER NOT NULL,
  expires_at     INTEGER,
  last_used_at   INTEGER,
  state          TEXT NOT NULL CHECK (state IN ('creating', 'ready', 'failed', 'deleting')),
  size_bytes     INTEGER CHECK (size_bytes IS NULL OR size_bytes >= 0),
  tags           TEXT NOT NULL CHECK (json_valid(tags) AND json_type(tags) = 'array'),
  uncaptured     TEXT NOT NULL CHECK (json_valid(uncaptured) AND json_type(uncaptured) = 'array'),
  -- The container's configuration with env sealed by the SecretBox (see snapshot-config-codec.ts).
  config         TEXT NOT NULL CHECK (json_valid(config)),
  origin         TEXT NOT NULL CHECK (origin IN ('api', 'safety') OR origin GLOB 'schedule:?*'),
  error          TEXT
) STRICT;
CREATE UNIQUE INDEX snapshots_container_name ON snapshots (container_id, name);
CREATE UNIQUE INDEX snapshots_container_alias ON snapshots (container_id, alias) WHERE alias IS NOT NULL;
CREATE INDEX snapshots_container_created ON snapshots (container_id, created_at DESC, id DESC);
-- The reaper's query; permanent snapshots (most of them) stay out of the index.
CREATE INDEX snapshots_expires_at ON snapshots (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE snapshot_filesystems (
  snapshot_id INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
  position    INTEGER NOT NULL,
  role        TEXT NOT NULL CHECK (role IN ('rootfs', 'mount')),
  mount_point TEXT NOT NULL,
  driver      TEXT NOT NULL CHECK (driver IN ('btrfs', 'zfs')),
  pool        TEXT NOT NULL,
  dataset     TEXT NOT NULL,
  PRIMARY KEY (snapshot_id, position),
  UNIQUE (snapshot_id, mount_point)
) STRICT;

-- No foreign key to containers: the journal must be writable whatever else is (or is not) recorded.
CREATE TABLE operations (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  kind          TEXT NOT NULL CHECK (kind IN ('create', 'restore', 'delete', 'copy')),
  container_id  TEXT NOT NULL,
  snapshot_name TEXT,
  state         TEXT NOT NULL CHECK (state IN ('running', 'done', 'failed')),
  step          TEXT NOT NULL,
  payload       TEXT NOT NULL CHECK (json_valid(payload) AND json_type(payload) = 'object'),
  started_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  error         TEXT
) STRICT;
CREATE INDEX operations_running ON operations (id) WHERE state = 'running';
`;

// Issue 5: snapshot schedules, and the reaper's retry state on snapshots.
const V2_SCHEDULES_AND_REAPER = `
-- A delete the reaper could not finish is retried after next_reap_at (backoff grows with reap_attempts).
ALTER TABLE snapshots ADD COLUMN reap_attempts INTEGER NOT NULL DEFAULT 0 CHECK (reap_attempts >= 0);
ALTER TABLE snapshots ADD COLUMN next_reap_at INTEGER;
-- keep_min counts a schedule's newest ready snapshots; only scheduled snapshots need to be in this index.
CREATE INDEX snapshots_origin_created ON snapshots (origin, created_at DESC, id DESC) WHERE origin GLOB 'schedule:*';

CREATE TABLE schedules (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  container_id   TEXT NOT NULL REFERENCES containers (id) ON DELETE RESTRICT,
  cron           TEXT NOT NULL CHECK (length(cron) BETWEEN 1 AND 200),
  timezone       TEXT NOT NULL CHECK (length(timezone) BETWEEN 1 AND 100),
  alias_template TEXT CHECK (alias_template IS NULL OR length(alias_template) BETWEEN 1 AND 100),
  expiry_days    INTEGER CHECK (expiry_days IS NULL OR expiry_days BETWEEN 1 AND 3650),
  quiesce        TEXT NOT NULL CHECK (quiesce IN ('none', 'pause', 'stop')),
  keep_min       INTEGER NOT NULL CHECK (keep_min >= 0),
  paused         INTEGER NOT NULL CHECK (paused IN (0, 1)),
  paused_reason  TEXT,
  run_count      INTEGER NOT NULL DEFAULT 0 CHECK (run_count >= 0),
  -- The newest cron slot (ms) a run was claimed for: a slot runs only if it is newer, so never twice.
  last_slot      INTEGER,
  last_run_at    INTEGER,
  last_snapshot  TEXT,
  last_error     TEXT,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX schedules_container ON schedules (container_id, id);
`;

// tracked_operations as V3 made it, which V4 rebuilt with only the kind's CHECK dropped. Shared text of
// two shipped migrations: frozen like them (test/store/migration-sql-pinned.test.ts pins the SQL they run).
const TRACKED_OPERATION_COLUMNS_AFTER_KIND = `  status        TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
  container_id  TEXT,
  snapshot_name TEXT,
  target        TEXT,
  bytes_done    INTEGER NOT NULL DEFAULT 0 CHECK (bytes_done >= 0),
  bytes_total   INTEGER CHECK (bytes_total IS NULL OR bytes_total >= 0),
  error_code    TEXT,
  error_message TEXT,
  started_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  finished_at   INTEGER,
  CHECK ((status = 'failed') = (error_code IS NOT NULL))
) STRICT;`;
const TRACKED_OPERATION_INDEXES = `CREATE INDEX tracked_operations_container ON tracked_operations (container_id, id DESC);
CREATE INDEX tracked_operations_status ON tracked_operations (status, id DESC);
`;

// Off-host replicas, part 1: operations a client follows (202 + id), and this host's replica records.
const V3_OPERATIONS_AND_REPLICAS = `
-- Not the crash journal (operations): what GET /operations/:id shows, kept after the work ends.
CREATE TABLE tracked_operations (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  kind          TEXT NOT NULL CHECK (kind IN ('replica.upload')),
${TRACKED_OPERATION_COLUMNS_AFTER_KIND}
${TRACKED_OPERATION_INDEXES}
-- Keyed by container id + snapshot name + remote, not by the snapshot row: deleting or expiring the
-- local snapshot never deletes its replica, and the record of the upload stays.
CREATE TABLE replicas (
  container_id    TEXT NOT NULL,
  snapshot_name   TEXT NOT NULL,
  remote_id       TEXT NOT NULL,
  snapshot_id     INTEGER NOT NULL,
  state           TEXT NOT NULL CHECK (state IN ('uploading', 'ready', 'failed')),
  parent_snapshot TEXT,
  plain_bytes     INTEGER CHECK (plain_bytes IS NULL OR plain_bytes >= 0),
  stored_bytes    INTEGER CHECK (stored_bytes IS NULL OR stored_bytes >= 0),
  uploaded_at     INTEGER,
  error           TEXT,
  operation_id    INTEGER,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  PRIMARY KEY (container_id, snapshot_name, remote_id)
) STRICT;
CREATE INDEX replicas_uploading ON replicas (state) WHERE state = 'uploading';
`;

// Restore, copy and recovery from remotes are tracked operations too. SQLite cannot change a CHECK, so
// the table is rebuilt; the kind is checked by the code (OPERATION_KINDS), not here, so the next kind
// needs no rebuild.
const V4_OPERATION_KINDS = `
CREATE TABLE tracked_operations_v4 (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  kind          TEXT NOT NULL,
${TRACKED_OPERATION_COLUMNS_AFTER_KIND}
INSERT INTO tracked_operations_v4 SELECT * FROM tracked_operations;
DROP TABLE tracked_operations;
ALTER TABLE tracked_operations_v4 RENAME TO tracked_operations;
${TRACKED_OPERATION_INDEXES}`;

// Issue 12: a schedule may replicate each snapshot it takes; a replica gets its own remote expiry, the
// schedule that pushed it (keep_min applies to the remote too), whether a full stream was asked for
// (full_every), and why the remote reaper keeps it past its expiry.
const V5_SCHEDULED_REPLICATION = `
ALTER TABLE schedules ADD COLUMN replicate_remote TEXT CHECK (replicate_remote IS NULL OR length(replicate_remote) > 0);
ALTER TABLE schedules ADD COLUMN replicate_expiry_days INTEGER CHECK (replicate_expiry_days IS NULL OR replicate_expiry_days >= 1);
ALTER TABLE schedules ADD COLUMN replicate_full_every INTEGER CHECK (replicate_full_every IS NULL OR replicate_full_every >= 1);
ALTER TABLE schedules ADD COLUMN replicate_since INTEGER;
-- Creation time of the newest snapshot of the schedule a push was started for: catch-up only looks past
-- it, so a replica the remote reaper deleted is never pushed again.
ALTER TABLE schedules ADD COLUMN replicate_watermark INTEGER;
ALTER TABLE replicas ADD COLUMN expires_at INTEGER;
ALTER TABLE replicas ADD COLUMN schedule_id INTEGER;
ALTER TABLE replicas ADD COLUMN full_requested INTEGER NOT NULL DEFAULT 0 CHECK (full_requested IN (0, 1));
ALTER TABLE replicas ADD COLUMN kept_because TEXT;
-- The remote reaper's query: only replicas with an expiry are in it.
CREATE INDEX replicas_expires_at ON replicas (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX replicas_schedule ON replicas (schedule_id, remote_id) WHERE schedule_id IS NOT NULL;
`;

// The event log (SSE replay, webhook source) and the webhook outbox. Deliveries keep their own copy of
// the body, so pruning old events never empties a delivery still waiting for its retry. Finished
// operations are pruned by age with the events, hence their index.
const V6_EVENTS_AND_WEBHOOKS = `
CREATE INDEX tracked_operations_finished ON tracked_operations (finished_at) WHERE finished_at IS NOT NULL;

CREATE TABLE events (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  type          TEXT NOT NULL,
  project_id    TEXT NOT NULL,
  container_id  TEXT,
  at            INTEGER NOT NULL,
  body          TEXT NOT NULL
) STRICT;
CREATE INDEX events_at ON events (at);

CREATE TABLE webhooks (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  url           TEXT NOT NULL,
  events        TEXT NOT NULL,
  secret_sealed TEXT NOT NULL,
  created_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE webhook_deliveries (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  webhook_id      INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  event_id        INTEGER,
  event_type      TEXT NOT NULL,
  body            TEXT NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error      TEXT,
  last_status     INTEGER,
  created_at      INTEGER NOT NULL,
  delivered_at    INTEGER
) STRICT;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id DESC);
`;

// Issue 14: projects (with their quotas), API keys (hashed), and the audit log; containers get a project.
const V7_ACCESS = `
-- Quotas are NULL when unlimited; max_replica_bytes is {"<remote id>": bytes} (a remote not listed: unlimited).
CREATE TABLE projects (
  id                 TEXT PRIMARY KEY NOT NULL CHECK (id GLOB '[a-z0-9]*' AND length(id) BETWEEN 1 AND 63),
  created_at         INTEGER NOT NULL,
  max_snapshots      INTEGER CHECK (max_snapshots IS NULL OR max_snapshots >= 0),
  max_snapshot_bytes INTEGER CHECK (max_snapshot_bytes IS NULL OR max_snapshot_bytes >= 0),
  max_schedules      INTEGER CHECK (max_schedules IS NULL OR max_schedules >= 0),
  max_replica_bytes  TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(max_replica_bytes) AND json_type(max_replica_bytes) = 'object')
) STRICT;
INSERT INTO projects (id, created_at) VALUES ('default', CAST(unixepoch('subsec') * 1000 AS INTEGER));

-- Every container seen before projects existed is in 'default', like the snapshots already recorded.
ALTER TABLE containers ADD COLUMN project_id TEXT NOT NULL DEFAULT 'default';
CREATE INDEX containers_project ON containers (project_id);
CREATE INDEX snapshots_project_state ON snapshots (project_id, state);

-- The secret is never stored: only scrypt(secret, salt). project_id '*' = every project.
CREATE TABLE api_keys (
  id          TEXT PRIMARY KEY NOT NULL CHECK (length(id) BETWEEN 1 AND 64),
  name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  project_id  TEXT NOT NULL,
  role        TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
  salt        BLOB NOT NULL,
  hash        BLOB NOT NULL,
  created_at  INTEGER NOT NULL,
  created_by  TEXT NOT NULL,
  expires_at  INTEGER,
  revoked_at  INTEGER
) STRICT;
CREATE INDEX api_keys_project ON api_keys (project_id);

CREATE TABLE audit_log (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  at          INTEGER NOT NULL,
  key_id      TEXT NOT NULL,
  project_id  TEXT,
  action      TEXT NOT NULL,
  target      TEXT NOT NULL,
  result      INTEGER NOT NULL,
  request_id  TEXT
) STRICT;
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_project ON audit_log (project_id, id);
`;

// Covers project usage (count and sum of size_bytes per project and state) without reading each row:
// 4x faster at 10,000 snapshots, read on every /metrics scrape. Serves every query the old index did.
const PROJECT_USAGE_INDEX = `
DROP INDEX snapshots_project_state;
CREATE INDEX snapshots_project_usage ON snapshots (project_id, state, size_bytes);
`;

// The reaper's pass prunes finished journal entries (one per create, delete, restore, copy kept for the
// retention days): without an index that DELETE read every row each pass, 5.6 ms at 10,000 (issue #17: the
// reaper pass stays flat with 100 containers × 100 snapshots).
const JOURNAL_PRUNE_INDEX = `CREATE INDEX operations_finished ON operations (updated_at) WHERE state <> 'running';`;

// Start-up looks for records left `creating` by a crash; there are none or a few among thousands, and reading
// every record for them cost ~0.2 s at 10,000 (issue #17: start-up recovery stays flat).
const CREATING_INDEX = `CREATE INDEX snapshots_creating ON snapshots (id) WHERE state = 'creating';`;

export const MIGRATIONS: readonly Migration[] = [
  { description: 'containers, snapshots, snapshot filesystems, operation journal', up: (db) => db.exec(V1_CORE_TABLES) },
  { description: 'snapshot schedules; reaper retry state on snapshots', up: (db) => db.exec(V2_SCHEDULES_AND_REAPER) },
  { description: 'tracked operations; replica records', up: (db) => db.exec(V3_OPERATIONS_AND_REPLICAS) },
  { description: 'tracked operations of any kind (restore, copy and recovery from remotes)', up: (db) => db.exec(V4_OPERATION_KINDS) },
  { description: 'scheduled replication: replicate settings on schedules; remote expiry and retention on replicas', up: (db) => db.exec(V5_SCHEDULED_REPLICATION) },
  { description: 'event log; webhooks and their delivery outbox', up: (db) => db.exec(V6_EVENTS_AND_WEBHOOKS) },
  { description: 'projects with quotas, API keys, audit log; containers get a project', up: (db) => db.exec(V7_ACCESS) },
  { description: 'snapshot totals per pool and state kept by triggers (/metrics)', up: (db) => db.exec(V8_SNAPSHOT_POOL_TOTALS) },
  { description: "a project's snapshot count and bytes read from an index alone (/metrics, quotas)", up: (db) => db.exec(PROJECT_USAGE_INDEX) },
  { description: 'containers owed a start: stopped by cowsnap when Docker went away', up: (db) => db.exec(V9_OWED_STARTS) },
  { description: 'finished journal entries found by an index when pruned (the reaper pass)', up: (db) => db.exec(JOURNAL_PRUNE_INDEX) },
  { description: 'snapshots left creating found by an index (start-up recovery)', up: (db) => db.exec(CREATING_INDEX) },
];

export interface MigrationResult {
  readonly from: number;
  readonly to: number;
}

/**
 * Brings the database to the latest version. Each migration runs in its own IMMEDIATE transaction
 * together with its user_version bump, so a failure leaves the database at the previous version, and a
 * second process starting at the same moment waits and then finds the work done.
 */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): MigrationResult {
  const from = userVersion(db);
  if (from > migrations.length) {
    throw new InternalError(
      'database_too_new',
      `The database is at schema version ${from}, but this cowsnap knows only up to ${migrations.length}; it was written by a newer cowsnap.`,
    );
  }
  for (let version = from; version < migrations.length; version += 1) {
    const migration = migrations[version];
    if (migration === undefined) break;
    db.transaction(() => {
      // Re-read inside the lock: another process may have migrated while we waited for it.
      if (userVersion(db) !== version) return;
      try {
        migration.up(db);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new InternalError('database_migration_failed', `Database migration ${version + 1} (${migration.description}) failed: ${message}`, { cause: error });
      }
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
  return { from, to: userVersion(db) };
}

export function userVersion(db: Database): number {
  const version: unknown = db.pragma('user_version', { simple: true });
  return typeof version === 'number' ? version : Number(version);
}
