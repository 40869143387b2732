/**
 * Snapshot diff on the real stack: a container whose rootfs is on btrfs (Docker's layer) with a bind mount
 * on a btrfs subvolume and one on a zfs-fuse dataset. The test adds, changes, deletes and renames known
 * files inside the container; the diff lists exactly those, against the current state and a later
 * snapshot; the configuration diff names a changed environment variable, never its value.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ExecFileRunner } from '../../storage-drivers/common/command-runner.js';
import type { CliIo } from '../../src/cli/cli-io.js';
import { runCli } from '../../src/cli/program.js';
import { needs } from '../support/components.js';
import { execIn } from '../support/docker-exec.js';
import { useServiceEnvironment } from '../support/service-environment.js';

interface FileJson { path: string; change: string; from: string | null; type: string | null; size_before: number | null; size_after: number | null }
interface DiffJson {
  from: string;
  to: string;
  files: FileJson[];
  total: number;
  summary: Record<string, number>;
  filesystems: { mount_point: string; compared: boolean; reason: string | null }[];
  config: { changed: boolean; env: { added: string[]; removed: string[]; changed: string[] }; image: unknown };
}

const SECRET_OLD = 'old-secret-value-4711';
const SECRET_NEW = 'new-secret-value-0815';

describe('snapshot diff (real dockerd on btrfs, btrfs subvolume and zfs-fuse mounts, real HTTP)', needs('docker', 'zfs'), () => {
  const runner = new ExecFileRunner();
  const env = useServiceEnvironment();

  async function diff(container: string, from: string, query: string): Promise<DiffJson> {
    const response = await env.service.api('GET', `/containers/${container}/snapshots/${from}/diff${query}`);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.doesNotMatch(JSON.stringify(response.body), new RegExp(`${SECRET_OLD}|${SECRET_NEW}`), 'no environment value in the answer');
    return response.body.data as DiffJson;
  }

  async function snapshot(container: string): Promise<string> {
    const response = await env.service.api('POST', `/containers/${container}/snapshots`, {});
    assert.equal(response.status, 201, JSON.stringify(response.body));
    return (response.body.data as { snapshot: { name: string } }).snapshot.name;
  }

  it('lists exactly the files added, modified, deleted and renamed, on every filesystem, paged with a total', async () => {
    const subvolume = join(env.engine.pool.mountPoint, 'volumes', 'appdata');
    await mkdir(join(env.engine.pool.mountPoint, 'volumes'), { recursive: true });
    await runner.run('btrfs', ['subvolume', 'create', subvolume]);
    await runner.run('zfs', ['create', `${env.zfs.name}/dbdata`]);
    const zfsPath = join(env.zfs.mountPoint, 'dbdata');
    for (const root of [subvolume, zfsPath]) {
      await writeFile(join(root, 'keep.txt'), 'unchanged');
      await writeFile(join(root, 'change.txt'), 'one');
      await writeFile(join(root, 'gone.txt'), 'delete me');
      await writeFile(join(root, 'move.txt'), 'moving');
    }
    const container = await env.engine.docker.createContainer({
      Image: env.engine.image,
      Cmd: ['sleep', '100000'],
      name: 'differ',
      Env: [`SECRET_TOKEN=${SECRET_OLD}`],
      HostConfig: { Binds: [`${subvolume}:/app`, `${zfsPath}:/db`] },
    });
    await container.start();
    await execIn(container, ['sh', '-c', 'mkdir -p /srv && echo v1 > /srv/conf && echo old > /srv/old']);
    const a = await snapshot('differ');
    await execIn(container, [
      'sh',
      '-c',
      [
        'for d in /app /db; do echo "two, longer" > $d/change.txt; rm $d/gone.txt; echo hello > $d/new.txt; mv $d/move.txt $d/moved.txt; done',
        'echo v2-longer > /srv/conf',
        'rm /srv/old',
        'echo fresh > /srv/new',
      ].join(' && '),
    ]);

    const expected = [
      ['/app/change.txt', 'modified', null, 'file', 3, 12],
      ['/app/gone.txt', 'deleted', null, 'file', 9, null],
      ['/app/moved.txt', 'renamed', '/app/move.txt', 'file', 6, 6],
      ['/app/new.txt', 'added', null, 'file', null, 6],
      ['/db/change.txt', 'modified', null, 'file', 3, 12],
      ['/db/gone.txt', 'deleted', null, 'file', 9, null],
      ['/db/moved.txt', 'renamed', '/db/move.txt', 'file', 6, 6],
      ['/db/new.txt', 'added', null, 'file', null, 6],
      ['/srv/conf', 'modified', null, 'file', 3, 10],
      ['/srv/new', 'added', null, 'file', null, 6],
      ['/srv/old', 'deleted', null, 'file', 4, null],
    ];
    const rows = (d: DiffJson): unknown[] => d.files.map((f) => [f.path, f.change, f.from, f.type, f.size_before, f.size_after]);

    const current = await diff('differ', a, '?to=current&limit=1000');
    assert.deepEqual(rows(current), expected);
    assert.equal(current.total, expected.length);
    assert.deepEqual(current.summary, { added: 3, modified: 3, deleted: 3, renamed: 2 });
    assert.deepEqual(current.filesystems.map((f) => [f.mount_point, f.compared]).sort(), [['/', true], ['/app', true], ['/db', true]]);
    assert.equal(current.config.changed, false);

    const b = await snapshot('differ');
    const between = await diff('differ', a, `?to=${b}&limit=1000`);
    assert.deepEqual(rows(between), expected);

    // Paged: the same list in pages of 4, with the total on each.
    const pages: unknown[] = [];
    for (let offset = 0; offset < expected.length; offset += 4) {
      const page = await diff('differ', a, `?to=${b}&limit=4&offset=${String(offset)}`);
      assert.equal(page.total, expected.length);
      pages.push(...rows(page));
    }
    assert.deepEqual(pages, expected);
    // Nothing changed since b.
    assert.equal((await diff('differ', b, '')).total, 0);

    // The CLI prints it like `git diff --stat`.
    let stdout = '';
    const io: CliIo = { stdout: (t) => (stdout += t), stderr: () => undefined, env: {} };
    const code = await runCli(['--url', env.service.url, '--token', env.service.token, 'snapshots', 'diff', '--container', 'differ', '--from', a, '--to', b], io);
    assert.equal(code, 0);
    const lines = stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^ \/app\/change\.txt +\| M 3 B -> 12 B \(\+9 B\)$/);
    assert.match(lines[2] ?? '', /^ \/app\/moved\.txt +\| R 6 B \(from \/app\/move\.txt\)$/);
    assert.equal(lines[11], ` 11 path(s) changed from ${a} to ${b}: 3 added, 3 modified, 3 deleted, 2 renamed`);
    assert.equal(lines[12], ' config: unchanged');

    const bad = await env.service.api('GET', `/containers/differ/snapshots/${a}/diff?limit=0&to=`);
    assert.equal(bad.status, 400);
    const paths = new Set((bad.body.error as { details: { path: string }[] }).details.map((d) => d.path));
    assert.deepEqual([...paths].sort(), ['/query/limit', '/query/to'], JSON.stringify(bad.body));
    assert.equal((await env.service.api('GET', `/containers/differ/snapshots/nope/diff`)).status, 404);
  });

  it("the config diff names an environment variable whose value changed, never the value", async () => {
    for (const [name, secret] of [['cfg-a', SECRET_OLD], ['cfg-b', SECRET_NEW]] as const) {
      const c = await env.engine.docker.createContainer({
        Image: env.engine.image,
        Cmd: ['sleep', '100000'],
        name,
        Env: [`SECRET_TOKEN=${secret}`, 'SAME=1', ...(name === 'cfg-b' ? ['ADDED=x'] : [])],
      });
      await c.start();
    }
    const a = await snapshot('cfg-a');
    const b = await snapshot('cfg-b');
    const result = await diff('cfg-a', a, `?to=${b}&to_container=cfg-b`);
    assert.equal(result.config.changed, true);
    assert.deepEqual(result.config.env, { added: ['ADDED'], removed: [], changed: ['SECRET_TOKEN'] });
    assert.equal(result.config.image, null);
    // Different containers' root filesystems are different datasets: not compared, and said so.
    assert.deepEqual(result.filesystems.map((f) => [f.mount_point, f.compared]), [['/', false]]);
    assert.equal(result.total, 0);
    let stdout = '';
    const io: CliIo = { stdout: (t) => (stdout += t), stderr: () => undefined, env: {} };
    const args = ['--url', env.service.url, '--token', env.service.token, 'snapshots', 'diff', '--container', 'cfg-a', '--from', a, '--to', b, '--to-container', 'cfg-b'];
    assert.equal(await runCli(args, io), 0);
    assert.match(stdout, /^ config env added: ADDED$/m);
    assert.match(stdout, /^ config env changed: SECRET_TOKEN$/m);
    assert.doesNotMatch(stdout, new RegExp(SECRET_NEW));
  });
});
