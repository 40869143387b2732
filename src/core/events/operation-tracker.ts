/**
 * Runs an action as a tracked operation: a row GET /operations/:id shows, and (through the evented
 * operation store) its started/succeeded/failed events. Synchronous callers await the result; `launch`
 * answers at once with the operation (HTTP `Prefer: respond-async` → 202) and runs it in the background.
 */
import type { Logger } from 'pino';
import { toPublicError } from '../public-error.js';
import type { NewOperation, OperationRecord, OperationStorePort } from '../operations.js';

/**
 * What the finished action tells the record, when only known at the end: the snapshot it made or used, and
 * the container it worked on (the start names the container the cached lookup knew).
 */
export type Outcome<T> = (result: T) => { readonly snapshotName?: string; readonly containerId?: string };

export class OperationTracker {
  private readonly background = new Set<Promise<unknown>>();

  constructor(
    private readonly operations: OperationStorePort,
    private readonly logger: Logger,
    /**
     * Runs the start record of a synchronous `run` without its own fsync (store/commits-without-fsync.ts):
     * the caller gets nothing before the outcome's commit, which syncs and makes the start durable with it.
     * `launch` answers with the operation at once, so its start keeps its own fsync.
     */
    private readonly startWithoutFsync: <R>(body: () => R) => R = (body) => body(),
  ) {}

  async run<T>(input: NewOperation, body: () => Promise<T>, outcome?: Outcome<T>): Promise<T> {
    let operation: OperationRecord;
    try {
      operation = this.startWithoutFsync(() => this.operations.createOperation(input, 'running'));
    } catch (error) {
      // The record is for watching; the restore or delete itself must not fail because it cannot be written.
      this.logger.error({ err: error, kind: input.kind, container: input.containerId }, 'cannot record an operation; running it untracked');
      return body();
    }
    return this.finish(operation, body, outcome);
  }

  /** Starts the action and returns its operation at once; the result is read with GET /operations/:id. */
  launch<T>(input: NewOperation, body: () => Promise<T>, outcome?: Outcome<T>): OperationRecord {
    const operation = this.operations.createOperation(input, 'running');
    const running = this.finish(operation, body, outcome).catch(() => undefined);
    this.background.add(running);
    void running.finally(() => this.background.delete(running));
    return operation;
  }

  /** Waits for background operations (shutdown): they finish and record their outcome first. */
  async drain(): Promise<void> {
    await Promise.all([...this.background]);
  }

  private async finish<T>(operation: OperationRecord, body: () => Promise<T>, outcome?: Outcome<T>): Promise<T> {
    let result: T;
    try {
      result = await body();
    } catch (error) {
      const failure = toPublicError(error);
      this.safely(operation, () => this.operations.finishOperation(operation.id, { status: 'failed', error: { code: failure.code, message: failure.message } }));
      throw error;
    }
    const { snapshotName, containerId } = outcome?.(result) ?? {};
    this.safely(operation, () =>
      this.operations.finishOperation(operation.id, {
        status: 'succeeded',
        ...(snapshotName !== undefined && { snapshotName }),
        ...(containerId !== undefined && containerId !== operation.containerId && { containerId }),
      }),
    );
    return result;
  }

  /** The operation's own outcome matters more than its record: a failed write is logged, not thrown. */
  private safely(operation: OperationRecord, write: () => unknown): void {
    try {
      write();
    } catch (error) {
      this.logger.error({ err: error, operation: operation.id }, 'cannot record the outcome of an operation');
    }
  }
}
