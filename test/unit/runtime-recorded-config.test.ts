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
      { Type: 'tmpfs', Source: '', Target: '/ro-tmp', ReadOnly: true },
      { Type: 'tmpfs', Source: '', Target: '/run', ReadOnly: false },
      { Type: 'volume', Source: 'pgdata', Target: '/var/lib/pg', ReadOnly: true },
    ]);
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
