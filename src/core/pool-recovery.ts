import type { RecoveryAction } from '../../storage-drivers/driver.js';
import type { ContainerRestarter } from './container-restarter.js';
import type { RegisteredPool } from './pool-registry.js';
import type { LiveContainer, RuntimePort } from './ports.js';

/** The running containers. */
export type ListRunning = () => Promise<Pick<LiveContainer, 'id' | 'name' | 'config'>[]>;

export interface PoolRecovery {
  readonly actions: RecoveryAction[];
  readonly operations: string[];
  /** The pool could not be recovered and failed its probe too: it is down. */
  readonly failure?: unknown;
}

/**
 * One pool's start-up recovery. A driver may find a dataset it must mount again while running containers
 * still hold its old mount in their mount namespaces (zfs-fuse refuses the mount then: "dataset is busy");
 * it reports it `held`. The driver knows nothing of containers; here the containers that bind-mount it are
 * stopped, the driver recovers again (and mounts it), and they are started again, so they see the dataset
 * and not the empty folder beneath it. A recovery that throws makes the pool unavailable only if the pool
 * then fails its probe too: one stuck dataset is no reason to refuse every operation on the pool.
 */
export async function recoverPool(
  pool: RegisteredPool,
  deps: {
    runtime: Pick<RuntimePort, 'stop' | 'start'>;
    listRunning: ListRunning;
    /** Where the starts are owed while the holders are stopped: a crash before they run again leaves the debt. */
    restarter?: Pick<ContainerRestarter, 'oweBeforeStopping' | 'settle'> | undefined;
  },
): Promise<PoolRecovery> {
  const operations: string[] = [];
  let actions: RecoveryAction[];
  try {
    actions = await pool.driver.recover();
  } catch (error) {
    try {
      await pool.driver.probe();
    } catch {
      return { actions: [], operations, failure: error };
    }
    const message = error instanceof Error ? error.message : String(error);
    return { actions: [{ dataset: pool.id, action: 'skipped', detail: `recovery failed: ${message}; the pool answers its probe, so it stays in use` }], operations };
  }
  const held = actions.filter((action) => action.action === 'held');
  if (held.length === 0) return { actions, operations };

  const holders = await holdersOf(pool, held.map((action) => action.dataset), deps.listRunning).catch(() => []);
  const stopped: { id: string; name: string }[] = [];
  const datasets = held.map((action) => action.dataset).join(', ');
  for (const holder of holders) {
    deps.restarter?.oweBeforeStopping(holder.id, `start-up recovery mounting ${datasets} again`);
    try {
      await deps.runtime.stop(holder.id);
      stopped.push(holder);
    } catch (error) {
      deps.restarter?.settle(holder.id);
      operations.push(`could not stop ${holder.name} to mount its dataset again: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  let again: RecoveryAction[] = [];
  try {
    again = await pool.driver.recover();
  } finally {
    for (const holder of stopped) {
      // A start that fails stays owed: the owed-starts pass later in start-up (and its retries) tries again.
      await deps.runtime.start(holder.id).then(
        () => deps.restarter?.settle(holder.id),
        (error: unknown) => {
          operations.push(`could not start ${holder.name} again: ${error instanceof Error ? error.message : String(error)}`);
        },
      );
    }
  }
  const names = stopped.map((holder) => holder.name).join(', ');
  if (stopped.length > 0) operations.push(`stopped ${names} to mount ${datasets} again, then started them`);
  return { actions: [...actions.filter((action) => action.action !== 'held'), ...again], operations };
}

/**
 * The running containers with a bind mount of these datasets' mount points (or of a folder inside). By the
 * bind mount's source path, not by capture: a dataset that is not mounted resolves to no dataset at all.
 */
async function holdersOf(pool: RegisteredPool, datasets: readonly string[], listRunning: ListRunning): Promise<{ id: string; name: string }[]> {
  const paths: string[] = [];
  for (const dataset of datasets) paths.push(await pool.driver.mountPath(dataset));
  return bindMountersOf(paths, await listRunning());
}

/** The containers with a bind mount of one of these host paths (or of a folder inside one). */
export function bindMountersOf<C extends Pick<LiveContainer, 'config'>>(paths: readonly string[], containers: readonly C[]): C[] {
  const inside = (source: string): boolean => paths.some((path) => source === path || source.startsWith(`${path}/`));
  return containers.filter((container) => container.config.mounts.some((mount) => mount.type === 'bind' && inside(mount.source)));
}
