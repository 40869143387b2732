import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { restoreResultSchema, snapshotListSchema, snapshotResultSchema } from '../../src/http/schemas/response-schemas.js';
import { assertConforms } from './support/conforms.js';
import { CONTAINER } from './support/fake-services.js';
import { AUTH, testApp } from './support/test-app.js';

const BASE = '/api/v1/containers/web/snapshots';

interface Envelope {
  statusCode: number;
  message: string;
  data: Record<string, unknown>;
}

describe('snapshot routes', () => {
  it('POST creates: 201, envelope, snapshot JSON with the contract field names', async () => {
    const t = testApp();
    const response = await t.http.post(BASE).set(AUTH).send({ alias: 'before-deploy', expiry: 30, tags: ['nightly'] });
    assert.equal(response.status, 201);
    assert.match(String(response.headers['content-type']), /application\/json/);
    const body = response.body as Envelope;
    assert.deepEqual(Object.keys(body).sort(), ['data', 'message', 'statusCode']);
    assert.equal(body.statusCode, 201);
    assert.match(body.message, /snap-20260102-030405.*before-deploy.*created/);
    assertConforms(body, snapshotResultSchema);
    assert.deepEqual(body.data, {
      container_id: CONTAINER.id,
      project_id: 'default',
      snapshot: {
        name: 'snap-20260102-030405',
        alias: 'before-deploy',
        created_at: '2026-01-02T03:04:05.000Z',
        last_used_at: null,
        expires_at: '2026-02-01T03:04:05.000Z',
        stateful: false,
        size: 4096,
        state: 'ready',
        tags: ['nightly'],
        filesystems: [{ role: 'rootfs', mount_point: '/', driver: 'btrfs', pool: 'main', dataset: 'snapshots/x/rootfs' }],
        uncaptured: [{ role: 'mount', mount_point: '/tmpdata', source: '/tmp/data', reason: 'not on a configured pool' }],
        origin: 'api',
        error: null,
        container_name: 'web',
        replicas: [],
      },
    });
    assert.deepEqual(t.services.calls, [
      { method: 'create', args: ['web', { quiesce: 'none', alias: 'before-deploy', expiryDays: 30, tags: ['nightly'] }] },
    ]);
  });

  it('never exposes the recorded configuration (env holds secrets)', async () => {
    const t = testApp();
    const response = await t.http.get(`${BASE}/before-deploy`).set(AUTH);
    assert.doesNotMatch(JSON.stringify(response.body), /SECRET|"config"|"env"/);
  });

  it('GET lists with pagination fields', async () => {
    const t = testApp();
    const response = await t.http.get(BASE).set(AUTH);
    assert.equal(response.status, 200);
    assertConforms(response.body, snapshotListSchema);
    const data = (response.body as Envelope).data;
    assert.equal((data['snapshots'] as unknown[]).length, 2);
    assert.equal(data['total'], 7);
  });

  it('GET one by alias, with a URL-encoded alias', async () => {
    const t = testApp();
    const response = await t.http.get(`${BASE}/${encodeURIComponent('before deploy/ä')}`).set(AUTH);
    assert.equal(response.status, 200);
    assertConforms(response.body, snapshotResultSchema);
    assert.deepEqual(t.services.calls[0]?.args, ['web', 'before deploy/ä']);
  });

  it('rejects a snapshot reference with control characters', async () => {
    const t = testApp();
    const response = await t.http.get(`${BASE}/${encodeURIComponent('a\nb')}`).set(AUTH);
    assert.equal(response.status, 400);
    assert.deepEqual(t.services.calls, []);
  });

  it('PATCH restores and says how long it took', async () => {
    const t = testApp();
    const response = await t.http.patch(`${BASE}/before-deploy`).set(AUTH).send({ safety_snapshot: true });
    assert.equal(response.status, 200);
    assertConforms(response.body, restoreResultSchema);
    const body = response.body as Envelope;
    assert.match(body.message, /restored to snapshot snap-20260102-030405.* in 1\.23 s/);
    assert.match(body.message, /Safety snapshot snap-20260103-000000/);
    assert.equal(body.data['was_running'], true);
    assert.equal(body.data['duration_ms'], 1234);
    assert.deepEqual(body.data['durations'], { stop_ms: 1000, swap_ms: 31, start_ms: 204 });
    assert.equal((body.data['safety_snapshot'] as { origin: string }).origin, 'safety');
    assert.deepEqual(t.services.calls[0]?.args, ['web', 'before-deploy', { safetySnapshot: true, stopSharingContainers: false }]);
    assert.deepEqual(body.data['stopped_sharing_containers'], []);
  });

  it('defect-3 PATCH passes stop_sharing_containers and names the containers it stopped', async () => {
    const t = testApp();
    const response = await t.http.patch(`${BASE}/before-deploy`).set(AUTH).send({ stop_sharing_containers: true });
    assert.equal(response.status, 200);
    assertConforms(response.body, restoreResultSchema);
    const body = response.body as Envelope;
    assert.deepEqual(t.services.calls[0]?.args, ['web', 'before-deploy', { safetySnapshot: false, stopSharingContainers: true }]);
    assert.deepEqual(body.data['stopped_sharing_containers'], ['worker']);
    assert.match(body.message, /Stopped and started again \(sharing a dataset\): worker\./);
  });

  it('PATCH without a body restores without a safety snapshot', async () => {
    const t = testApp();
    const response = await t.http.patch(`${BASE}/before-deploy`).set(AUTH);
    assert.equal(response.status, 200);
    assert.equal((response.body as Envelope).data['safety_snapshot'], null);
    assert.deepEqual(t.services.calls[0]?.args, ['web', 'before-deploy', { safetySnapshot: false, stopSharingContainers: false }]);
  });

  it('PATCH rejects a non-boolean safety_snapshot', async () => {
    const t = testApp();
    const response = await t.http.patch(`${BASE}/before-deploy`).set(AUTH).send({ safety_snapshot: 'yes' });
    assert.equal(response.status, 400);
    assert.deepEqual(t.services.calls, []);
  });

  it('PUT changes alias, expiry and tags; null clears', async () => {
    const t = testApp();
    const response = await t.http.put(`${BASE}/before-deploy`).set(AUTH).send({ alias: null, expiry: null, tags: [] });
    assert.equal(response.status, 200);
    assertConforms(response.body, snapshotResultSchema);
    assert.deepEqual(t.services.calls[0]?.args, ['web', 'before-deploy', { alias: null, expiryDays: null, tags: [] }]);
  });

  it('PUT needs at least one field and validates like create', async () => {
    const t = testApp();
    const empty = await t.http.put(`${BASE}/before-deploy`).set(AUTH).send({});
    assert.equal(empty.status, 400);
    assert.match(JSON.stringify(empty.body), /at least one of: alias, expiry, tags/);
    const none = await t.http.put(`${BASE}/before-deploy`).set(AUTH);
    assert.equal(none.status, 400);
    const bad = await t.http.put(`${BASE}/before-deploy`).set(AUTH).send({ alias: 'x'.repeat(101), expiry: 0, name: 'new' });
    assert.equal(bad.status, 400);
    const paths = (bad.body as { error: { details: { path: string }[] } }).error.details.map((d) => d.path).sort();
    assert.deepEqual(paths, ['/body/alias', '/body/expiry', '/body/name']);
    assert.deepEqual(t.services.calls, []);
  });

  it('DELETE returns the deleted snapshot', async () => {
    const t = testApp();
    const response = await t.http.delete(`${BASE}/snap-20260102-030405`).set(AUTH);
    assert.equal(response.status, 200);
    assertConforms(response.body, snapshotResultSchema);
    assert.match((response.body as Envelope).message, /deleted/);
    assert.deepEqual(t.services.calls[0], { method: 'delete', args: ['web', 'snap-20260102-030405'] });
  });
});
