/**
 * RecordedContainerConfig → Docker's create options, for copy (design.md §3): a new container made
 * from what a snapshot recorded, with its captured bind mounts pointed at the snapshot's clones.
 */
import type Dockerode from 'dockerode';
import type { RecordedContainerConfig, RecordedMount } from '../core/model.js';

export interface CreateOverrides {
  /** New host source per mount destination: the writable clones of the snapshot's filesystems. */
  readonly bindSources?: Readonly<Record<string, string>>;
  /** Labels added on top of the recorded ones (e.g. which snapshot the copy came from). */
  readonly labels?: Readonly<Record<string, string>>;
  /** Leave host ports unpublished: the source container may still hold them. */
  readonly dropHostPorts?: boolean;
  /** The image reference to create from (the caller checked it still is the recorded image id). */
  readonly image?: string;
  /** A hostname of its own: the recorded one is often the source's id prefix. */
  readonly hostname?: string;
}

/** Anonymous volumes have a random 64-hex name; reusing it would share the source's data. */
const ANONYMOUS_VOLUME = /^[0-9a-f]{64}$/;

function mountSpec(mount: RecordedMount, bindSources: Readonly<Record<string, string>>): Dockerode.MountSettings {
  const target = mount.destination;
  switch (mount.type) {
    case 'bind':
      return { Type: 'bind', Source: bindSources[target] ?? mount.source, Target: target, ReadOnly: mount.readOnly };
    case 'volume': {
      const override = bindSources[target];
      if (override !== undefined) return { Type: 'bind', Source: override, Target: target, ReadOnly: mount.readOnly };
      // Named volumes are shared (cowsnap cannot capture them); an anonymous one becomes a fresh one.
      const name = mount.name !== undefined && !ANONYMOUS_VOLUME.test(mount.name) ? mount.name : undefined;
      return name !== undefined ? { Type: 'volume', Source: name, Target: target, ReadOnly: mount.readOnly } : { Type: 'volume', Source: '', Target: target, ReadOnly: mount.readOnly };
    }
    case 'tmpfs':
      return { Type: 'tmpfs', Source: '', Target: target, ReadOnly: mount.readOnly };
    default:
      return { Type: mount.type as Dockerode.MountType, Source: mount.source, Target: target, ReadOnly: mount.readOnly };
  }
}

/**
 * The recorded Docker settings first, then what the recorded fields and the copy decide (mounts, ports,
 * network, hostname, labels) on top. Tmpfs mounts the settings carry with their options (size, mode) are
 * not mounted a second time from the mount list.
 */
export function createOptionsFor(name: string, config: RecordedContainerConfig, overrides: CreateOverrides = {}): Dockerode.ContainerCreateOptions {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const port of config.ports) {
    exposed[port.containerPort] = {};
    if (overrides.dropHostPorts === true || (port.hostPort === null && port.hostIp === null)) continue;
    (bindings[port.containerPort] ??= []).push({ HostIp: port.hostIp ?? '', HostPort: port.hostPort ?? '' });
  }
  const settings = config.dockerSettings;
  const tmpfs = (settings?.hostConfig['Tmpfs'] ?? {}) as Record<string, string>;
  const mounts = config.mounts.filter((mount) => !(mount.type === 'tmpfs' && mount.destination in tmpfs));
  const hostConfig: Dockerode.HostConfig = {
    ...(settings?.hostConfig as Dockerode.HostConfig | undefined),
    PortBindings: bindings,
    RestartPolicy: { Name: config.restartPolicy.name, MaximumRetryCount: config.restartPolicy.maximumRetryCount },
    Mounts: mounts.map((mount) => mountSpec(mount, overrides.bindSources ?? {})),
  };
  const [network] = config.networks;
  if (network !== undefined) hostConfig.NetworkMode = network;
  const options: Dockerode.ContainerCreateOptions = {
    ...(settings?.config as Dockerode.ContainerCreateOptions | undefined),
    name,
    Image: overrides.image ?? config.imageId,
    Env: [...config.env],
    Labels: { ...config.labels, ...overrides.labels },
    WorkingDir: config.workingDir,
    User: config.user,
    ExposedPorts: exposed,
    HostConfig: hostConfig,
  };
  // null means "the image's default": sending [] instead would clear it.
  if (config.cmd !== null) options.Cmd = [...config.cmd];
  if (config.entrypoint !== null) options.Entrypoint = [...config.entrypoint];
  const hostname = overrides.hostname ?? config.hostname;
  // A container in the host's UTS namespace has the host's name; Docker refuses a hostname with it.
  if (hostname !== '' && hostConfig.UTSMode !== 'host') options.Hostname = hostname;
  return options;
}
