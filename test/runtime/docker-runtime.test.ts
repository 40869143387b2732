import assert from 'node:assert/strict';
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Dockerode from 'dockerode';
import { ConflictError } from '../../src/errors/conflict-error.js';
import { NotFoundError } from '../../src/errors/not-found-error.js';
import { ServiceUnavailableError } from '../../src/errors/service-unavailable-error.js';
import { ValidationError } from '../../src/errors/validation-error.js';
import { DockerRuntime } from '../../src/runtime/docker-runtime.js';
import { needs, programVersion } from '../support/components.js';
import { createDockerEngine, type TestDockerEngine } from '../support/docker-engine.js';
import { execIn } from '../support/docker-exec.js';

describe(`DockerRuntime on a real private dockerd (${programVersion('dockerd')})`, needs('docker'), () => {
  let engine: TestDockerEngine;
  let runtime: DockerRuntime;
  let web: Dockerode.Container;

  before(async () => {
    engine = await createDockerEngine();
    runtime = new DockerRuntime(engine.docker, { stopTimeoutSeconds: 1 });
    web = await engine.docker.createContainer({
      name: 'web',
      Image: engine.image,
      Cmd: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'],
      Env: ['APP_MODE=production', 'SECRET=s3cr=t with spaces'],
      Labels: { 'com.example.team': 'ops', tier: 'front' },
      WorkingDir: '/srv',
      User: '1000:1000',
      Hostname: 'web-host',
      ExposedPorts: { '8080/tcp': {} },
      HostConfig: { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 }, Tmpfs: { '/run/cache': 'rw,size=1m' } },
    });
    await web.start();
  });
  after(() => engine.destroy());

  it('pings Docker and reports its storage driver and data root', async () => {
    await runtime.ping();
    assert.deepEqual(await runtime.storageInfo(), { driver: 'btrfs', dataRoot: engine.dataRoot });
  });

  it('resolves a container by full id, id prefix, name and /name, and nothing for an unknown ref', async () => {
    for (const ref of [web.id, web.id.slice(0, 12), web.id.slice(0, 5), 'web', '/web']) {
      const found = await runtime.resolveContainer(ref);
      assert.equal(found?.id, web.id, `ref ${ref}`);
      assert.equal(found.name, 'web');
    }
    assert.equal(await runtime.resolveContainer('no-such-container'), undefined);
    assert.equal(await runtime.resolveContainer('f'.repeat(64)), undefined);
  });

  it('refuses a malformed ref before asking Docker', async () => {
    await assert.rejects(runtime.resolveContainer('../etc/passwd'), (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.equal(error.statusCode, 400);
      assert.match(error.message, /container id, id prefix or name/);
      return true;
    });
    await assert.rejects(runtime.resolveContainer(''), ValidationError);
  });

  it('reports an id prefix shared by several containers as ambiguous, naming each candidate', async () => {
    // 17 ids over 16 hex digits: two must share their first digit, usually after a handful.
    const made: Dockerode.Container[] = [web];
    let shared: string | undefined;
    for (let i = 0; i < 17 && shared === undefined; i += 1) {
      made.push(await engine.docker.createContainer({ name: `twin-${i}`, Image: engine.image, Cmd: ['true'] }));
      const firsts = made.map((c) => c.id[0]);
      shared = firsts.find((first, index) => firsts.indexOf(first) !== index);
    }
    assert.ok(shared !== undefined);
    const sharing = made.filter((c) => c.id.startsWith(shared));
    await assert.rejects(runtime.resolveContainer(shared), (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.equal(error.code, 'ambiguous_container');
      for (const container of sharing) assert.ok(error.message.includes(container.id.slice(0, 12)), error.message);
      return true;
    });
    for (const container of made.slice(1)) await container.remove({ force: true });
  });

  it('inspects a container into details and a recorded configuration with what it was created with', async () => {
    const details = await runtime.inspect('web');
    assert.equal(details.id, web.id);
    assert.equal(details.name, 'web');
    assert.equal(details.image, engine.image);
    assert.match(details.imageId, /^sha256:[0-9a-f]{64}$/);
    assert.equal(details.graphDriver, 'btrfs');
    const { startedAt, ...state } = details.state;
    assert.deepEqual(state, { status: 'running', running: true, paused: false });
    assert.ok(startedAt !== undefined && Math.abs(Date.now() - startedAt.getTime()) < 10 * 60_000, `Docker's StartedAt: ${String(startedAt)}`);
    const config = details.config;
    assert.deepEqual(config.cmd, ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done']);
    assert.equal(config.entrypoint, null);
    assert.ok(config.env.includes('APP_MODE=production'));
    assert.ok(config.env.includes('SECRET=s3cr=t with spaces'));
    assert.equal(config.labels['com.example.team'], 'ops');
    assert.equal(config.labels.tier, 'front');
    assert.equal(config.workingDir, '/srv');
    assert.equal(config.user, '1000:1000');
    assert.equal(config.hostname, 'web-host');
    assert.deepEqual(config.ports, [{ containerPort: '8080/tcp', hostIp: null, hostPort: null }]);
    assert.deepEqual(config.restartPolicy, { name: 'on-failure', maximumRetryCount: 3 });
    assert.deepEqual(config.mounts, [{ type: 'tmpfs', source: '', destination: '/run/cache', readOnly: false }]);
    assert.equal(config.imageId, details.imageId);
  });

  it('recreates a container from its recorded configuration with the same configuration', async () => {
    const original = await runtime.inspect('web');
    const id = await runtime.createContainer('web-copy', original.config, { labels: { 'cowsnap.copy-of': 'web' } });
    const copy = await runtime.inspect(id);
    assert.equal(copy.name, 'web-copy');
    assert.equal(copy.image, engine.image, 'the image name is kept while it still points at the recorded id');
    assert.equal(copy.imageId, original.imageId);
    const { labels, ...rest } = copy.config;
    const { labels: originalLabels, ...originalRest } = original.config;
    assert.deepEqual(rest, originalRest);
    assert.deepEqual(labels, { ...originalLabels, 'cowsnap.copy-of': 'web' });
    await runtime.start(id);
    assert.equal((await runtime.inspect(id)).state.running, true);
    await runtime.remove(id, { force: true });
    await runtime.remove(id, { force: true });
    assert.equal(await runtime.resolveContainer('web-copy'), undefined);
  });

  it('finds the writable layer: a real btrfs subvolume holding what the container wrote', async () => {
    const writer = await engine.docker.createContainer({ name: 'writer', Image: engine.image, Cmd: ['sleep', '600'] });
    await writer.start();
    await execIn(writer, ['sh', '-c', 'mkdir -p /srv && echo written-inside > /srv/proof.txt']);
    const layer = await runtime.rootfsLayerPath(writer.id, engine.dataRoot);
    assert.ok(layer.startsWith(join(engine.dataRoot, 'btrfs', 'subvolumes') + '/'));
    assert.equal((await lstat(layer)).ino, 256, 'the root of a btrfs subvolume has inode 256');
    assert.equal(await readFile(join(layer, 'srv', 'proof.txt'), 'utf8'), 'written-inside\n');
    await assert.rejects(runtime.rootfsLayerPath('writer', engine.dataRoot), ValidationError);
    await writer.remove({ force: true });
  });

  it('lists every container, stopped ones too', async () => {
    const idle = await engine.docker.createContainer({ name: 'idle', Image: engine.image, Cmd: ['true'] });
    const listed = await runtime.listContainers();
    const byName = new Map(listed.map((c) => [c.name, c]));
    assert.equal(byName.get('web')?.state.running, true);
    assert.equal(byName.get('idle')?.state.status, 'created');
    assert.equal(byName.get('idle')?.id, idle.id);
    await idle.remove({ force: true });
  });

  it('stops, starts, pauses and unpauses; repeating each is harmless', async () => {
    await runtime.pause('web');
    await runtime.pause('web');
    const { startedAt: pausedSince, ...paused } = (await runtime.inspect('web')).state;
    assert.deepEqual(paused, { status: 'paused', running: true, paused: true });
    await runtime.unpause('web');
    await runtime.unpause('web');
    const { startedAt: runningSince, ...running } = (await runtime.inspect('web')).state;
    assert.deepEqual(running, { status: 'running', running: true, paused: false });
    assert.ok(pausedSince !== undefined && runningSince?.getTime() === pausedSince.getTime(), 'a pause is no restart: Docker\'s StartedAt stays');

    await runtime.stop('web');
    assert.equal((await runtime.inspect('web')).state.running, false);
    await runtime.stop('web');
    assert.equal(await runtime.waitUntilStopped('web', 1000), true);
    await assert.rejects(runtime.pause('web'), (error: unknown) => {
      assert.ok(error instanceof ConflictError);
      assert.equal(error.code, 'container_not_running');
      return true;
    });
    await runtime.start('web');
    await runtime.start('web');
    const restarted = (await runtime.inspect('web')).state;
    assert.equal(restarted.running, true);
    assert.ok((restarted.startedAt?.getTime() ?? 0) > runningSince.getTime(), 'a start moves StartedAt on');
    assert.equal(await runtime.waitUntilStopped('web', 200), false);
  });

  it('stops a paused container, and kills one that ignores SIGTERM after the stop timeout', async () => {
    const stubborn = await engine.docker.createContainer({ name: 'stubborn', Image: engine.image, Cmd: ['sleep', '600'] });
    await stubborn.start();
    await runtime.pause('stubborn');
    const started = Date.now();
    // sleep as PID 1 ignores SIGTERM: Docker must fall back to SIGKILL after stopTimeoutSeconds (1 s here).
    await runtime.stop('stubborn');
    const elapsed = Date.now() - started;
    const { startedAt: _started, ...exited } = (await runtime.inspect('stubborn')).state;
    assert.deepEqual(exited, { status: 'exited', running: false, paused: false });
    assert.ok(elapsed >= 900 && elapsed < 10_000, `stop took ${elapsed} ms`);
    await stubborn.remove({ force: true });
  });

  it("answers read lookups from its cache until Docker's event stream says the container changed", async () => {
    // A client of its own that counts inspects, so "answered from the cache" is observed, not assumed.
    const counted = new Dockerode({ socketPath: engine.socketPath });
    let inspects = 0;
    const getContainer = counted.getContainer.bind(counted);
    counted.getContainer = (id: string) => {
      const container = getContainer(id);
      const inspect = container.inspect.bind(container);
      container.inspect = ((...args: unknown[]) => {
        inspects += 1;
        return (inspect as (...a: unknown[]) => unknown)(...args);
      }) as typeof container.inspect;
      return container;
    };
    const watched = new DockerRuntime(counted, { stopTimeoutSeconds: 1 });
    const other = await engine.docker.createContainer({ name: 'cached-one', Image: engine.image, Cmd: ['sleep', '3600'] });
    await other.start();
    watched.watchEvents();
    try {
      await waitUntil(() => Promise.resolve(watched.watchingEvents), 'the event stream connects');
      assert.equal((await watched.resolveContainer('cached-one', { cached: true }))?.state.running, true);
      const before = inspects;
      assert.equal((await watched.resolveContainer('cached-one', { cached: true }))?.state.running, true);
      assert.equal(inspects, before, 'the second read lookup is answered from the cache');
      await watched.resolveContainer('cached-one');
      assert.equal(inspects, before + 1, 'a lookup for a write always asks Docker');

      await other.kill();
      await waitUntil(async () => (await watched.resolveContainer('cached-one', { cached: true }))?.state.running === false, 'the stop shows');
      await other.rename({ name: 'cached-renamed' });
      await waitUntil(async () => (await watched.resolveContainer('cached-one', { cached: true })) === undefined, 'the old name is gone');
      assert.equal((await watched.resolveContainer('cached-renamed', { cached: true }))?.id, other.id);
      await other.remove({ force: true });
      await waitUntil(async () => (await watched.resolveContainer(other.id, { cached: true })) === undefined, 'the removal shows');
    } finally {
      watched.stopWatchingEvents();
      await other.remove({ force: true }).catch(() => undefined);
    }
    assert.equal(watched.watchingEvents, false);
  });

  it('keeps docker info while one event-stream connection lasts (without it, at most 5 s), and asks again once it ends', async () => {
    const counted = new Dockerode({ socketPath: engine.socketPath });
    let infos = 0;
    const info = counted.info.bind(counted);
    counted.info = ((...args: unknown[]) => {
      infos += 1;
      return (info as (...a: unknown[]) => unknown)(...args);
    }) as typeof counted.info;
    const watched = new DockerRuntime(counted, { stopTimeoutSeconds: 1 });
    const expected = { driver: 'btrfs', dataRoot: engine.dataRoot };
    assert.deepEqual(await watched.storageInfo({ cached: true }), expected);
    assert.deepEqual(await watched.storageInfo({ cached: true }), expected);
    assert.equal(infos, 1, 'without the event stream an answer is kept for up to 5 s (the 5 s rule: test/unit/runtime-storage-info-cache.test.ts)');
    watched.watchEvents();
    try {
      await waitUntil(() => Promise.resolve(watched.watchingEvents), 'the event stream connects');
      assert.deepEqual(await watched.storageInfo({ cached: true }), expected);
      assert.deepEqual(await watched.storageInfo({ cached: true }), expected);
      assert.equal(infos, 2, 'asked again once the stream connected; the second call is answered from what the first learned');
      await watched.storageInfo();
      assert.equal(infos, 3, 'an uncached call (the health check) always asks Docker');
    } finally {
      watched.stopWatchingEvents();
    }
    await watched.storageInfo({ cached: true });
    assert.equal(infos, 4, 'once the stream is gone (dockerd may have restarted elsewhere) Docker is asked again');
  });

  it('maps a missing container to 404 container_not_found', async () => {
    for (const call of [() => runtime.inspect('ghost'), () => runtime.stop('ghost'), () => runtime.start('ghost'), () => runtime.pause('ghost')]) {
      await assert.rejects(call(), (error: unknown) => {
        assert.ok(error instanceof NotFoundError);
        assert.equal(error.code, 'container_not_found');
        assert.match(error.message, /ghost/);
        return true;
      });
    }
  });

  it('maps an unreachable Docker to 503 docker_unavailable', async () => {
    const down = new DockerRuntime(new Dockerode({ socketPath: join(engine.dataRoot, 'no-daemon.sock') }), { stopTimeoutSeconds: 1 });
    for (const call of [() => down.ping(), () => down.resolveContainer('web'), () => down.listContainers(), () => down.stop('web')]) {
      await assert.rejects(call(), (error: unknown) => {
        assert.ok(error instanceof ServiceUnavailableError);
        assert.equal(error.statusCode, 503);
        assert.equal(error.code, 'docker_unavailable');
        // The socket path is for the log (the error's cause), never for clients (issue #13 defect 11).
        assert.match(error.message, /Docker is not reachable/);
        assert.doesNotMatch(error.message, /no-daemon\.sock/);
        return true;
      });
    }
  });
});

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
