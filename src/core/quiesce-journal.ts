/**
 * A snapshot's quiesce in the journal. A crash while a container is paused or stopped for a snapshot
 * would leave it so for ever; the create operation's row records the quiesce before it starts and
 * clears it once the container is thawed, so start-up can unpause or start it again.
 */
import type { JournalEntry, Quiesce } from './model.js';
import type { RuntimePort, StorePort } from './ports.js';
import type { ContainerRestarter } from './container-restarter.js';
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
  runtime: Pick<RuntimePort, 'unpause' | 'start' | 'stop'>,
  restarter?: Pick<ContainerRestarter, 'owe'>,
): Promise<string | undefined> {
  const mode = entry.payload.quiesced;
  if (mode !== 'pause' && mode !== 'stop') return undefined;
  const who = entry.containerId.slice(0, 12);
  try {
    // Both are no-ops when the container is already thawed (Docker's restart policy may have started it).
    if (mode === 'pause') await runtime.unpause(entry.containerId);
    else {
      // The stop the crashed process asked for may still be under way in Docker (the container's main
      // process has up to the stop timeout to exit): a start now would be a no-op on a container about to
      // exit, leaving it stopped for good. Stopping first waits for that exit (or is a no-op when it is
      // stopped already); a container the stop never reached is restarted, as the snapshot would have.
      await runtime.stop(entry.containerId);
      await runtime.start(entry.containerId);
    }
    return `${mode === 'pause' ? 'unpaused' : 'started'} ${who}, left ${mode === 'pause' ? 'paused' : 'stopped'} by a snapshot the crash interrupted`;
  } catch (error) {
    // Docker away at start-up: the container is started once it answers again.
    if (mode === 'stop' && restarter !== undefined && isDockerUnavailableError(error)) {
      restarter.owe(entry.containerId, 'a snapshot the crash interrupted (stop quiesce)');
      return `${who}, left stopped by a snapshot the crash interrupted, is started once Docker answers again`;
    }
    return `could not ${mode === 'pause' ? 'unpause' : 'start'} ${who} after an interrupted snapshot: ${error instanceof Error ? error.message : String(error)}`;
  }
}
