/**
 * `docker inspect` → RecordedContainerConfig (design.md §4): what copy needs to recreate the container,
 * even after the source was removed. Pure functions, so the mapping is unit-tested without Docker.
 */
import type Dockerode from 'dockerode';
import type { PortBinding, RecordedContainerConfig, RecordedMount } from '../core/model.js';
import { recordDockerSettings } from './docker-settings.js';

type Inspect = Dockerode.ContainerInspectInfo;

/** Docker sends null for empty lists and maps (Env, Labels, ExposedPorts, ...), which the typings omit. */
function maybe<T>(value: T): T | null | undefined {
  return value;
}

/** Docker's default hostname is the first 12 characters of the id; recording it would pin a copy to the source's id. */
function chosenHostname(inspect: Inspect): string {
  const hostname = inspect.Config.Hostname;
  return hostname === inspect.Id.slice(0, 12) ? '' : hostname;
}

function toList(value: string | string[] | null | undefined): string[] | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? [value] : [...value];
}

function recordedPorts(inspect: Inspect): PortBinding[] {
  const bindings = (inspect.HostConfig.PortBindings ?? {}) as Record<string, { HostIp?: string; HostPort?: string }[] | null>;
  const ports: PortBinding[] = [];
  for (const [containerPort, hostBindings] of Object.entries(bindings)) {
    for (const binding of hostBindings ?? []) {
      ports.push({ containerPort, hostIp: nonEmpty(binding.HostIp), hostPort: nonEmpty(binding.HostPort) });
    }
  }
  // Exposed but unpublished ports are still part of the container's configuration.
  for (const containerPort of Object.keys(maybe(inspect.Config.ExposedPorts) ?? {})) {
    if (!(containerPort in bindings)) ports.push({ containerPort, hostIp: null, hostPort: null });
  }
  return ports.sort((a, b) => a.containerPort.localeCompare(b.containerPort));
}

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value === '' ? null : value;
}

/** Every mount Docker made, plus `--tmpfs` ones, which `Mounts` leaves out. */
export function recordedMounts(inspect: Inspect): RecordedMount[] {
  const mounts: RecordedMount[] = (maybe(inspect.Mounts) ?? []).map((m) => {
    const mount: RecordedMount = { type: m.Type, source: m.Source, destination: m.Destination, readOnly: !m.RW };
    return m.Type === 'volume' && m.Name !== undefined && m.Name !== '' ? { ...mount, name: m.Name } : mount;
  });
  for (const [destination, options] of Object.entries(inspect.HostConfig.Tmpfs ?? {})) {
    if (mounts.some((m) => m.destination === destination)) continue;
    mounts.push({ type: 'tmpfs', source: '', destination, readOnly: options.split(',').includes('ro') });
  }
  return mounts.sort((a, b) => a.destination.localeCompare(b.destination));
}

function recordedNetworks(inspect: Inspect): string[] {
  const attached = Object.keys(maybe(inspect.NetworkSettings.Networks) ?? {});
  if (attached.length > 0) return attached.sort();
  // "none", "host", "container:<id>" modes attach to no named network but are still a choice to keep.
  const mode = inspect.HostConfig.NetworkMode;
  return mode !== undefined && mode !== '' && mode !== 'default' ? [mode] : [];
}

export function recordedConfigFromInspect(inspect: Inspect): RecordedContainerConfig {
  const restart = inspect.HostConfig.RestartPolicy;
  return {
    image: inspect.Config.Image,
    imageId: inspect.Image,
    cmd: toList(maybe(inspect.Config.Cmd)),
    entrypoint: toList(inspect.Config.Entrypoint),
    env: [...(maybe(inspect.Config.Env) ?? [])],
    labels: { ...(maybe(inspect.Config.Labels) ?? {}) },
    workingDir: inspect.Config.WorkingDir,
    user: inspect.Config.User,
    hostname: chosenHostname(inspect),
    ports: recordedPorts(inspect),
    mounts: recordedMounts(inspect),
    restartPolicy: { name: restart?.Name ?? '', maximumRetryCount: restart?.MaximumRetryCount ?? 0 },
    networks: recordedNetworks(inspect),
    dockerSettings: recordDockerSettings(inspect),
  };
}
