/**
 * A token that changes whenever the database's content may have changed, for caches of read results that
 * must never be stale (core/snapshot-list-cache.ts). `total_changes()` counts every row inserted, updated
 * or deleted through this connection (the service's only one: every write of the service, background
 * size measurement, replica and expiry updates, deletions, trigger and cascade-free statements alike);
 * `data_version` changes when another connection commits (a second process on the same file, e.g. a CLI
 * command run against the database). A write that changes nothing still moves the token: a needless miss,
 * never a stale hit. Undefined inside an open transaction: what is read there may be rolled back, and a
 * rollback does not move `total_changes()`.
 */
import type { Database } from './database.js';

export function dataGeneration(db: Database): () => string | undefined {
  const statement = db.prepare<[], [number, number]>('SELECT total_changes(), (SELECT data_version FROM pragma_data_version)').raw();
  return () => {
    if (db.inTransaction) return undefined;
    const row = statement.get();
    if (row === undefined) throw new Error('total_changes() returned no row');
    return `${String(row[0])}:${String(row[1])}`;
  };
}
