/** The audit log (design.md §9): who did what to which target, with which result. */

export interface AuditEntry {
  readonly id: number;
  readonly at: Date;
  /** The key's id, "bootstrap" for the token file's token, or "system" for background work. */
  readonly keyId: string;
  /** The project of the target (or of the key when the target has none); null for host-wide actions. */
  readonly projectId: string | null;
  /** The route's operation id (createSnapshot, revokeKey, ...) or a background action (reaper.delete, schedule.run). */
  readonly action: string;
  /** The request path, or container/snapshot for background actions. */
  readonly target: string;
  /** The HTTP status answered (background actions: the status the same failure would have answered). */
  readonly result: number;
  readonly requestId: string | null;
}

export type NewAuditEntry = Omit<AuditEntry, 'id'>;

export interface AuditQuery {
  readonly project?: string;
  readonly since?: Date;
  readonly action?: string;
  readonly keyId?: string;
  readonly limit: number;
  readonly offset: number;
}

export interface AuditStorePort {
  record(entry: NewAuditEntry): void;
  list(query: AuditQuery): { entries: AuditEntry[]; total: number };
  pruneBefore(before: Date): number;
}
