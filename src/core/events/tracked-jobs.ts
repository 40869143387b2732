/**
 * The background work that changes snapshots, run as tracked operations so it emits events too: the
 * reaper's deletes (`snapshot.expire`), schedule runs (`schedule.run`) and copies (`snapshot.copy`).
 * Each wraps the collaborator the job already receives, so the jobs themselves stay unaware of events.
 */
import type { CopyInput, CopyResult } from '../copy-service.js';
import type { ContainerResolver } from '../container-resolver.js';
import { NotFoundError } from '../../errors/not-found-error.js';
import { ValidationError } from '../../errors/validation-error.js';
import { copyNameProblems } from '../copy-name.js';
import type { OperationRecord } from '../operations.js';
import type { StorePort } from '../ports.js';
import type { SnapshotCreator } from '../snapshot-creator.js';
import type { SnapshotDeleter } from '../snapshot-deleter.js';
import type { OperationTracker } from './operation-tracker.js';

/** The reaper's deleter: each expired snapshot's delete is a `snapshot.expire` operation. */
export function trackedExpiry(deleter: Pick<SnapshotDeleter, 'delete'>, tracker: OperationTracker): Pick<SnapshotDeleter, 'delete'> {
  return {
    delete: (snapshot) =>
      tracker.run({ kind: 'snapshot.expire', containerId: snapshot.containerId, snapshotName: snapshot.name, target: null }, () => deleter.delete(snapshot)),
  };
}

/** The scheduler's creator: a claimed slot's snapshot is a `schedule.run` operation (target `schedule:<id>`). */
export function trackedScheduleRuns(creator: Pick<SnapshotCreator, 'create'>, tracker: OperationTracker): Pick<SnapshotCreator, 'create'> {
  return {
    create: (container, input, options) =>
      tracker.run(
        { kind: 'schedule.run', containerId: container.record.id, snapshotName: null, target: input.origin },
        () => creator.create(container, input, options),
        (snapshot) => ({ snapshotName: snapshot.name }),
      ),
  };
}

export interface CopyOperations {
  copy(containerRef: string, input: CopyInput): Promise<CopyResult>;
  /** Checks the source container and snapshot (404 at once), then copies in the background. */
  copyInBackground(containerRef: string, input: CopyInput): Promise<OperationRecord>;
}

/** Copies as `snapshot.copy` operations; target is the new container's name. */
export function trackedCopies(
  copy: (containerRef: string, input: CopyInput) => Promise<CopyResult>,
  deps: { tracker: OperationTracker; resolver: Pick<ContainerResolver, 'resolve'>; store: Pick<StorePort, 'resolveSnapshot'> },
): CopyOperations {
  const outcome = (result: CopyResult): { snapshotName?: string } => (result.temporarySnapshot ? {} : { snapshotName: result.sourceSnapshot.name });
  return {
    async copy(containerRef, input) {
      // Bad names and unknown containers answer exactly as the copy service says, with no operation made.
      if (copyNameProblems(input.name).length > 0) return copy(containerRef, input);
      const containerId = await deps.resolver.resolve(containerRef).then((c) => c.record.id, () => undefined);
      if (containerId === undefined) return copy(containerRef, input);
      const snapshotName = input.sourceSnapshot === undefined ? null : (deps.store.resolveSnapshot(containerId, input.sourceSnapshot)?.name ?? null);
      return deps.tracker.run({ kind: 'snapshot.copy', containerId, snapshotName, target: input.name }, () => copy(containerRef, input), outcome);
    },
    async copyInBackground(containerRef, input) {
      const problems = copyNameProblems(input.name);
      if (problems.length > 0) throw new ValidationError(problems);
      const containerId = (await deps.resolver.resolve(containerRef)).record.id;
      let snapshotName: string | null = null;
      if (input.sourceSnapshot !== undefined) {
        const snapshot = deps.store.resolveSnapshot(containerId, input.sourceSnapshot);
        if (snapshot === undefined) throw new NotFoundError('snapshot_not_found', `Container ${containerRef} has no snapshot named or aliased "${input.sourceSnapshot}".`);
        snapshotName = snapshot.name;
      }
      return deps.tracker.launch({ kind: 'snapshot.copy', containerId, snapshotName, target: input.name }, () => copy(containerRef, input), outcome);
    },
  };
}
