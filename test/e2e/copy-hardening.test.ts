/**
 * Issue #13, defects 6 and 7, on a real dockerd (btrfs storage driver) and the real service over HTTP:
 * a copy is as locked down as its template, a name can be copied to again after `docker rm`, and a name
 * Docker hands to someone else midway is a 409 with nothing left behind.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type Docker from 'dockerode';
import { ExecFileRunner, type CommandResult, type CommandRunner, type RunOptions } from '../../storage-drivers/common/command-runner.js';
import { needs } from '../support/components.js';
import { startTestService, type TestService } from '../support/cowsnap-service.js';
import { createDockerEngine, type TestDockerEngine } from '../support/docker-engine.js';
import { execIn } from '../support/docker-exec.js';
import { createZfsPool, type TestZfsPool } from '../support/zfs-pool.js';

const LOOP = ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'];
const MiB = 1024 * 1024;

/** The real command runner, with a hook after each command: how a test makes something happen "meanwhile". */
class HookedRunner implements CommandRunner {
  private readonly real = new ExecFileRunner();
  afterCommand: ((command: string, args: readonly string[]) => Promise<void>) | undefined;

  async run(command: string, args: readonly string[], options?: RunOptions): Promise<CommandResult> {
    const result = await this.real.run(command, args, options);
    await this.afterCommand?.(command, args);
    return result;
  }

}

/** The HostConfig fields issue #13 names; a copy's must equal its template's. */
const HARDENING_KEYS = [
  'CapAdd', 'CapDrop', 'SecurityOpt', 'ReadonlyRootfs', 'Devices', 'Memory', 'MemorySwap', 'NanoCpus', 'CpuShares', 'PidsLimit',
  'Init', 'Tmpfs', 'Ulimits', 'ShmSize', 'Sysctls',
] as const;

describe('copy hardening: settings carried over, names reusable, races refused cleanly (real dockerd)', needs('docker', 'zfs'), () => {
  const runner = new HookedRunner();
  let engine: TestDockerEngine;
  let zfs: TestZfsPool;
  let service: TestService;

  before(async () => {
    engine = await createDockerEngine();
    zfs = await createZfsPool();
    service = await startTestService({ engine, zfsPool: zfs, serviceOptions: { runner } });
  });
  after(async () => {
    runner.afterCommand = undefined;
    await service.close();
    // The engine first: its containers bind-mount datasets of the zfs pool.
    await engine.destroy();
    await zfs.destroy();
  });

  async function runContainer(name: string, extra: Partial<Docker.ContainerCreateOptions> = {}): Promise<Docker.Container> {
    const container = await engine.docker.createContainer({ Image: engine.image, Cmd: LOOP, name, ...extra });
    await container.start();
    return container;
  }

  async function subvolumeWith(name: string, file: string, content: string): Promise<string> {
    const path = join(engine.pool.mountPoint, name);
    await new ExecFileRunner().run('btrfs', ['subvolume', 'create', path]);
    await writeFile(join(path, file), content);
    return path;
  }

  it('gives a --cap-drop ALL --read-only template with limits, tmpfs, ulimit and sysctl a copy with the same HostConfig', async () => {
    const template = await runContainer('locked', {
      HostConfig: {
        CapDrop: ['ALL'],
        CapAdd: ['CHOWN'],
        SecurityOpt: ['no-new-privileges'],
        ReadonlyRootfs: true,
        Devices: [{ PathOnHost: '/dev/zero', PathInContainer: '/dev/myzero', CgroupPermissions: 'rwm' }],
        Memory: 64 * MiB,
        NanoCpus: 500_000_000,
        CpuShares: 512,
        PidsLimit: 32,
        Init: true,
        Tmpfs: { '/scratch': 'rw,noexec,size=1m' },
        Ulimits: [{ Name: 'nofile', Soft: 512, Hard: 1024 }],
        ShmSize: 32 * MiB,
        // kernel.msgmax lives in the IPC namespace every container has; net.* would need a network namespace.
        Sysctls: { 'kernel.msgmax': '65536' },
      },
    });
    const snap = await service.api('POST', '/containers/locked/snapshots', { alias: 'locked' });
    assert.equal(snap.status, 201, JSON.stringify(snap.body));
    const made = await service.api('POST', '/containers/locked/copy', { name: 'locked-copy', source_snapshot: 'locked' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const warnings = (made.body.data as { warnings: string[] }).warnings;
    assert.deepEqual(warnings, [], 'everything was carried over');

    const source = (await template.inspect()).HostConfig as unknown as Record<string, unknown>;
    const copied = (await engine.docker.getContainer('locked-copy').inspect()).HostConfig as unknown as Record<string, unknown>;
    assert.deepEqual(source['CapDrop'], ['ALL'], 'the engine kept what the template asked for');
    assert.equal(source['Memory'], 64 * MiB);
    for (const key of HARDENING_KEYS) assert.deepEqual(copied[key], source[key], `HostConfig.${key}`);

    // And it behaves so: read-only rootfs, only CHOWN left, the ulimit, the sysctl, the noexec tmpfs.
    const copy = engine.docker.getContainer('locked-copy');
    await assert.rejects(execIn(copy, ['touch', '/etc/new-file']), 'the rootfs is read-only');
    assert.match(await execIn(copy, ['grep', 'CapEff', '/proc/self/status']), /CapEff:\s+0000000000000001\n/);
    assert.equal(await execIn(copy, ['sh', '-c', 'ulimit -n']), '512\n');
    assert.equal(await execIn(copy, ['cat', '/proc/sys/kernel/msgmax']), '65536\n');
    assert.match(await execIn(copy, ['grep', ' /scratch ', '/proc/mounts']), /tmpfs .*noexec/);
  });

  it('copies to a name again after docker rm of the first copy, into the next free datasets (btrfs and zfs)', async () => {
    const data = await subvolumeWith('again-data', 'note.txt', 'from the snapshot');
    await new ExecFileRunner().run('zfs', ['create', `${zfs.name}/again-db`]);
    await writeFile(join(zfs.mountPoint, 'again-db', 'db.txt'), 'db from the snapshot');
    await runContainer('again-src', { HostConfig: { Binds: [`${data}:/data`, `${join(zfs.mountPoint, 'again-db')}:/db`] } });
    const snap = await service.api('POST', '/containers/again-src/snapshots', { alias: 'base' });
    assert.equal(snap.status, 201, JSON.stringify(snap.body));

    const first = await service.api('POST', '/containers/again-src/copy', { name: 'again', source_snapshot: 'base' });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const firstSources = Object.fromEntries((await engine.docker.getContainer('again').inspect()).Mounts.map((m) => [m.Destination, m.Source]));
    await engine.docker.getContainer('again').remove({ force: true });

    const second = await service.api('POST', '/containers/again-src/copy', { name: 'again', source_snapshot: 'base' });
    assert.equal(second.status, 201, JSON.stringify(second.body));
    const copy = engine.docker.getContainer('again');
    const sources = Object.fromEntries((await copy.inspect()).Mounts.map((m) => [m.Destination, m.Source]));
    // The first copy's datasets are left alone (docker rm does not remove them); this one has free numbers.
    assert.deepEqual(firstSources, { '/data': join(engine.pool.mountPoint, 'cowsnap-copy-again-1'), '/db': join(zfs.mountPoint, 'cowsnap-copy-again-2') });
    assert.match(sources['/data'] ?? '', /\/cowsnap-copy-again-\d+$/);
    assert.match(sources['/db'] ?? '', /\/cowsnap-copy-again-\d+$/);
    assert.notEqual(sources['/data'], firstSources['/data']);
    assert.notEqual(sources['/db'], firstSources['/db']);
    assert.equal(await readFile(join(engine.pool.mountPoint, 'cowsnap-copy-again-1', 'note.txt'), 'utf8'), 'from the snapshot', 'the first copy\'s data is still there');
    assert.equal(await execIn(copy, ['cat', '/data/note.txt']), 'from the snapshot');
    assert.equal(await execIn(copy, ['cat', '/db/db.txt']), 'db from the snapshot');
  });

  it('answers 409 when Docker gives the name to someone else midway, leaving no container, dataset or running journal row', async () => {
    const data = await subvolumeWith('race-data', 'x.txt', 'x');
    await new ExecFileRunner().run('zfs', ['create', `${zfs.name}/race-db`]);
    await runContainer('race-src', { HostConfig: { Binds: [`${data}:/data`, `${join(zfs.mountPoint, 'race-db')}:/db`] } });
    let racer: string | undefined;
    // Right after a mount's clone, before cowsnap creates its container: `docker create --name racy`. The hook
    // is on the zfs clone: btrfs clones are library calls, not commands the runner sees.
    runner.afterCommand = async (command, args) => {
      if (racer !== undefined || command !== 'zfs' || args[0] !== 'clone' || !/cowsnap-copy-racy-\d+$/.test(args.at(-1) ?? '')) return;
      racer = (await engine.docker.createContainer({ Image: engine.image, Cmd: LOOP, name: 'racy' })).id;
    };
    try {
      const refused = await service.api('POST', '/containers/race-src/copy', { name: 'racy' });
      assert.equal(refused.status, 409, JSON.stringify(refused.body));
      assert.equal((refused.body.error as { code: string }).code, 'name_taken');
    } finally {
      runner.afterCommand = undefined;
    }
    assert.notEqual(racer, undefined, 'the race happened');

    const named = (await engine.docker.listContainers({ all: true })).filter((c) => c.Names.includes('/racy'));
    assert.deepEqual(named.map((c) => c.Id), [racer], 'only the other party\'s container has the name');
    const leftovers = (await readdir(engine.pool.mountPoint)).filter((entry) => entry.startsWith('cowsnap-copy-racy'));
    assert.deepEqual(leftovers, [], 'no cloned btrfs dataset left');
    const { stdout: zfsDatasets } = await new ExecFileRunner().run('zfs', ['list', '-H', '-o', 'name', '-r', zfs.name]);
    assert.doesNotMatch(zfsDatasets, /cowsnap-copy-racy/, 'no cloned zfs dataset left');
    const snapshots = await service.api('GET', '/containers/race-src/snapshots');
    assert.equal((snapshots.body.data as { total: number }).total, 0, 'the temporary snapshot is gone');
    const db = new Database(service.config.databasePath, { readonly: true });
    try {
      const copies = db.prepare("SELECT state FROM operations WHERE kind = 'copy' AND payload LIKE '%\"racy\"%'").all() as { state: string }[];
      assert.deepEqual(copies, [{ state: 'failed' }], 'journaled, and finished as failed');
    } finally {
      db.close();
    }
  });
});
