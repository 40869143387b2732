/**
 * Containers cowsnap stopped (for a restore or a snapshot's quiesce) and could not start again because
 * Docker went away meanwhile. Kept in the database so a crash, too, leaves the debt on record: the
 * restarter (core/container-restarter.ts) starts them once Docker answers, and start-up tries again.
 */
import type { Statement } from 'better-sqlite3';
import type { Clock } from '../core/clock.js';
import type { OwedStart, OwedStartsPort } from '../core/container-restarter.js';
import type { Database } from './database.js';
import { toMillis } from './row-mapping.js';

interface OwedStartRow {
  readonly container_id: string;
  readonly reason: string;
  readonly since: number;
}

export const V9_OWED_STARTS = `
CREATE TABLE owed_starts (
  container_id TEXT PRIMARY KEY,
  reason       TEXT NOT NULL,
  since        INTEGER NOT NULL
) STRICT;
`;

export class OwedStartsStore implements OwedStartsPort {
  private readonly upsert: Statement<[string, string, number]>;
  private readonly remove: Statement<[string]>;
  private readonly all: Statement<[], OwedStartRow>;

  constructor(db: Database, private readonly clock: Clock) {
    // A second debt for the same container keeps the first one's time: it is owed since then.
    this.upsert = db.prepare('INSERT INTO owed_starts (container_id, reason, since) VALUES (?, ?, ?) ON CONFLICT (container_id) DO UPDATE SET reason = excluded.reason');
    this.remove = db.prepare('DELETE FROM owed_starts WHERE container_id = ?');
    this.all = db.prepare('SELECT * FROM owed_starts ORDER BY since, container_id');
  }

  owe(containerId: string, reason: string): void {
    this.upsert.run(containerId, reason, toMillis(this.clock.now()));
  }

  settle(containerId: string): void {
    this.remove.run(containerId);
  }

  list(): OwedStart[] {
    return this.all.all().map((row) => ({ containerId: row.container_id, reason: row.reason, since: new Date(row.since) }));
  }
}
