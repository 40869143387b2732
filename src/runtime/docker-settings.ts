/**
 * The part of `docker inspect` that RecordedContainerConfig's own fields do not cover: security,
 * resources, tmpfs options, ulimits, sysctls, tty, healthcheck... (issue #13: a copy of a `--cap-drop ALL
 * --read-only` template must be just as locked down). Kept verbatim under Docker's names; every field is
 * either carried, covered by another recorded field, or reported in `notCarried` — never dropped silently.
 */
import type Dockerode from 'dockerode';
import type { DockerSettings } from '../core/model.js';

/** HostConfig fields a copy gives back to Docker unchanged. */
const CARRIED_HOST_CONFIG = new Set([
  // Security
  'CapAdd', 'CapDrop', 'Capabilities', 'SecurityOpt', 'ReadonlyRootfs', 'Privileged', 'Devices', 'DeviceCgroupRules', 'DeviceRequests',
  'GroupAdd', 'UsernsMode', 'CgroupnsMode', 'IpcMode', 'PidMode', 'UTSMode', 'Runtime', 'Init',
  // Resources
  'Memory', 'MemoryReservation', 'MemorySwap', 'MemorySwappiness', 'NanoCpus', 'CpuShares', 'CpuPeriod', 'CpuQuota', 'CpuRealtimePeriod',
  'CpuRealtimeRuntime', 'CpusetCpus', 'CpusetMems', 'BlkioWeight', 'BlkioWeightDevice', 'BlkioDeviceReadBps', 'BlkioDeviceWriteBps',
  'BlkioDeviceReadIOps', 'BlkioDeviceWriteIOps', 'OomKillDisable', 'OomScoreAdj', 'PidsLimit', 'Ulimits', 'CgroupParent', 'Cgroup',
  // Filesystems and kernel
  'Tmpfs', 'ShmSize', 'Sysctls', 'VolumeDriver',
  // Names, logs, lifecycle
  'Dns', 'DnsOptions', 'DnsSearch', 'ExtraHosts', 'LogConfig', 'PublishAllPorts', 'AutoRemove',
]);

/**
 * HostConfig fields recorded elsewhere (mounts, ports, networks, restart policy), filled in by Docker from
 * other settings (masked/read-only paths follow Privileged and SecurityOpt), or client-side only.
 */
const COVERED_HOST_CONFIG = new Set([
  'Binds', 'Mounts', 'VolumesFrom', 'NetworkMode', 'PortBindings', 'RestartPolicy',
  'MaskedPaths', 'ReadonlyPaths', 'ContainerIDFile', 'ConsoleSize', 'Isolation',
]);

/** Config fields a copy gives back to Docker unchanged. */
const CARRIED_CONFIG = new Set(['Tty', 'OpenStdin', 'StdinOnce', 'StopSignal', 'StopTimeout', 'Healthcheck', 'Domainname', 'Shell']);

/** Config fields recorded elsewhere, or that only describe the image or the attach of the first run. */
const COVERED_CONFIG = new Set([
  'Hostname', 'User', 'Env', 'Cmd', 'Entrypoint', 'Image', 'WorkingDir', 'Labels', 'ExposedPorts', 'Volumes',
  'AttachStdin', 'AttachStdout', 'AttachStderr', 'ArgsEscaped', 'OnBuild', 'NetworkDisabled',
]);

/** Why a setting the source had is not carried over, when there is more to say than its name. */
const NOT_CARRIED_REASONS: Record<string, string> = {
  StorageOpt: 'the storage options applied to the writable layer Docker made, which the copy replaces with a clone of the snapshot',
  Links: 'legacy links name other containers; connect the copy to a user-defined network instead',
  MacAddress: 'a fixed MAC address would clash with the source',
  KernelMemory: 'kernel memory limits are deprecated and ignored by current kernels',
};

/** Docker's "nothing set": null, "", an empty list or map. 0 and false are kept, as they can be choices (MemorySwappiness 0, Init false). */
function isUnset(value: unknown): boolean {
  if (value === null || value === undefined || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && Object.keys(value).length === 0;
}

/** For "not carried" only: a 0 or false there is Docker's default, not something the source chose. */
function isDefault(value: unknown): boolean {
  return isUnset(value) || value === 0 || value === false;
}

function describe(key: string, value: unknown): string {
  const shown = JSON.stringify(value);
  const reason = NOT_CARRIED_REASONS[key] ?? 'cowsnap does not know how to carry it over';
  return `${key} (${shown.length > 80 ? `${shown.slice(0, 80)}…` : shown}) was not carried over: ${reason}`;
}

function split(section: object, carried: ReadonlySet<string>, covered: ReadonlySet<string>, notCarried: string[]): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(section)) {
    if (carried.has(key)) {
      if (!isUnset(value)) kept[key] = value;
    } else if (!covered.has(key) && !isDefault(value)) {
      notCarried.push(describe(key, value));
    }
  }
  return kept;
}

export function recordDockerSettings(inspect: Dockerode.ContainerInspectInfo): DockerSettings {
  const notCarried: string[] = [];
  const hostConfig = split(inspect.HostConfig, CARRIED_HOST_CONFIG, COVERED_HOST_CONFIG, notCarried);
  const config = split(inspect.Config, CARRIED_CONFIG, COVERED_CONFIG, notCarried);
  return { hostConfig, config, notCarried };
}
