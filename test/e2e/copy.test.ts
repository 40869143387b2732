import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type Docker from 'dockerode';
import { ExecFileRunner } from '../../storage-drivers/common/command-runner.js';
import { needs } from '../support/components.js';
import { useServiceEnvironment } from '../support/service-environment.js';
import { execIn, layerPath } from '../support/docker-exec.js';
import { treeDifferences, treeDigest } from '../support/tree-digest.js';

interface CopyJson {
  container: { id: string; name: string; state: string };
  source_container: { id: string; name: string };
  source_snapshot: { name: string; alias: string | null; last_used_at: string | null };
  temporary_snapshot: boolean;
  warnings: string[];
}

const LOOP = ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'];

describe('copy a container from a snapshot (real dockerd on btrfs, real zfs-fuse, real HTTP)', needs('docker', 'zfs'), () => {
  const runner = new ExecFileRunner();
  const env = useServiceEnvironment();

  async function copy(source: string, body: Record<string, unknown>): Promise<CopyJson> {
    const response = await env.service.api('POST', `/containers/${source}/copy`, body);
    assert.equal(response.status, 201, JSON.stringify(response.body));
    return response.body.data as CopyJson;
  }

  async function runContainer(name: string, extra: Partial<Docker.ContainerCreateOptions> = {}): Promise<Docker.Container> {
    const container = await env.engine.docker.createContainer({ Image: env.engine.image, Cmd: LOOP, name, ...extra });
    await container.start();
    return container;
  }

  it('clones a prepared template into three developer containers that diverge independently', async () => {
    const template = await runContainer('template', { Env: ['APP_MODE=dev', 'API_KEY=s3cret'], Labels: { team: 'core' }, WorkingDir: '/srv' });
    await execIn(template, ['sh', '-c', 'mkdir -p /srv && printf "#!/bin/sh\\necho devtool 1.0\\n" > /usr/local/bin/devtool && chmod +x /usr/local/bin/devtool && echo "port=8080" > /etc/app.conf && echo seed > /srv/data']);
    const snap = await env.service.api('POST', '/containers/template/snapshots', { alias: 'template' });
    assert.equal(snap.status, 201);
    const templateLayer = await layerPath(env.engine.dataRoot, template.id);
    const templateBefore = await treeDigest(templateLayer);

    const devs = ['dev-ann', 'dev-bob', 'dev-cho'];
    for (const name of devs) {
      const made = await copy('template', { name, source_snapshot: 'template' });
      assert.equal(made.container.name, name);
      assert.equal(made.container.state, 'running');
      assert.equal(made.source_container.name, 'template');
      assert.equal(made.temporary_snapshot, false);
      assert.notEqual(made.source_snapshot.last_used_at, null);
    }
    for (const name of devs) {
      const dev = env.engine.docker.getContainer(name);
      assert.equal(await execIn(dev, ['devtool']), 'devtool 1.0\n');
      assert.equal(await execIn(dev, ['cat', '/etc/app.conf']), 'port=8080\n');
      assert.match(await execIn(dev, ['env']), /^API_KEY=s3cret$/m, 'env recorded (encrypted) and restored');
      assert.equal(await execIn(dev, ['pwd']), '/srv\n');
      assert.equal(await execIn(dev, ['hostname']), `${name}\n`, 'a hostname of its own');
      const info = await dev.inspect();
      assert.equal(info.Config.Labels.team, 'core');
      await execIn(dev, ['sh', '-c', `echo ${name} > /srv/data && echo mine > /srv/${name}`]);
    }
    for (const name of devs) {
      const dev = env.engine.docker.getContainer(name);
      assert.equal(await execIn(dev, ['cat', '/srv/data']), `${name}\n`);
      for (const other of devs.filter((o) => o !== name)) await assert.rejects(execIn(dev, ['cat', `/srv/${other}`]));
    }
    assert.equal(await execIn(template, ['cat', '/srv/data']), 'seed\n');
    assert.deepEqual(treeDifferences(templateBefore, await treeDigest(templateLayer)), [], 'the template is unchanged');
    // The snapshot too: a fresh copy still sees the template's data.
    await copy('template', { name: 'dev-late', source_snapshot: 'template', start: false });
    const late = env.engine.docker.getContainer('dev-late');
    assert.equal((await late.inspect()).State.Running, false, 'start: false leaves it created');
    await late.start();
    assert.equal(await execIn(late, ['cat', '/srv/data']), 'seed\n');
  });

  it('copies after the source container was removed with docker rm -f', async () => {
    const source = await runContainer('ephemeral');
    await execIn(source, ['sh', '-c', 'echo survived > /root/note']);
    const snap = await env.service.api('POST', '/containers/ephemeral/snapshots', { alias: 'last' });
    assert.equal(snap.status, 201);
    await source.remove({ force: true });
    const made = await copy('ephemeral', { name: 'phoenix', source_snapshot: 'last' });
    assert.equal(await execIn(env.engine.docker.getContainer(made.container.id), ['cat', '/root/note']), 'survived\n');
    // Without a snapshot there is nothing to copy from a removed container.
    const refused = await env.service.api('POST', '/containers/ephemeral/copy', { name: 'phoenix-2' });
    assert.equal(refused.status, 404);
  });

  it('clones pool-backed bind mounts on btrfs and on zfs-fuse into new datasets', async () => {
    const subvolume = join(env.engine.pool.mountPoint, 'shared-app');
    await runner.run('btrfs', ['subvolume', 'create', subvolume]);
    await writeFile(join(subvolume, 'app.txt'), 'app-v1');
    await runner.run('zfs', ['create', `${env.zfs.name}/shared-db`]);
    const zfsPath = join(env.zfs.mountPoint, 'shared-db');
    await writeFile(join(zfsPath, 'db.txt'), 'db-v1');
    await runContainer('withmounts', { HostConfig: { Binds: [`${subvolume}:/app`, `${zfsPath}:/db`] } });
    const snap = await env.service.api('POST', '/containers/withmounts/snapshots', { alias: 'mounts' });
    assert.equal(snap.status, 201);

    const made = await copy('withmounts', { name: 'mounts-copy', source_snapshot: 'mounts' });
    const info = await env.engine.docker.getContainer(made.container.id).inspect();
    const sources = Object.fromEntries(info.Mounts.map((m) => [m.Destination, m.Source]));
    assert.notEqual(sources['/app'], subvolume, 'the btrfs mount is a new subvolume');
    assert.notEqual(sources['/db'], zfsPath, 'the zfs mount is a new dataset');
    assert.ok(sources['/app']?.startsWith(env.engine.pool.mountPoint));
    assert.ok(sources['/db']?.startsWith(env.zfs.mountPoint));

    const copyContainer = env.engine.docker.getContainer(made.container.id);
    assert.equal(await execIn(copyContainer, ['cat', '/app/app.txt']), 'app-v1');
    assert.equal(await execIn(copyContainer, ['cat', '/db/db.txt']), 'db-v1');
    await execIn(copyContainer, ['sh', '-c', 'echo app-copy > /app/app.txt; echo db-copy > /db/db.txt']);
    await writeFile(join(subvolume, 'app.txt'), 'app-source');
    assert.equal(await readFile(join(subvolume, 'app.txt'), 'utf8'), 'app-source');
    assert.equal(await readFile(join(zfsPath, 'db.txt'), 'utf8'), 'db-v1', 'the source dataset is untouched by the copy');
    assert.equal(await execIn(copyContainer, ['cat', '/app/app.txt']), 'app-copy\n');

    // Deleting the source snapshot (a ZFS clone depends on it) leaves the copy working.
    const deleted = await env.service.api('DELETE', '/containers/withmounts/snapshots/mounts');
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    assert.equal(await execIn(copyContainer, ['cat', '/db/db.txt']), 'db-copy\n');
  });

  it('makes ten copies of one snapshot in parallel, all independent', async () => {
    const source = await runContainer('popular');
    await execIn(source, ['sh', '-c', 'echo shared > /root/base']);
    const snap = await env.service.api('POST', '/containers/popular/snapshots', { alias: 'base' });
    assert.equal(snap.status, 201);
    const names = Array.from({ length: 10 }, (_, i) => `par-${i}`);
    const results = await Promise.all(names.map((name) => env.service.api('POST', '/containers/popular/copy', { name, source_snapshot: 'base' })));
    assert.deepEqual(results.map((r) => r.status), names.map(() => 201), JSON.stringify(results.find((r) => r.status !== 201)?.body));
    await Promise.all(names.map((name) => execIn(env.engine.docker.getContainer(name), ['sh', '-c', `echo ${name} > /root/base`])));
    for (const name of names) assert.equal(await execIn(env.engine.docker.getContainer(name), ['cat', '/root/base']), `${name}\n`);
    assert.equal(await execIn(source, ['cat', '/root/base']), 'shared\n');
  });

  it('refuses a taken name with 409', async () => {
    // A failure midway (Docker taking the name after the clones) is test/e2e/copy-hardening.test.ts.
    await runContainer('busyname');
    const taken = await env.service.api('POST', '/containers/busyname/copy', { name: 'busyname' });
    assert.equal(taken.status, 409);
    assert.equal((taken.body.error as { code: string }).code, 'name_taken');
  });

  it('copies the current state through a temporary snapshot that is removed afterwards', async () => {
    const source = await runContainer('live');
    await execIn(source, ['sh', '-c', 'echo now > /root/state']);
    const made = await copy('live', { name: 'live-copy' });
    assert.equal(made.temporary_snapshot, true);
    assert.equal(await execIn(env.engine.docker.getContainer('live-copy'), ['cat', '/root/state']), 'now\n');
    const list = await env.service.api('GET', '/containers/live/snapshots');
    assert.equal((list.body.data as { total: number }).total, 0);
    const layer = await layerPath(env.engine.dataRoot, source.id);
    const key = encodeURIComponent(layer.slice(env.engine.pool.mountPoint.length + 1));
    const onDisk = await import('node:fs/promises').then((fs) => fs.readdir(join(env.engine.pool.mountPoint, '.cowsnap/snapshots', key)).catch(() => []));
    assert.deepEqual(onDisk, [], 'no snapshot left on disk');
  });
});
