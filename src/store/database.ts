/**
 * Opens cowsnap's SQLite database: WAL (readers never wait for the writer), a busy timeout (a second
 * process waits instead of failing), foreign keys enforced, then migrations.
 */
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { InternalError } from '../errors/internal-error.js';
import { migrate } from './migrations.js';

export type Database = BetterSqlite3.Database;

export interface OpenDatabaseOptions {
  /** How long a statement waits for another connection's write lock before failing. */
  readonly busyTimeoutMs?: number;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

/** `path` may be ':memory:' (tests). A file database and its parent folder are created when missing. */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): Database {
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  const inMemory = path === ':memory:';
  let db: Database;
  try {
    if (!inMemory) {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      // SQLite would create a missing file with 0644 & ~umask, readable by all until the chmod below;
      // creating it 0600 first (an existing file is left as it is) closes that window.
      closeSync(openSync(path, 'a', 0o600));
    }
    db = new BetterSqlite3(path, { timeout: busyTimeoutMs });
  } catch (error) {
    throw new InternalError('database_open_failed', `Cannot open the database ${path}: ${messageOf(error)}`, { cause: error });
  }
  try {
    if (!inMemory) {
      // Only env values are encrypted; commands, labels and paths are still nobody else's business.
      // SQLite gives the -wal and -shm files the same mode as the database.
      chmodSync(path, 0o600);
      const mode: unknown = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal') throw new Error(`SQLite refused WAL mode (journal_mode is ${String(mode)})`);
    }
    // FULL: a commit is on disk before the call returns; cowsnap's writes are few and must not be lost.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`);
    migrate(db);
    return db;
  } catch (error) {
    db.close();
    if (error instanceof InternalError) throw error;
    throw new InternalError('database_open_failed', `Cannot prepare the database ${path}: ${messageOf(error)}`, { cause: error });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
