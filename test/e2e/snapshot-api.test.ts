import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type Docker from 'dockerode';
import { ExecFileRunner } from '../../storage-drivers/common/command-runner.js';
import { needs } from '../support/components.js';
import { useServiceEnvironment } from '../support/service-environment.js';
import { execIn, layerPath } from '../support/docker-exec.js';
import { treeDifferences, treeDigest } from '../support/tree-digest.js';
import type { SnapshotJson } from '../../src/http/wire/snapshot-json.js';

describe('snapshot API end to end (real dockerd on btrfs, real zfs-fuse, real HTTP)', needs('docker', 'zfs'), () => {
  const runner = new ExecFileRunner();
  const env = useServiceEnvironment();

  async function runContainer(name: string, extra: Partial<Docker.ContainerCreateOptions> = {}): Promise<Docker.Container> {
    const container = await env.engine.docker.createContainer({ Image: env.engine.image, Cmd: ['sleep', '100000'], name, ...extra });
    await container.start();
    return container;
  }

  async function snapshot(container: string, body: Record<string, unknown> = {}): Promise<SnapshotJson> {
    const response = await env.service.api('POST', `/containers/${container}/snapshots`, body);
    assert.equal(response.status, 201, JSON.stringify(response.body));
    return (response.body.data as { snapshot: SnapshotJson }).snapshot;
  }

  it('rolls a running container back: every path of the layer is exactly as at the snapshot', async () => {
    const container = await runContainer('rollback');
    await execIn(container, ['sh', '-c', 'mkdir -p /srv && echo v1 > /srv/config && echo keep > /srv/doomed && echo base > /etc/motd']);
    const layer = await layerPath(env.engine.dataRoot, container.id);
    const before = await treeDigest(layer);

    const snap = await snapshot('rollback');
    assert.match(snap.name, /^snap-\d{8}-\d{6}(-\d+)?$/);
    assert.equal(snap.state, 'ready');
    assert.equal(snap.stateful, false);
    assert.deepEqual(snap.filesystems.map((f) => f.role), ['rootfs']);

    await execIn(container, ['sh', '-c', 'echo v2 > /srv/config && rm /srv/doomed && echo new > /srv/new && printf "#!/bin/sh\\necho evil\\n" > /usr/local/bin/tool && chmod +x /usr/local/bin/tool']);
    assert.notDeepEqual(await treeDigest(layer), before);

    const restored = await env.service.api('PATCH', `/containers/rollback/snapshots/${snap.name}`);
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    assert.equal(typeof (restored.body.data as { duration_ms: number }).duration_ms, 'number');

    assert.deepEqual(treeDifferences(before, await treeDigest(await layerPath(env.engine.dataRoot, container.id))), []);
    const state = await container.inspect();
    assert.equal(state.State.Running, true);
    assert.equal(await execIn(container, ['cat', '/srv/config']), 'v1\n');
    await assert.rejects(execIn(container, ['cat', '/usr/local/bin/tool']));
    const got = await env.service.api('GET', `/containers/rollback/snapshots/${snap.name}`);
    assert.notEqual((got.body.data as { snapshot: SnapshotJson }).snapshot.last_used_at, null);
  });

  it("measures a snapshot's exclusive size in the background, within seconds of the create", async () => {
    const container = await runContainer('sized');
    await execIn(container, ['sh', '-c', 'dd if=/dev/urandom of=/data.bin bs=64k count=32 2>/dev/null && sync']);
    const snap = await snapshot('sized');
    assert.equal(snap.size, null, 'the create answers before the size is measured');
    const sizeOf = async (): Promise<number | null> =>
      ((await env.service.api('GET', `/containers/sized/snapshots/${snap.name}`)).body.data as { snapshot: SnapshotJson }).snapshot.size;
    const deadline = Date.now() + 15_000;
    let size = await sizeOf();
    while (size === null && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      size = await sizeOf();
    }
    assert.equal(typeof size, 'number', 'measured within seconds');
  });

  it('restores to the oldest of three snapshots and then to the newest, keeping all three; by alias too', async () => {
    const container = await runContainer('three');
    const digests: Map<string, string>[] = [];
    const names: string[] = [];
    for (const version of ['one', 'two', 'three']) {
      await execIn(container, ['sh', '-c', `echo ${version} > /data/version; echo ${version} >> /data/history`]);
      digests.push(await treeDigest(await layerPath(env.engine.dataRoot, container.id)));
      names.push((await snapshot('three', { alias: `release-${version}` })).name);
    }
    await execIn(container, ['sh', '-c', 'echo four > /data/version']);

    for (const [index, ref] of [[0, names[0]], [2, names[2]], [0, 'release-one']] as const) {
      const response = await env.service.api('PATCH', `/containers/three/snapshots/${String(ref)}`);
      assert.equal(response.status, 200, JSON.stringify(response.body));
      const layer = await layerPath(env.engine.dataRoot, container.id);
      assert.deepEqual(treeDifferences(digests[index] ?? new Map<string, string>(), await treeDigest(layer)), [], `after restore to ${String(ref)}`);
    }
    const list = await env.service.api('GET', '/containers/three/snapshots');
    const listed = (list.body.data as { snapshots: SnapshotJson[] }).snapshots.map((s) => s.name);
    assert.deepEqual(listed, [...names].reverse());
  });

  it('captures and restores bind mounts on a btrfs subvolume and on a zfs-fuse dataset with the rootfs', async () => {
    const subvolume = join(env.engine.pool.mountPoint, 'volumes', 'appdata');
    await mkdir(join(env.engine.pool.mountPoint, 'volumes'), { recursive: true });
    await runner.run('btrfs', ['subvolume', 'create', subvolume]);
    const dataset = `${env.zfs.name}/dbdata`;
    await runner.run('zfs', ['create', dataset]);
    const zfsPath = join(env.zfs.mountPoint, 'dbdata');
    await writeFile(join(subvolume, 'app.txt'), 'app-v1');
    await writeFile(join(zfsPath, 'db.txt'), 'db-v1');
    const container = await runContainer('mounts', {
      HostConfig: { Binds: [`${subvolume}:/app`, `${zfsPath}:/db`, '/tmp:/hosttmp:ro'] },
    });
    await execIn(container, ['sh', '-c', 'echo root-v1 > /root.txt']);

    const snap = await snapshot('mounts');
    const roles = snap.filesystems.map((f) => `${f.role}:${f.mount_point}:${f.driver}`).sort();
    assert.deepEqual(roles, ['mount:/app:btrfs', 'mount:/db:zfs', 'rootfs:/:btrfs']);
    const detail = await env.service.api('GET', '/containers/mounts');
    const capture = (detail.body.data as { container: { capture: { mount_point: string; captured: boolean; reason: string | null }[] } }).container.capture;
    const hostTmp = capture.find((c) => c.mount_point === '/hosttmp');
    assert.equal(hostTmp?.captured, false);
    assert.ok((hostTmp.reason ?? '').length > 0);

    await execIn(container, ['sh', '-c', 'echo app-v2 > /app/app.txt; echo db-v2 > /db/db.txt; echo root-v2 > /root.txt; touch /app/extra /db/extra']);
    const restored = await env.service.api('PATCH', `/containers/mounts/snapshots/${snap.name}`);
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    assert.equal(await execIn(container, ['cat', '/app/app.txt']), 'app-v1');
    assert.equal(await execIn(container, ['cat', '/db/db.txt']), 'db-v1');
    assert.equal(await execIn(container, ['cat', '/root.txt']), 'root-v1\n');
    await assert.rejects(execIn(container, ['ls', '/app/extra']));
    await assert.rejects(execIn(container, ['ls', '/db/extra']));
    assert.equal(await readFile(join(subvolume, 'app.txt'), 'utf8'), 'app-v1');
    await container.remove({ force: true });
  });

  it('keeps snapshots of a container removed with docker rm -f, under its old id and name', async () => {
    const container = await runContainer('doomed');
    const snap = await snapshot('doomed', { alias: 'last-words' });
    await container.remove({ force: true });
    for (const ref of ['doomed', container.id, container.id.slice(0, 12)]) {
      const list = await env.service.api('GET', `/containers/${ref}/snapshots`);
      assert.equal(list.status, 200, `${ref}: ${JSON.stringify(list.body)}`);
      assert.equal((list.body.data as { container_id: string }).container_id, container.id);
      assert.deepEqual((list.body.data as { snapshots: SnapshotJson[] }).snapshots.map((s) => s.name), [snap.name]);
    }
    const got = await env.service.api('GET', '/containers/doomed/snapshots/last-words');
    assert.equal(got.status, 200);
    const containers = await env.service.api('GET', '/containers');
    const listed = (containers.body.data as { containers: { id: string; state: string }[] }).containers.find((c) => c.id === container.id);
    assert.equal(listed?.state, 'removed');
  });

  it('names snapshots in the same second -2, -3; keeps aliases unique; pages newest first; updates and deletes', async () => {
    await runContainer('meta');
    env.service.clock.set('2026-03-04T05:06:07.000Z');
    const made = [await snapshot('meta', { alias: 'a' }), await snapshot('meta'), await snapshot('meta', { expiry: 30, tags: ['x'] })];
    assert.deepEqual(made.map((s) => s.name), ['snap-20260304-050607', 'snap-20260304-050607-2', 'snap-20260304-050607-3']);
    assert.equal(made[2]?.expires_at, '2026-04-03T05:06:07.000Z');
    assert.equal(made[0]?.expires_at, null);

    const duplicate = await env.service.api('POST', '/containers/meta/snapshots', { alias: 'a' });
    assert.equal(duplicate.status, 409);
    env.service.clock.advance(1000);
    const page = await env.service.api('GET', '/containers/meta/snapshots?limit=2&offset=1');
    const data = page.body.data as { snapshots: SnapshotJson[]; total: number };
    assert.equal(data.total, 3);
    assert.deepEqual(data.snapshots.map((s) => s.name), ['snap-20260304-050607-2', 'snap-20260304-050607']);

    const updated = await env.service.api('PUT', '/containers/meta/snapshots/a', { alias: 'golden', expiry: null, tags: ['keep'] });
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    const snap = (updated.body.data as { snapshot: SnapshotJson }).snapshot;
    assert.deepEqual([snap.alias, snap.expires_at, snap.tags], ['golden', null, ['keep']]);
    const expiring = await env.service.api('PUT', '/containers/meta/snapshots/golden', { expiry: 2 });
    assert.equal((expiring.body.data as { snapshot: SnapshotJson }).snapshot.expires_at, '2026-03-06T05:06:08.000Z');

    const deleted = await env.service.api('DELETE', '/containers/meta/snapshots/golden');
    assert.equal(deleted.status, 200);
    assert.equal((await env.service.api('GET', '/containers/meta/snapshots/golden')).status, 404);
    assert.equal(((await env.service.api('GET', '/containers/meta/snapshots')).body.data as { total: number }).total, 2);
  });

  it('reports health (Docker, pools, database) and Prometheus metrics of the operations it ran', async () => {
    const anonymous = await env.service.api('GET', '/health', undefined, { token: null });
    assert.equal(anonymous.status, 200, JSON.stringify(anonymous.body));
    assert.deepEqual(anonymous.body.data, { ok: true }, 'defect-13: without the token only ok');
    const health = await env.service.api('GET', '/health');
    assert.equal(health.status, 200, JSON.stringify(health.body));
    const data = health.body.data as { ok: boolean; docker: { storage_driver: string }; pools: { id: string; driver: string; free_bytes: number }[] };
    assert.equal(data.docker.storage_driver, 'btrfs');
    assert.deepEqual(data.pools.map((p) => [p.id, p.driver]), [['docker-pool', 'btrfs'], ['tank', 'zfs']]);
    assert.ok((data.pools[0]?.free_bytes ?? 0) > 0);

    const metrics = await fetch(`${env.service.url}/metrics`, { headers: { authorization: `Bearer ${env.service.token}` } });
    assert.equal(metrics.status, 200);
    const text = await metrics.text();
    assert.match(text, /cowsnap_operation_duration_seconds_count\{operation="snapshot",outcome="ok"\} [1-9]/);
    assert.match(text, /cowsnap_operation_duration_seconds_count\{operation="restore",outcome="ok"\} [1-9]/);
    assert.match(text, /cowsnap_snapshots\{pool="docker-pool",state="ready"\} [1-9]/);
    assert.match(text, /cowsnap_http_requests_total\{/);
  });

  it('rejects bad input with 400 listing the problem and creates nothing; 404, 401 and 409 where due', async () => {
    await runContainer('strict');
    const bad: [string, unknown][] = [
      ['alias too long', { alias: 'x'.repeat(101) }],
      ['control character', { alias: 'bad\u0007alias' }],
      ['expiry 0', { expiry: 0 }],
      ['expiry -1', { expiry: -1 }],
      ['expiry 1.5', { expiry: 1.5 }],
      ['expiry string', { expiry: '30' }],
      ['expiry 3651', { expiry: 3651 }],
      ['unknown field', { colour: 'blue' }],
    ];
    for (const [label, body] of bad) {
      const response = await env.service.api('POST', '/containers/strict/snapshots', body);
      assert.equal(response.status, 400, label);
      const error = response.body.error as { code: string; details: unknown[] };
      assert.ok(error.details.length >= 1, label);
    }
    const malformed = await env.service.raw('POST', '/containers/strict/snapshots', '{"alias": ', 'application/json');
    assert.equal(malformed.status, 400);
    const wrongType = await env.service.raw('POST', '/containers/strict/snapshots', 'alias=x', 'text/plain');
    assert.equal(wrongType.status, 400);
    assert.equal(((await env.service.api('GET', '/containers/strict/snapshots')).body.data as { total: number }).total, 0);

    assert.equal((await env.service.api('GET', '/containers/no-such-container/snapshots')).status, 404);
    assert.equal((await env.service.api('GET', '/containers/strict/snapshots/no-such-snapshot')).status, 404);
    assert.equal((await env.service.api('GET', '/containers/strict/snapshots', undefined, { token: null })).status, 401);
    assert.equal((await env.service.api('GET', '/containers/strict/snapshots', undefined, { token: 'wrong' })).status, 401);

    // A restore holds the container while it stops, swaps and starts it; a second operation meanwhile gets
    // 409 at once. The delete is sent once the restore has visibly begun (the container is stopping), not
    // after a fixed delay that a loaded machine may not honour.
    const container = await runContainer('strict-busy');
    const snap = await snapshot('strict-busy');
    const restoring = env.service.api('PATCH', `/containers/strict-busy/snapshots/${snap.name}`);
    const deadline = Date.now() + 20_000;
    while ((await container.inspect()).State.Running && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    const removal = await env.service.api('DELETE', `/containers/strict-busy/snapshots/${snap.name}`);
    const restore = await restoring;
    assert.equal(restore.status, 200, JSON.stringify(restore.body));
    assert.equal(removal.status, 409, JSON.stringify(removal.body));
    assert.equal((removal.body.error as { code: string }).code, 'container_busy');
  });
});
