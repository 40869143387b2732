/**
 * The one seam where events come from: every tracked operation's state changes go through the operation
 * store, and this decorator turns each into an event (`started` when it runs, `progress` with bytes done,
 * `succeeded`/`failed` with duration and error code). Services keep talking to an OperationStorePort and
 * know nothing of events; replica uploads and everything the OperationTracker runs emit alike.
 */
import type { NewOperation, OperationOutcome, OperationQuery, OperationRecord, OperationStatus, OperationStorePort } from '../operations.js';
import type { EventBus } from './event-bus.js';
import type { EventPhase } from './event.js';

export function eventedOperations(store: OperationStorePort, bus: EventBus, projectOf: (containerId: string | null) => string): OperationStorePort {
  const emit = (operation: OperationRecord, phase: EventPhase): void => {
    const finished = phase === 'succeeded' || phase === 'failed';
    bus.emit({
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
    });
  };
  return {
    createOperation(input: NewOperation, status: OperationStatus): OperationRecord {
      const operation = store.createOperation(input, status);
      if (status === 'running') emit(operation, 'started');
      return operation;
    },
    markOperationRunning(id: number): void {
      store.markOperationRunning(id);
      const operation = store.getOperation(id);
      if (operation !== undefined) emit(operation, 'started');
    },
    recordOperationProgress(id: number, bytesDone: number, bytesTotal: number | null): void {
      store.recordOperationProgress(id, bytesDone, bytesTotal);
      const operation = store.getOperation(id);
      // A progress write after the end (a late tick) is no news.
      if (operation?.status === 'running') emit(operation, 'progress');
    },
    finishOperation(id: number, outcome: OperationOutcome): OperationRecord {
      const operation = store.finishOperation(id, outcome);
      emit(operation, operation.status === 'failed' ? 'failed' : 'succeeded');
      return operation;
    },
    getOperation: (id: number) => store.getOperation(id),
    listOperations: (query: OperationQuery) => store.listOperations(query),
  };
}
