import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type Dockerode from 'dockerode';
import { detailsFromInspect } from '../../src/runtime/container-details.js';
import { createOptionsFor } from '../../src/runtime/create-options.js';
import { recordedConfigFromInspect } from '../../src/runtime/recorded-config.js';

const ID = `1234567890ab${'c'.repeat(52)}`;
const ANON = 'f'.repeat(64);

/** A `docker inspect` answer as Docker 20.10 sends it, nulls included (the typings claim arrays). */
function inspectFixture(overrides: { Config?: object; HostConfig?: object; NetworkSettings?: object; Mounts?: unknown } = {}): Dockerode.ContainerInspectInfo {
  return {
    Id: ID,
    Name: '/web',
    Image: `sha256:${'9'.repeat(64)}`,
    State: { Status: 'running', Running: true, Paused: false },
    GraphDriver: { Name: 'btrfs', Data: null },
    Mounts: overrides.Mounts ?? [
      { Type: 'bind', Source: '/pool/app', Destination: '/app', Mode: '', RW: true, Propagation: 'rprivate' },
      { Type: 'volume', Name: 'pgdata', Source: '/var/lib/docker/volumes/pgdata/_data', Destination: '/var/lib/pg', Driver: 'local', Mode: 'z', RW: false, Propagation: '' },
      { Type: 'volume', Name: ANON, Source: `/var/lib/docker/volumes/${ANON}/_data`, Destination: '/anon', Driver: 'local', Mode: '', RW: true, Propagation: '' },
    ],
    Config: {
      Hostname: ID.slice(0, 12),
      User: '',
      Env: null,
      Cmd: null,
      Image: 'example/web:1.2',
      WorkingDir: '',
      Entrypoint: '/entry.sh',
      Labels: null,
      ExposedPorts: null,
      ...overrides.Config,
    },
    HostConfig: {
      PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }, { HostIp: '', HostPort: '' }] },
      RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 },
      Tmpfs: { '/run': 'rw,noexec', '/ro-tmp': 'ro' },
      NetworkMode: 'appnet',
      ...overrides.HostConfig,
    },
    NetworkSettings: { Networks: { appnet: {}, backend: {} }, ...overrides.NetworkSettings },
  } as unknown as Dockerode.ContainerInspectInfo;
}

describe('recorded configuration from docker inspect', () => {
  it('records what recreating the container needs, tolerating Docker\'s nulls', () => {
    assert.deepEqual(recordedConfigFromInspect(inspectFixture()), {
      image: 'example/web:1.2',
      imageId: `sha256:${'9'.repeat(64)}`,
      cmd: null,
      entrypoint: ['/entry.sh'],
      env: [],
      labels: {},
      workingDir: '',
      user: '',
      hostname: '',
      ports: [
        { containerPort: '80/tcp', hostIp: '127.0.0.1', hostPort: '8080' },
        { containerPort: '80/tcp', hostIp: null, hostPort: null },
      ],
      mounts: [
        { type: 'volume', source: `/var/lib/docker/volumes/${ANON}/_data`, destination: '/anon', readOnly: false, name: ANON },
        { type: 'bind', source: '/pool/app', destination: '/app', readOnly: false },
        { type: 'tmpfs', source: '', destination: '/ro-tmp', readOnly: true },
        { type: 'tmpfs', source: '', destination: '/run', readOnly: false },
        { type: 'volume', source: '/var/lib/docker/volumes/pgdata/_data', destination: '/var/lib/pg', readOnly: true, name: 'pgdata' },
      ],
      restartPolicy: { name: 'unless-stopped', maximumRetryCount: 0 },
      networks: ['appnet', 'backend'],
      dockerSettings: { hostConfig: { Tmpfs: { '/run': 'rw,noexec', '/ro-tmp': 'ro' } }, config: {}, notCarried: [] },
    });
  });

  it('keeps a chosen hostname, exposed-only ports and a network mode without named networks', () => {
    const config = recordedConfigFromInspect(
      inspectFixture({
        Config: { Hostname: 'db-1', ExposedPorts: { '5432/tcp': {} }, Env: ['A=1'], Labels: { a: 'b' }, Cmd: ['serve'] },
        HostConfig: { PortBindings: null, NetworkMode: 'none' },
        NetworkSettings: { Networks: null },
      }),
    );
    assert.equal(config.hostname, 'db-1');
    assert.deepEqual(config.ports, [{ containerPort: '5432/tcp', hostIp: null, hostPort: null }]);
    assert.deepEqual(config.networks, ['none']);
    assert.deepEqual([config.env, config.labels, config.cmd], [['A=1'], { a: 'b' }, ['serve']]);
  });

  it('gives details with the bare name and the storage driver', () => {
    const details = detailsFromInspect(inspectFixture());
    assert.equal(details.name, 'web');
    assert.equal(details.graphDriver, 'btrfs');
    assert.deepEqual(details.state, { status: 'running', running: true, paused: false });
    assert.equal(details.mounts.length, 5);
  });
});

describe('create options from a recorded configuration', () => {
  const config = recordedConfigFromInspect(inspectFixture({ Config: { Cmd: ['serve'], Hostname: 'web-1' } }));

  it('points captured mounts at their clones, shares named volumes and makes anonymous ones fresh', () => {
    const options = createOptionsFor('web-copy', config, { bindSources: { '/app': '/pool/clones/app' }, labels: { copy: 'yes' }, image: 'example/web:1.2' });
    assert.equal(options.name, 'web-copy');
    assert.equal(options.Image, 'example/web:1.2');
    assert.deepEqual(options.Cmd, ['serve']);
    assert.deepEqual(options.Entrypoint, ['/entry.sh']);
    assert.equal(options.Hostname, 'web-1');
    assert.deepEqual(options.Labels, { copy: 'yes' });
    assert.deepEqual(options.HostConfig?.Mounts, [
      { Type: 'volume', Source: '', Target: '/anon', ReadOnly: false },
      { Type: 'bind', Source: '/pool/clones/app', Target: '/app', ReadOnly: false },
      { Type: 'volume', Source: 'pgdata', Target: '/var/lib/pg', ReadOnly: true },
    ]);
    // --tmpfs mounts come back as --tmpfs, options included, not as plain tmpfs mounts.
    assert.deepEqual(options.HostConfig.Tmpfs, { '/run': 'rw,noexec', '/ro-tmp': 'ro' });
    assert.deepEqual(options.HostConfig.PortBindings, { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }] });
    assert.equal(options.HostConfig.NetworkMode, 'appnet');
  });

  it('uses the recorded image id by default, leaves image defaults alone and can drop host ports', () => {
    const options = createOptionsFor('c2', { ...config, cmd: null, entrypoint: null, hostname: '' }, { dropHostPorts: true });
    assert.equal(options.Image, config.imageId);
    assert.equal('Cmd' in options, false);
    assert.equal('Entrypoint' in options, false);
    assert.equal('Hostname' in options, false);
    assert.deepEqual(options.HostConfig?.PortBindings, {});
    assert.deepEqual(options.ExposedPorts, { '80/tcp': {} });
  });
});

describe('security and resource settings (issue #13, defect 7)', () => {
  /** What `docker run --cap-drop ALL --cap-add CHOWN --read-only --memory 64m --pids-limit 32 ...` leaves in inspect. */
  const hardened = inspectFixture({
    Config: { Tty: true, StopSignal: 'SIGINT', Healthcheck: { Test: ['CMD', 'true'], Interval: 1_000_000_000 } },
    HostConfig: {
      CapAdd: ['CHOWN'],
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      ReadonlyRootfs: true,
      Devices: [{ PathOnHost: '/dev/zero', PathInContainer: '/dev/myzero', CgroupPermissions: 'rwm' }],
      Memory: 67_108_864,
      MemorySwap: 134_217_728,
      NanoCpus: 500_000_000,
      PidsLimit: 32,
      Init: true,
      Tmpfs: { '/run': 'rw,noexec,size=1m', '/ro-tmp': 'ro' },
      Ulimits: [{ Name: 'nofile', Soft: 512, Hard: 1024 }],
      ShmSize: 33_554_432,
      Sysctls: { 'kernel.msgmax': '65536' },
      StorageOpt: { size: '1G' },
      Links: ['/db:/web/db'],
      // Docker's own defaults and empties are not "settings the source had".
      KernelMemory: 0,
      BlkioWeightDevice: [],
      Cgroup: '',
      ConsoleSize: [0, 0],
      MaskedPaths: ['/proc/kcore'],
    },
  });

  it('records them with Docker\'s names and lists what cannot be carried over', () => {
    const settings = recordedConfigFromInspect(hardened).dockerSettings;
    assert.ok(settings);
    for (const [key, value] of Object.entries({
      CapAdd: ['CHOWN'],
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      ReadonlyRootfs: true,
      Memory: 67_108_864,
      PidsLimit: 32,
      Init: true,
      Ulimits: [{ Name: 'nofile', Soft: 512, Hard: 1024 }],
      ShmSize: 33_554_432,
      Sysctls: { 'kernel.msgmax': '65536' },
      Tmpfs: { '/run': 'rw,noexec,size=1m', '/ro-tmp': 'ro' },
    })) {
      assert.deepEqual(settings.hostConfig[key], value, key);
    }
    assert.deepEqual(settings.config, { Tty: true, StopSignal: 'SIGINT', Healthcheck: { Test: ['CMD', 'true'], Interval: 1_000_000_000 } });
    for (const absent of ['KernelMemory', 'BlkioWeightDevice', 'Cgroup', 'ConsoleSize', 'MaskedPaths', 'StorageOpt', 'Links', 'PortBindings', 'Mounts']) {
      assert.equal(absent in settings.hostConfig, false, absent);
    }
    assert.equal(settings.notCarried.length, 2, JSON.stringify(settings.notCarried));
    assert.match(settings.notCarried.join('\n'), /StorageOpt/);
    assert.match(settings.notCarried.join('\n'), /Links/);
  });

  it('re-applies them on create: same capabilities, read-only rootfs, limits, tmpfs options, ulimits, sysctls', () => {
    const options = createOptionsFor('copy', recordedConfigFromInspect(hardened), { hostname: 'copy' });
    const host = options.HostConfig ?? {};
    assert.deepEqual(host.CapDrop, ['ALL']);
    assert.deepEqual(host.CapAdd, ['CHOWN']);
    assert.equal(host.ReadonlyRootfs, true);
    assert.deepEqual(host.SecurityOpt, ['no-new-privileges']);
    assert.deepEqual(host.Devices, [{ PathOnHost: '/dev/zero', PathInContainer: '/dev/myzero', CgroupPermissions: 'rwm' }]);
    assert.deepEqual([host.Memory, host.MemorySwap, host.NanoCpus, host.PidsLimit, host.ShmSize, host.Init], [67_108_864, 134_217_728, 500_000_000, 32, 33_554_432, true]);
    assert.deepEqual(host.Ulimits, [{ Name: 'nofile', Soft: 512, Hard: 1024 }]);
    assert.deepEqual(host.Sysctls, { 'kernel.msgmax': '65536' });
    // Tmpfs keeps its options (size, noexec); the same destinations are not mounted a second time.
    assert.deepEqual(host.Tmpfs, { '/run': 'rw,noexec,size=1m', '/ro-tmp': 'ro' });
    assert.deepEqual(host.Mounts?.filter((m) => m.Type === 'tmpfs'), []);
    assert.equal((options as { Tty?: boolean }).Tty, true);
    assert.equal((options as { StopSignal?: string }).StopSignal, 'SIGINT');
    // What the copy decides stays its own.
    assert.equal(options.Hostname, 'copy');
    assert.equal(host.NetworkMode, 'appnet');
  });

  it('creates a snapshot recorded before these settings existed as before (tmpfs as mounts)', () => {
    const { dockerSettings: _dropped, ...old } = recordedConfigFromInspect(hardened);
    const options = createOptionsFor('copy', old);
    assert.equal(options.HostConfig?.CapDrop, undefined);
    assert.deepEqual(options.HostConfig?.Mounts?.filter((m) => m.Type === 'tmpfs').map((m) => m.Target), ['/ro-tmp', '/run']);
  });
});
