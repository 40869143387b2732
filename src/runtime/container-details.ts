/**
 * A live container as the runtime reports it: what the core needs (LiveContainer) plus what capture
 * resolution needs (storage driver, mounts).
 */
import type Dockerode from 'dockerode';
import type { RecordedMount } from '../core/model.js';
import type { LiveContainer } from '../core/ports.js';
import { recordedConfigFromInspect } from './recorded-config.js';

export interface ContainerDetails extends LiveContainer {
  readonly imageId: string;
  /** Docker's storage driver for this container's rootfs ("btrfs", "overlay2", "zfs", ...). */
  readonly graphDriver: string;
  readonly mounts: readonly RecordedMount[];
}

export function detailsFromInspect(inspect: Dockerode.ContainerInspectInfo): ContainerDetails {
  const config = recordedConfigFromInspect(inspect);
  return {
    id: inspect.Id,
    name: inspect.Name.replace(/^\//, ''),
    image: config.image,
    imageId: inspect.Image,
    state: { status: inspect.State.Status, running: inspect.State.Running, paused: inspect.State.Paused, ...startedAtOf(inspect.State.StartedAt) },
    graphDriver: inspect.GraphDriver.Name,
    mounts: config.mounts,
    config,
  };
}

/** Docker answers "0001-01-01T00:00:00Z" for a container that never ran. */
function startedAtOf(value: string | undefined): { startedAt?: Date } {
  const at = value === undefined ? NaN : Date.parse(value);
  return Number.isFinite(at) && at > 0 ? { startedAt: new Date(at) } : {};
}
