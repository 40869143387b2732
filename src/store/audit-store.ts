/** Audit rows: appended, listed newest first, pruned by age (config auditRetentionDays). */
import type { Statement } from 'better-sqlite3';
import type { AuditEntry, AuditQuery, AuditStorePort, NewAuditEntry } from '../core/access/audit.js';
import type { Database } from './database.js';

interface AuditRow {
  readonly id: number;
  readonly at: number;
  readonly key_id: string;
  readonly project_id: string | null;
  readonly action: string;
  readonly target: string;
  readonly result: number;
  readonly request_id: string | null;
}

interface Filter {
  project: string | null;
  since: number | null;
  action: string | null;
  keyId: string | null;
}

const WHERE = `(@project IS NULL OR project_id = @project) AND (@since IS NULL OR at >= @since)
  AND (@action IS NULL OR action = @action) AND (@keyId IS NULL OR key_id = @keyId)`;

export class AuditStore implements AuditStorePort {
  private readonly insert: Statement<[Omit<AuditRow, 'id'>]>;
  private readonly page: Statement<[Filter & { limit: number; offset: number }], AuditRow>;
  private readonly count: Statement<[Filter], { n: number }>;
  private readonly prune: Statement<[number]>;

  constructor(db: Database) {
    this.insert = db.prepare(
      `INSERT INTO audit_log (at, key_id, project_id, action, target, result, request_id)
       VALUES (@at, @key_id, @project_id, @action, @target, @result, @request_id)`,
    );
    this.page = db.prepare(`SELECT * FROM audit_log WHERE ${WHERE} ORDER BY id DESC LIMIT @limit OFFSET @offset`);
    this.count = db.prepare(`SELECT count(*) AS n FROM audit_log WHERE ${WHERE}`);
    this.prune = db.prepare('DELETE FROM audit_log WHERE at < ?');
  }

  record(entry: NewAuditEntry): void {
    this.insert.run({
      at: entry.at.getTime(),
      key_id: entry.keyId,
      project_id: entry.projectId,
      action: entry.action,
      target: entry.target,
      result: entry.result,
      request_id: entry.requestId,
    });
  }

  list(query: AuditQuery): { entries: AuditEntry[]; total: number } {
    const filter: Filter = {
      project: query.project ?? null,
      since: query.since?.getTime() ?? null,
      action: query.action ?? null,
      keyId: query.keyId ?? null,
    };
    const entries = this.page.all({ ...filter, limit: query.limit, offset: query.offset }).map(toEntry);
    return { entries, total: this.count.get(filter)?.n ?? 0 };
  }

  pruneBefore(before: Date): number {
    return this.prune.run(before.getTime()).changes;
  }
}

function toEntry(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    at: new Date(row.at),
    keyId: row.key_id,
    projectId: row.project_id,
    action: row.action,
    target: row.target,
    result: row.result,
    requestId: row.request_id,
  };
}
