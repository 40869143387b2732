/**
 * Writes the audit log: the router records every mutating request (audit-middleware.ts); background
 * work that changes things (the reaper's deletes, schedule runs) records itself here as `system`.
 */
import type { Logger } from 'pino';
import { toPublicError } from '../public-error.js';
import type { Clock } from '../clock.js';
import type { AuditStorePort, NewAuditEntry } from './audit.js';
import { SYSTEM } from './access-context.js';

export class AuditLog {
  constructor(
    private readonly store: Pick<AuditStorePort, 'record'>,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  record(entry: Omit<NewAuditEntry, 'at'>): void {
    try {
      this.store.record({ ...entry, at: this.clock.now() });
    } catch (error) {
      // The action already happened; failing its answer now would be a lie. The log keeps the loss.
      this.logger.error({ err: error, audit: entry }, 'audit entry could not be written');
    }
  }

  /** Runs a background action and records it as `system` with the status its outcome maps to. */
  async system<T>(action: string, target: string, projectId: string | null, fn: () => Promise<T>, successStatus = 200): Promise<T> {
    try {
      const result = await fn();
      this.record({ keyId: SYSTEM.keyId, projectId, action, target, result: successStatus, requestId: null });
      return result;
    } catch (error) {
      this.record({ keyId: SYSTEM.keyId, projectId, action, target, result: toPublicError(error).statusCode, requestId: null });
      throw error;
    }
  }
}
