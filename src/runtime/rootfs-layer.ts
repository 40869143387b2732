/**
 * Where a container's writable layer lives with Docker's btrfs storage driver (design.md §1):
 * `<data-root>/btrfs/subvolumes/<mount-id>`, the mount-id read from
 * `<data-root>/image/btrfs/layerdb/mounts/<container-id>/mount-id`. `docker inspect` shows no path for
 * btrfs, and Docker 20.10 through current releases keep this layout.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InternalError } from '../errors/internal-error.js';
import { ValidationError } from '../errors/validation-error.js';
import { isFullContainerId } from './container-ref.js';

/**
 * Why the rootfs of a container on this Docker storage driver is not captured, or undefined when it is:
 * only btrfs keeps each writable layer as a subvolume (found by btrfsLayerPath) that a pool can snapshot.
 */
export function rootfsNotCapturedReason(graphDriver: string): string | undefined {
  if (graphDriver === 'btrfs') return undefined;
  if (graphDriver === 'zfs') return "Docker's zfs storage driver destroys snapshots on docker rm";
  return `Docker storage driver is ${graphDriver}; the rootfs is captured only with the btrfs driver`;
}

/** Layer ids are hex digests; anything else in the file would be a corrupt or hostile data root. */
const MOUNT_ID_PATTERN = /^[0-9a-f]{16,128}$/;

export async function btrfsLayerPath(dataRoot: string, containerId: string): Promise<string> {
  if (!isFullContainerId(containerId)) {
    throw new ValidationError([{ path: '/container', message: `"${containerId}" is not a full 64-character container id` }]);
  }
  const mountIdFile = join(dataRoot, 'image', 'btrfs', 'layerdb', 'mounts', containerId, 'mount-id');
  let mountId: string;
  try {
    mountId = (await readFile(mountIdFile, 'utf8')).trim();
  } catch (error) {
    throw layerError(containerId, `its layer id file is unreadable (${errorCode(error)})`, { cause: error, file: mountIdFile });
  }
  if (!MOUNT_ID_PATTERN.test(mountId)) {
    throw layerError(containerId, 'its layer id file does not hold a layer id', { file: mountIdFile, content: mountId.slice(0, 80) });
  }
  const layer = join(dataRoot, 'btrfs', 'subvolumes', mountId);
  const stats = await stat(layer).catch((error: unknown) => {
    throw layerError(containerId, `the layer is missing (${errorCode(error)})`, { cause: error, layer });
  });
  if (!stats.isDirectory()) throw layerError(containerId, 'the layer is not a directory', { layer });
  return layer;
}

/** The client reads which container and what is wrong; the host paths go on the cause, for the log. */
function layerError(containerId: string, problem: string, facts: Record<string, unknown> & { cause?: unknown }): InternalError {
  const { cause, ...paths } = facts;
  const detail = Object.assign(new Error(`rootfs layer of ${containerId}: ${problem}`, { cause }), paths);
  return new InternalError('rootfs_layer_unknown', `Cannot find the writable layer of container ${containerId.slice(0, 12)}: ${problem}.`, { cause: detail });
}

function errorCode(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : String(error);
}
