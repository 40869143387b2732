/**
 * Commits that may skip their own fsync. The database runs `synchronous = FULL` (every commit on disk
 * before the call returns, ~7 ms on the test VM's disk). In WAL mode a commit made with NORMAL instead
 * is safe against a crash of the process and is made durable by the next FULL commit, which fsyncs the
 * log with every frame before it; only a power cut before that can lose it, with the database intact.
 *
 * Used for the bookkeeping of a snapshot create around its one durable commit (the record turning
 * `ready`, before the API answers): the reserved record and its journal entry come before any storage
 * exists that recovery could not find by itself (storage without a record is removed at start-up), and
 * the journal entry's `done` after it changes nothing recovery does (it keeps a ready snapshot).
 */
import type { Database } from './database.js';

export function commitsWithoutFsync(db: Database): <T>(body: () => T) => T {
  return <T>(body: () => T): T => {
    db.pragma('synchronous = NORMAL');
    try {
      return body();
    } finally {
      db.pragma('synchronous = FULL');
    }
  };
}
