/**
 * The service as installed: the bundle `npm run build` / scripts/build.sh writes (dist/src/cli/main.js and its
 * chunks, scripts/build-dist.ts), started as the systemd unit starts it (`node $COWSNAP_NODE_FLAGS
 * dist/src/cli/main.js serve` with systemd/node-memory.env), on a private dockerd. What a bundle can break
 * and the tests of src/ would not see: the native addon (better-sqlite3) and dockerode's left-out transports
 * resolved from node_modules, ajv's schemas, prom-client, the web console found from the chunk's folder.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DIST_MAIN, startDistService, type DistService } from '../../bench/support/dist-service.js';
import { needs } from '../support/components.js';
import { TEST_TOKEN, testServiceConfig } from '../support/cowsnap-service.js';
import { createDockerEngine, type TestDockerEngine } from '../support/docker-engine.js';
import { freePort } from '../support/free-port.js';

const ROOT = join(import.meta.dirname, '..', '..');

describe('the built service (bundle) started as systemd starts it', needs('docker'), () => {
  let engine: TestDockerEngine;
  let config: ReturnType<typeof testServiceConfig>;
  let service: DistService;
  const call = (method: string, path: string, body?: unknown): Promise<Response> =>
    fetch(`${service.base}${path}`, {
      method,
      headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  before(async () => {
    // As the quick start builds (only when a source changed; scripts/test.sh built it up front).
    execFileSync('bash', ['scripts/build.sh'], { cwd: ROOT, env: { ...process.env, COWSNAP_NO_LINK: '1' }, stdio: 'inherit' });
    engine = await createDockerEngine();
    config = testServiceConfig(engine);
    service = await startDistService(config, await freePort());
    const container = await engine.docker.createContainer({ Image: engine.image, Cmd: ['sleep', '100000'], name: 'built' });
    await container.start();
  });
  after(async () => {
    await service.stop();
    await engine.destroy();
    await rm(config.stateDir, { recursive: true, force: true });
  });

  it('is the bundle: one entry with chunks, not a tree of compiled files', () => {
    assert.ok(readFileSync(DIST_MAIN, 'utf8').startsWith('#!/usr/bin/env node\n'));
    assert.ok(existsSync(join(ROOT, 'dist', 'src', 'cli', 'chunks')));
    assert.equal(existsSync(join(ROOT, 'dist', 'src', 'service.js')), false);
  });

  it('answers /health, snapshots a container, lists it, refuses bad input with 400, serves /metrics and the console', async () => {
    assert.equal((await fetch(`${service.base}/health`)).status, 200);
    const created = await call('POST', '/containers/built/snapshots', { alias: 'from-bundle' });
    assert.equal(created.status, 201, await created.clone().text());
    const name = ((await created.json()) as { data: { snapshot: { name: string } } }).data.snapshot.name;
    const got = await call('GET', `/containers/built/snapshots/${name}`);
    assert.equal(got.status, 200);
    assert.equal(((await got.json()) as { data: { snapshot: { alias: string } } }).data.snapshot.alias, 'from-bundle');
    const listed = await call('GET', '/containers/built/snapshots?limit=50');
    assert.equal(((await listed.json()) as { data: { snapshots: unknown[] } }).data.snapshots.length, 1);
    const bad = await call('POST', '/containers/built/snapshots', { expiry: -1, nonsense: true });
    assert.equal(bad.status, 400);
    const root = service.base.replace(/\/api\/v1$/, '');
    const metrics = await fetch(`${root}/metrics`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /^cowsnap_/m);
    const consolePage = await fetch(`${root}/ui/`);
    assert.equal(consolePage.status, 200);
    assert.match(await consolePage.text(), /<html/i);
  });
});
