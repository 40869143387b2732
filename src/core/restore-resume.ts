import type { Clock } from './clock.js';
import type { JournalEntry } from './model.js';
import type { CapturedFilesystem } from './model.js';
import { bindMountersOf } from './pool-recovery.js';
import type { PoolRegistry } from './pool-registry.js';
import type { RuntimePort, StorePort } from './ports.js';
import type { RestorePayload, RestoreSwap } from './restore-swap.js';
import { startStoppedContainer, type ContainerRestarter } from './container-restarter.js';

export interface RestoreResumeDeps {
  readonly store: Pick<StorePort, 'touchLastUsed' | 'updateOperation' | 'finishOperation'>;
  readonly runtime: Pick<RuntimePort, 'stop' | 'start' | 'inspect' | 'listContainers'>;
  readonly pools: Pick<PoolRegistry, 'driverFor'>;
  readonly swap: RestoreSwap;
  readonly clock: Clock;
  /** Owes the start of a container Docker could not start (Docker away at start-up). */
  readonly restarter?: ContainerRestarter;
}

/**
 * Start-up: finishes a restore a crash interrupted (the drivers' recover() has made each filesystem
 * whole). Only the filesystems whose swap did not complete are swapped, and only once the container
 * (and any container sharing a dataset that the restore had stopped) is stopped: Docker may have
 * started them at boot (restart policy) before cowsnap came up, and what they wrote since then lives on
 * a filesystem that is either already restored (kept) or about to be.
 */
async function lateHolders(deps: RestoreResumeDeps, pending: readonly CapturedFilesystem[], known: readonly string[]): Promise<string[]> {
  const paths: string[] = [];
  for (const filesystem of pending) {
    if (filesystem.role !== 'rootfs') paths.push(await deps.pools.driverFor(filesystem).mountPath(filesystem.dataset));
  }
  if (paths.length === 0) return [];
  const running = (await deps.runtime.listContainers()).filter((container) => container.state.running && !known.includes(container.id));
  return bindMountersOf(paths, running).map((container) => container.id);
}

export async function resumeRestore(deps: RestoreResumeDeps, entry: JournalEntry): Promise<string> {
  const { runtime, store, swap } = deps;
  const payload = entry.payload as unknown as RestorePayload;
  const who = `restore of ${entry.containerId.slice(0, 12)} to ${String(entry.snapshotName)}`;
  const restart: string[] = [];
  try {
    const pending = await swap.unswapped(entry.step, payload);
    const swapped = payload.filesystems.filter((filesystem) => !pending.includes(filesystem));
    const containers = [
      { id: entry.containerId, wasRunning: payload.wasRunning },
      ...(payload.sharingStopped ?? []).map((id) => ({ id, wasRunning: true })),
    ];
    let stopped = 0;
    for (const container of containers) {
      const live = await runtime.inspect(container.id).catch(() => undefined);
      if (live === undefined) continue; // removed meanwhile
      if (pending.length > 0 && live.state.running) {
        await runtime.stop(container.id);
        stopped += 1;
      }
      if (container.wasRunning || live.state.running) restart.push(container.id);
    }
    // Containers started while the restore was unfinished (by an operator, or Docker's restart policy)
    // that bind-mount a dataset still to be swapped: the swap must not happen under them, and on zfs-fuse
    // their hold on the mount point makes mounting the restored dataset fail "busy". Stopped like the
    // restore's own sharing containers, and started again after.
    const holders = pending.length > 0 ? await lateHolders(deps, pending, containers.map((c) => c.id)) : [];
    if (holders.length > 0) {
      // Journaled before they are stopped: a crash of this resume must not forget to start them again (the
      // next resume finds them stopped, and only the journal says they ran).
      store.updateOperation(entry.id, entry.step, { sharingStopped: [...(payload.sharingStopped ?? []), ...holders] });
    }
    for (const holder of holders) {
      await runtime.stop(holder);
      stopped += 1;
      restart.push(holder);
    }
    if (pending.length > 0) {
      store.updateOperation(entry.id, 'stopped');
      await swap.swapAll(entry.id, payload, pending, swapped);
    } else {
      // Every swap completed before the crash: the rollback snapshots are all that is left to tidy.
      await swap.dropRollbacks(payload.filesystems, payload.rollbackName);
    }
    for (const id of restart) {
      if (!(await runtime.inspect(id)).state.running) await startStoppedContainer(deps.runtime, deps.restarter, id, `the ${who}, finished at start-up`);
    }
    store.touchLastUsed(payload.snapshotId, deps.clock.now());
    store.finishOperation(entry.id, 'done');
    if (pending.length === 0) return `finished ${who}: every filesystem was swapped before the crash and was left as it is`;
    const stops = stopped > 0 ? ` after stopping ${stopped} running container(s)` : '';
    return `finished ${who}: swapped ${pending.length} of ${payload.filesystems.length} filesystem(s)${stops}`;
  } catch (error) {
    // Whatever could not be finished, the containers that ran before the restore run again: a container
    // left stopped by a failed recovery is an outage nobody asked for.
    for (const id of restart) await startStoppedContainer(deps.runtime, deps.restarter, id, `the ${who}, finished at start-up`).catch(() => undefined);
    const message = error instanceof Error ? error.message : String(error);
    store.finishOperation(entry.id, 'failed', `could not finish after restart: ${message}`);
    return `${who} could not be finished: ${message}`;
  }
}

