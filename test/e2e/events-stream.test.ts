/**
 * The event stream on the real stack (private dockerd on btrfs, the service over HTTP): one client
 * follows GET /events while another works; a reconnect with Last-Event-ID replays exactly what it missed;
 * restore and copy run as background operations with `Prefer: respond-async`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Docker from 'dockerode';
import { needs } from '../support/components.js';
import { startTestService, type TestService } from '../support/cowsnap-service.js';
import { createDockerEngine, type TestDockerEngine } from '../support/docker-engine.js';
import { openSse, type SseClient, type SseEvent } from '../support/sse-client.js';

const type = (event: SseEvent): unknown => event.data['type'];

describe('event stream over SSE (real dockerd on btrfs, real HTTP)', needs('docker'), () => {
  let engine: TestDockerEngine;
  let service: TestService;
  let container: Docker.Container;
  const clients: SseClient[] = [];

  before(async () => {
    engine = await createDockerEngine();
    service = await startTestService({ engine, serviceOptions: { events: { sse: { heartbeatMs: 200 } } } });
    container = await engine.docker.createContainer({ Image: engine.image, Cmd: ['sleep', '100000'], name: 'watched' });
    await container.start();
  });
  after(async () => {
    for (const client of clients) client.close();
    await service.close();
    await engine.destroy();
  });

  const events = async (query = '', headers: Record<string, string> = {}): Promise<SseClient> => {
    const client = await openSse(`${service.url}/api/v1/events${query}`, service.token, headers);
    clients.push(client);
    return client;
  };

  async function snapshot(alias?: string): Promise<string> {
    const response = await service.api('POST', '/containers/watched/snapshots', alias === undefined ? {} : { alias });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    return (response.body.data as { snapshot: { name: string } }).snapshot.name;
  }

  it('a subscriber sees restore started then succeeded for a restore another client made', async () => {
    const watcher = await events('?container=watched&kind=snapshot.restore');
    assert.equal(watcher.status, 200);
    assert.match(watcher.contentType ?? '', /^text\/event-stream/);
    const name = await snapshot();
    const restored = await service.api('PATCH', `/containers/watched/snapshots/${name}`);
    assert.equal(restored.status, 200, JSON.stringify(restored.body));

    const succeeded = await watcher.waitFor((e) => type(e) === 'snapshot.restore.succeeded');
    const started = watcher.events.find((e) => type(e) === 'snapshot.restore.started');
    assert.ok(started !== undefined, 'started came first');
    assert.ok(watcher.events.indexOf(started) < watcher.events.indexOf(succeeded));
    assert.equal(started.data['container_id'], container.id);
    assert.equal(started.data['snapshot'], name);
    assert.equal(succeeded.data['operation_id'], started.data['operation_id']);
    assert.equal(typeof succeeded.data['duration_ms'], 'number');
    assert.equal(succeeded.data['project_id'], 'default');
    // The filter holds: the create made before is not a restore event.
    assert.deepEqual(watcher.events.map(type), ['snapshot.restore.started', 'snapshot.restore.succeeded']);
    // Heartbeats keep the stream alive between events.
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.ok(watcher.heartbeats() >= 1);
  });

  it('a reconnect with Last-Event-ID replays exactly the events it missed, then follows live ones', async () => {
    const witness = await events('?container=watched');
    const leaving = await events('?container=watched');
    const marker = await snapshot('before-disconnect');
    const seen = await leaving.waitFor((e) => type(e) === 'snapshot.create.succeeded' && e.data['snapshot'] === marker);
    leaving.close();

    // Missed while away: a create, a failed restore (unknown snapshot gives no event: it never started), a delete.
    const missedName = await snapshot('while-away');
    assert.equal((await service.api('DELETE', `/containers/watched/snapshots/${missedName}`)).status, 200);
    const lastMissed = await witness.waitFor((e) => type(e) === 'snapshot.delete.succeeded' && e.data['snapshot'] === missedName);

    const back = await events('?container=watched', { 'last-event-id': seen.id ?? '' });
    await back.waitFor((e) => e.id === lastMissed.id);
    const expected = witness.events.filter((e) => Number(e.id) > Number(seen.id));
    assert.deepEqual(back.events.map((e) => e.id), expected.map((e) => e.id));
    assert.deepEqual(back.events.map(type), [
      'snapshot.create.started',
      'snapshot.create.succeeded',
      'snapshot.delete.started',
      'snapshot.delete.succeeded',
    ]);
    // And it follows on live.
    const live = await snapshot();
    await back.waitFor((e) => type(e) === 'snapshot.create.succeeded' && e.data['snapshot'] === live);
  });

  it('restore and copy with Prefer: respond-async answer 202 with an operation that ends succeeded', async () => {
    const name = await snapshot();
    const restore = await fetch(`${service.url}/api/v1/containers/watched/snapshots/${name}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${service.token}`, prefer: 'respond-async' },
    });
    assert.equal(restore.status, 202);
    const body = (await restore.json()) as { data: { operation: { id: number; kind: string; state: string } } };
    assert.equal(body.data.operation.kind, 'snapshot.restore');
    assert.equal(restore.headers.get('location'), `/api/v1/operations/${String(body.data.operation.id)}`);
    const done = await pollOperation(body.data.operation.id);
    assert.equal(done['state'], 'succeeded', JSON.stringify(done));
    assert.equal(done['snapshot'], name);

    const copy = await fetch(`${service.url}/api/v1/containers/watched/copy`, {
      method: 'POST',
      headers: { authorization: `Bearer ${service.token}`, prefer: 'respond-async', 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'watched-copy', source_snapshot: name, start: false }),
    });
    assert.equal(copy.status, 202, await copy.clone().text());
    const copyOp = ((await copy.json()) as { data: { operation: { id: number } } }).data.operation;
    const copied = await pollOperation(copyOp.id);
    assert.equal(copied['state'], 'succeeded', JSON.stringify(copied));
    assert.equal(copied['target'], 'watched-copy');

    const listed = await service.api('GET', '/operations?container=watched&state=succeeded&limit=500');
    const ids = (listed.body.data as { operations: { id: number }[] }).operations.map((o) => o.id);
    assert.ok(ids.includes(body.data.operation.id) && ids.includes(copyOp.id), JSON.stringify(ids));
    // A snapshot that does not exist is a 404 at once, not an operation that fails later.
    const missing = await fetch(`${service.url}/api/v1/containers/watched/snapshots/nope`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${service.token}`, prefer: 'respond-async' },
    });
    assert.equal(missing.status, 404);
  });

  async function pollOperation(id: number): Promise<Record<string, unknown>> {
    for (let attempt = 0; attempt < 300; attempt += 1) {
      const response = await service.api('GET', `/operations/${String(id)}`);
      const data = response.body.data as Record<string, unknown>;
      if (data['state'] !== 'running' && data['state'] !== 'queued') return data;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`operation ${String(id)} did not finish`);
  }
});
