/**
 * A snapshot's quiesce in the journal. A crash while a container is paused or stopped for a snapshot
 * would leave it so for ever; the create operation's row records the quiesce before it starts and
 * clears it once the container is thawed, so start-up can unpause or start it again.
 */
import type { JournalEntry, Quiesce } from './model.js';
import type { RuntimePort, StorePort } from './ports.js';
import type { ContainerRestarter } from './container-restarter.js';
import { startAfterInterruptedStop } from './start-after-interrupted-stop.js';
import { isDockerUnavailableError } from '../runtime/docker-errors.js';

type QuiesceMode = Exclude<Quiesce, 'none'>;

/** Before pausing or stopping: a crash from here on leaves the container to thaw. */
export function journalQuiesce(store: Pick<StorePort, 'updateOperation'>, operationId: number, mode: QuiesceMode): void {
  store.updateOperation(operationId, `quiesced:${mode}`, { quiesced: mode });
}

/** After unpausing or starting it again. */
export function journalThawed(store: Pick<StorePort, 'updateOperation'>, operationId: number): void {
  store.updateOperation(operationId, 'thawed', { quiesced: undefined });
}

/** Start-up: thaws the container of an interrupted snapshot that had quiesced it; undefined when none had. */
export async function thawAfterCrash(
  entry: JournalEntry,
  runtime: Pick<RuntimePort, 'unpause' | 'start' | 'stop' | 'inspect'>,
  restarter?: Pick<ContainerRestarter, 'owe'>,
): Promise<string | undefined> {
  const mode = entry.payload.quiesced;
  if (mode !== 'pause' && mode !== 'stop') return undefined;
  const who = entry.containerId.slice(0, 12);
  try {
    if (mode === 'pause') {
      // A no-op when it is not paused any more.
      await runtime.unpause(entry.containerId);
      return `unpaused ${who}, left paused by a snapshot the crash interrupted`;
    }
    // The entry's last update is the quiesce step, written just before the stop was asked for. A start
    // since then (Docker's restart policy, an operator, the start-up before this one while the pool was
    // down) is left alone.
    const done = await startAfterInterruptedStop(runtime, entry.containerId, entry.updatedAt);
    return done === 'started'
      ? `started ${who}, left stopped by a snapshot the crash interrupted`
      : `${who}, stopped by a snapshot the crash interrupted, was started again since: left as it is`;
  } catch (error) {
    // Docker away at start-up: the container is started once it answers again.
    if (mode === 'stop' && restarter !== undefined && isDockerUnavailableError(error)) {
      restarter.owe(entry.containerId, 'a snapshot the crash interrupted (stop quiesce)');
      return `${who}, left stopped by a snapshot the crash interrupted, is started once Docker answers again`;
    }
    return `could not ${mode === 'pause' ? 'unpause' : 'start'} ${who} after an interrupted snapshot: ${error instanceof Error ? error.message : String(error)}`;
  }
}
