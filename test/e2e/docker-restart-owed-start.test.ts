/**
 * Issue #13, the chaos run's dockerd restart (seed 30): a restore answered 500 docker_failed and left its
 * container exited. On a real private dockerd, shut down (SIGTERM, as systemd does) while the restore is
 * stopping the container (it ignores SIGTERM, so the stop takes its 2 s): the restore answers 503
 * docker_unavailable with nothing changed, and once dockerd runs again (its restart leaves every container
 * exited, and this one has no restart policy) cowsnap starts the container it stopped, by itself.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type Docker from 'dockerode';
import { startPrivateDockerd } from '../../src/embedded/private-dockerd.js';
import { startTestService, type TestService } from '../support/cowsnap-service.js';
import { needs } from '../support/components.js';
import { createDockerEngine, privateEngineLayout, type TestDockerEngine } from '../support/docker-engine.js';
import { execIn } from '../support/docker-exec.js';

async function until(check: () => Promise<boolean>, what: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${String(ms)} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('dockerd going away in the middle of a restore (real dockerd)', needs('docker'), () => {
  let engine: TestDockerEngine;
  let service: TestService;
  let container: Docker.Container;
  let daemon: ReturnType<typeof privateEngineLayout>['daemon'];

  before(async () => {
    engine = await createDockerEngine();
    daemon = privateEngineLayout(dirname(engine.socketPath)).daemon;
    service = await startTestService({ engine });
    container = await engine.docker.createContainer({ Image: engine.image, Cmd: ['sh', '-c', 'trap "" TERM; while true; do sleep 1; done'], name: 'app' });
    await container.start();
  });
  after(async () => {
    await service.close();
    await engine.destroy();
  });

  it('answers 503 docker_unavailable with nothing changed, and starts the container once dockerd is back', async () => {
    await execIn(container, ['sh', '-c', 'echo v1 > /state']);
    const made = await service.api('POST', '/containers/app/snapshots', { alias: 'good' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    await execIn(container, ['sh', '-c', 'echo v2 > /state']);

    // The restore's stop shows as a `kill` event (SIGTERM): dockerd is shut down at that instant.
    const events = await engine.docker.getEvents({ filters: { type: ['container'], event: ['kill'] } });
    events.on('error', () => undefined); // destroyed below, mid-stream
    const stopping = new Promise<void>((resolve) => events.once('data', () => { resolve(); }));
    const answer = service.api('PATCH', '/containers/app/snapshots/good', {});
    await stopping;
    (events as NodeJS.ReadableStream & { destroy(): void }).destroy();
    const pid = Number(readFileSync(daemon.pidFile, 'utf8').trim());
    process.kill(pid, 'SIGTERM');
    const restore = await answer;
    await until(() => Promise.resolve(!isAlive(pid)), 'dockerd to exit', 90_000);
    assert.equal(restore.status, 503, JSON.stringify(restore.body));
    assert.equal((restore.body.error as { code?: string } | undefined)?.code, 'docker_unavailable', JSON.stringify(restore.body));
    assert.doesNotMatch(JSON.stringify(restore.body), /\/tmp\//, 'no host path in the answer');

    await startPrivateDockerd(daemon);
    // Nobody but cowsnap starts it: dockerd's restart left it exited, and it has no restart policy.
    await until(async () => (await container.inspect()).State.Running, 'cowsnap to start the container it stopped', 30_000);
    assert.equal((await execIn(container, ['cat', '/state'])).trim(), 'v2', 'the refused restore changed nothing');

    const retried = await service.api('PATCH', '/containers/app/snapshots/good', {});
    assert.equal(retried.status, 200, JSON.stringify(retried.body));
    assert.equal((await execIn(container, ['cat', '/state'])).trim(), 'v1');
  });
});
