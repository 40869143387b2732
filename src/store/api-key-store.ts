/** API key rows: looked up by id (the primary key), so finding a presented key never scans or compares secrets. */
import type { Statement } from 'better-sqlite3';
import type { ApiKeyRecord, ApiKeyStorePort, StoredApiKey } from '../core/access/api-key.js';
import type { Role } from '../core/access/role.js';
import type { Database } from './database.js';

interface KeyRow {
  readonly id: string;
  readonly name: string;
  readonly project_id: string;
  readonly role: Role;
  readonly salt: Buffer;
  readonly hash: Buffer;
  readonly created_at: number;
  readonly created_by: string;
  readonly expires_at: number | null;
  readonly revoked_at: number | null;
}

export class ApiKeyStore implements ApiKeyStorePort {
  private readonly insert: Statement<[KeyRow]>;
  private readonly byId: Statement<[string], KeyRow>;
  private readonly all: Statement<[], KeyRow>;
  private readonly ofProject: Statement<[string], KeyRow>;
  private readonly revoke: Statement<[{ id: string; at: number }], KeyRow>;
  private readonly countOfProject: Statement<[string], { n: number }>;

  constructor(db: Database) {
    this.insert = db.prepare(
      `INSERT INTO api_keys (id, name, project_id, role, salt, hash, created_at, created_by, expires_at, revoked_at)
       VALUES (@id, @name, @project_id, @role, @salt, @hash, @created_at, @created_by, @expires_at, @revoked_at)`,
    );
    this.byId = db.prepare('SELECT * FROM api_keys WHERE id = ?');
    this.all = db.prepare('SELECT * FROM api_keys ORDER BY created_at, id');
    this.ofProject = db.prepare('SELECT * FROM api_keys WHERE project_id = ? ORDER BY created_at, id');
    this.revoke = db.prepare('UPDATE api_keys SET revoked_at = coalesce(revoked_at, @at) WHERE id = @id RETURNING *');
    this.countOfProject = db.prepare('SELECT count(*) AS n FROM api_keys WHERE project_id = ? AND revoked_at IS NULL');
  }

  insertKey(key: StoredApiKey): void {
    this.insert.run({
      id: key.id,
      name: key.name,
      project_id: key.project,
      role: key.role,
      salt: key.salt,
      hash: key.hash,
      created_at: key.createdAt.getTime(),
      created_by: key.createdBy,
      expires_at: key.expiresAt?.getTime() ?? null,
      revoked_at: key.revokedAt?.getTime() ?? null,
    });
  }

  getKey(id: string): StoredApiKey | undefined {
    const row = this.byId.get(id);
    return row === undefined ? undefined : { ...toRecord(row), salt: row.salt, hash: row.hash };
  }

  /** Without the secrets' hashes: what listings show. */
  listKeys(project?: string): ApiKeyRecord[] {
    return (project === undefined ? this.all.all() : this.ofProject.all(project)).map(toRecord);
  }

  revokeKey(id: string, at: Date): ApiKeyRecord | undefined {
    const row = this.revoke.get({ id, at: at.getTime() });
    return row === undefined ? undefined : toRecord(row);
  }

  countKeysOfProject(project: string): number {
    return this.countOfProject.get(project)?.n ?? 0;
  }
}

function toRecord(row: KeyRow): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    project: row.project_id,
    role: row.role,
    createdAt: new Date(row.created_at),
    createdBy: row.created_by,
    expiresAt: row.expires_at === null ? null : new Date(row.expires_at),
    revokedAt: row.revoked_at === null ? null : new Date(row.revoked_at),
  };
}
