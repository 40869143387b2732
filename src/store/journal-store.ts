/**
 * The operation journal: one row per create/restore/delete/copy, written before the slow work starts
 * and updated after each step, so start-up can finish or undo whatever a crash interrupted.
 */
import type { Statement } from 'better-sqlite3';
import type { Clock } from '../core/clock.js';
import type { JournalEntry, OperationKind } from '../core/model.js';
import { NotFoundError } from '../errors/not-found-error.js';
import type { Database } from './database.js';
import { toJournalEntry, toMillis, type OperationRow } from './row-mapping.js';

/**
 * Runs on every reaper pass. INDEXED BY: preparing fails rather than reading every entry ever kept, should
 * the index (migrations.ts, JOURNAL_PRUNE_INDEX) go missing.
 */
export const JOURNAL_PRUNE_SQL = "DELETE FROM operations INDEXED BY operations_finished WHERE state <> 'running' AND updated_at < ?";

export class JournalStore {
  private readonly insert: Statement<[{ kind: OperationKind; containerId: string; snapshotName: string | null; payload: string; now: number }], OperationRow>;
  private readonly byId: Statement<[number], OperationRow>;
  private readonly setStep: Statement<[string, string, number, number]>;
  private readonly finish: Statement<[string, string | null, number, number]>;
  private readonly running: Statement<[], OperationRow>;
  private readonly prune: Statement<[number]>;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {
    this.insert = db.prepare(
      `INSERT INTO operations (kind, container_id, snapshot_name, state, step, payload, started_at, updated_at)
       VALUES (@kind, @containerId, @snapshotName, 'running', 'started', @payload, @now, @now) RETURNING *`,
    );
    this.byId = db.prepare('SELECT * FROM operations WHERE id = ?');
    this.setStep = db.prepare('UPDATE operations SET step = ?, payload = ?, updated_at = ? WHERE id = ?');
    this.finish = db.prepare('UPDATE operations SET state = ?, error = ?, updated_at = ? WHERE id = ?');
    this.running = db.prepare("SELECT * FROM operations WHERE state = 'running' ORDER BY id");
    this.prune = db.prepare(JOURNAL_PRUNE_SQL);
  }

  /** Opens a `running` entry at step "started". */
  startOperation(kind: OperationKind, containerId: string, snapshotName: string | null, payload: Record<string, unknown>): JournalEntry {
    const row = this.insert.get({ kind, containerId, snapshotName, payload: JSON.stringify(payload), now: toMillis(this.clock.now()) });
    if (row === undefined) throw new Error('journal insert returned no row');
    return toJournalEntry(row);
  }

  /**
   * Records the step reached. `payload` keys are merged into what is there (a key set to undefined is
   * dropped), so each step adds the facts it learned without restating the others.
   */
  updateOperation(id: number, step: string, payload?: Record<string, unknown>): void {
    this.db.transaction(() => {
      const current = this.mustGet(id);
      const merged = payload === undefined ? current.payload : { ...current.payload, ...payload };
      this.setStep.run(step, JSON.stringify(merged), toMillis(this.clock.now()), id);
    }).immediate();
  }

  finishOperation(id: number, state: 'done' | 'failed', error?: string): void {
    const changes = this.finish.run(state, error ?? null, toMillis(this.clock.now()), id).changes;
    if (changes === 0) throw notFound(id);
  }

  getOperation(id: number): JournalEntry | undefined {
    const row = this.byId.get(id);
    return row === undefined ? undefined : toJournalEntry(row);
  }

  /** Entries a crash left `running`, oldest first (the order they must be resolved in). */
  listUnfinishedOperations(): JournalEntry[] {
    return this.running.all().map(toJournalEntry);
  }

  /** Forgets finished entries last updated before `before`; returns how many. Running ones are kept. */
  pruneFinishedOperations(before: Date): number {
    return this.prune.run(toMillis(before)).changes;
  }

  private mustGet(id: number): JournalEntry {
    const entry = this.getOperation(id);
    if (entry === undefined) throw notFound(id);
    return entry;
  }
}

function notFound(id: number): NotFoundError {
  return new NotFoundError('operation_not_found', `No journal entry with id ${id}.`);
}
