/**
 * Runs tracked operations (operations.ts) in the background: the request answers 202 with the
 * operation; the work runs here, writes its progress at most once a second, and ends `succeeded` or
 * `failed` with a code and a sentence a client may see (never a path or stderr: those go to the log).
 * A shutdown aborts what runs; the next start marks operations a stop cut off as failed (interrupted).
 */
import type { Logger } from 'pino';
import type { OperationError, OperationKindName, OperationStorePort } from './operations.js';
import { toPublicError } from './public-error.js';

const PROGRESS_WRITE_MS = 1000;

export interface OperationContext {
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** Bytes done and in total; written to the record at a bounded rate. */
  readonly progress: (done: number, total: number | null) => void;
}

export class BackgroundOperations {
  private readonly running = new Map<number, { controller: AbortController; finished: Promise<void> }>();

  constructor(private readonly deps: { operations: OperationStorePort; logger: Logger }) {}

  start(operationId: number, log: Logger, work: (context: OperationContext) => Promise<void>): void {
    const controller = new AbortController();
    const { operations } = this.deps;
    let lastWrite = 0;
    let latest: { done: number; total: number | null; written: boolean } | undefined;
    const context: OperationContext = {
      signal: controller.signal,
      log,
      progress(done, total) {
        latest = { done, total, written: false };
        const now = Date.now();
        if (now - lastWrite < PROGRESS_WRITE_MS && done !== total) return;
        lastWrite = now;
        latest.written = true;
        operations.recordOperationProgress(operationId, done, total);
      },
    };
    // The last figures are written when the work ends, also when it failed: how far it got is part of why.
    const flush = (): void => {
      if (latest !== undefined && !latest.written) operations.recordOperationProgress(operationId, latest.done, latest.total);
    };
    const finished = (async () => {
      operations.markOperationRunning(operationId);
      const started = performance.now();
      try {
        await work(context);
        flush();
        operations.finishOperation(operationId, { status: 'succeeded' });
        log.info({ seconds: Math.round(performance.now() - started) / 1000 }, 'operation succeeded');
      } catch (error) {
        flush();
        const failure = operationError(error);
        operations.finishOperation(operationId, { status: 'failed', error: failure });
        log.error({ err: error, code: failure.code, ...(!(error instanceof Error) && { thrown: String(error) }) }, 'operation failed');
      }
    })().finally(() => {
      this.running.delete(operationId);
    });
    this.running.set(operationId, { controller, finished });
  }

  /** Resolves when nothing runs (tests). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()].map((entry) => entry.finished));
  }

  /** Shutdown: aborts what runs (a download stops; what it received so far is removed) and waits for it. */
  async close(): Promise<void> {
    for (const { controller } of this.running.values()) controller.abort(new Error('cowsnap is shutting down'));
    await this.idle();
  }

  /** Start-up: operations of these kinds left queued or running by a stop or crash failed; says so. */
  failInterrupted(kinds: readonly OperationKindName[]): number {
    let failed = 0;
    for (const status of ['queued', 'running'] as const) {
      for (;;) {
        const page = this.deps.operations.listOperations({ status, limit: 500, offset: 0 }).operations.filter((op) => kinds.includes(op.kind));
        if (page.length === 0) break;
        for (const operation of page) {
          this.deps.operations.finishOperation(operation.id, {
            status: 'failed',
            error: { code: 'operation_interrupted', message: 'cowsnap stopped while this operation ran; nothing of it was kept. Start it again.' },
          });
          failed += 1;
        }
      }
    }
    return failed;
  }
}

/** What a client reads about the failure: the public error's code and sentence (paths and stderr stay in the log). */
function operationError(error: unknown): OperationError {
  const app = toPublicError(error);
  return { code: app.code, message: app.message };
}
