import type { CapturedFilesystem } from './model.js';
import type { CapturePort, LiveContainer, RuntimePort } from './ports.js';

/** Another running container that mounts datasets a restore would swap. */
export interface SharingContainer {
  readonly id: string;
  readonly name: string;
  /** Where this restore's container mounts the shared datasets (never host paths: clients see these). */
  readonly mountPoints: string[];
}

/**
 * The running containers, other than `selfId`, that mount any of `filesystems`' datasets. Only pool
 * mounts can be shared (a rootfs layer belongs to one container), so a snapshot without them costs
 * nothing; otherwise every running container with a bind mount has its capture set resolved.
 */
export async function findSharingContainers(
  deps: { runtime: Pick<RuntimePort, 'listContainers'>; capture: CapturePort },
  selfId: string,
  filesystems: readonly CapturedFilesystem[],
): Promise<SharingContainer[]> {
  const mountPointOf = new Map(filesystems.filter((f) => f.role === 'mount').map((f) => [key(f), f.mountPoint]));
  if (mountPointOf.size === 0) return [];
  const sharing: SharingContainer[] = [];
  for (const container of await deps.runtime.listContainers()) {
    if (container.id === selfId || !container.state.running || !hasBindMount(container)) continue;
    const mountPoints = new Set<string>();
    for (const entry of await deps.capture.captureSet(container)) {
      const mountPoint = entry.filesystem === null ? undefined : mountPointOf.get(key(entry.filesystem));
      if (mountPoint !== undefined) mountPoints.add(mountPoint);
    }
    if (mountPoints.size > 0) sharing.push({ id: container.id, name: container.name, mountPoints: [...mountPoints].sort() });
  }
  return sharing;
}

function hasBindMount(container: LiveContainer): boolean {
  return container.config.mounts.some((mount) => mount.type === 'bind');
}

function key(filesystem: Pick<CapturedFilesystem, 'pool' | 'dataset'>): string {
  return `${filesystem.pool}\u0000${filesystem.dataset}`;
}
