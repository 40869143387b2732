/**
 * The one seam where events come from: every tracked operation's state changes go through the operation
 * store, and this decorator turns each into an event (`started` when it runs, `progress` with bytes done,
 * `succeeded`/`failed` with duration and error code). Services keep talking to an OperationStorePort and
 * know nothing of events; replica uploads and everything the OperationTracker runs emit alike.
 */
import type { NewOperation, OperationOutcome, OperationQuery, OperationRecord, OperationStatus, OperationStorePort } from '../operations.js';
import type { EventBus } from './event-bus.js';
import type { EventPhase, NewEvent } from './event.js';

export function eventedOperations(store: OperationStorePort, bus: EventBus, projectOf: (containerId: string | null) => string): OperationStorePort {
  const eventOf = (operation: OperationRecord, phase: EventPhase): NewEvent => {
    const finished = phase === 'succeeded' || phase === 'failed';
    return {
      kind: operation.kind,
      phase,
      projectId: projectOf(operation.containerId),
      containerId: operation.containerId,
      snapshotName: operation.snapshotName,
      operationId: operation.id,
      target: operation.target,
      durationMs: phase === 'started' ? null : (finished ? (operation.finishedAt ?? operation.updatedAt) : operation.updatedAt).getTime() - operation.startedAt.getTime(),
      bytesDone: phase === 'started' ? null : operation.bytesDone,
      bytesTotal: phase === 'started' ? null : operation.bytesTotal,
      error: operation.error,
    };
  };
  return {
    // Each change and its event are one commit (EventBus.emitWith).
    createOperation(input: NewOperation, status: OperationStatus): OperationRecord {
      return bus.emitWith(
        () => store.createOperation(input, status),
        (operation) => (status === 'running' ? eventOf(operation, 'started') : undefined),
      );
    },
    markOperationRunning(id: number): void {
      bus.emitWith(
        () => {
          store.markOperationRunning(id);
          return store.getOperation(id);
        },
        (operation) => (operation === undefined ? undefined : eventOf(operation, 'started')),
      );
    },
    recordOperationProgress(id: number, bytesDone: number, bytesTotal: number | null): void {
      bus.emitWith(
        () => {
          store.recordOperationProgress(id, bytesDone, bytesTotal);
          return store.getOperation(id);
        },
        // A progress write after the end (a late tick) is no news.
        (operation) => (operation?.status === 'running' ? eventOf(operation, 'progress') : undefined),
      );
    },
    finishOperation(id: number, outcome: OperationOutcome): OperationRecord {
      return bus.emitWith(
        () => store.finishOperation(id, outcome),
        (operation) => eventOf(operation, operation.status === 'failed' ? 'failed' : 'succeeded'),
      );
    },
    getOperation: (id: number) => store.getOperation(id),
    listOperations: (query: OperationQuery) => store.listOperations(query),
  };
}
