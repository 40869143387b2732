import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AUTH, testApp } from './support/test-app.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('request ids and the request log', () => {
  it('echoes a sane incoming X-Request-Id and logs one line per request with it', async () => {
    const t = testApp();
    const response = await t.http.get('/api/v1/containers/web/snapshots?limit=5').set(AUTH).set('X-Request-Id', 'deploy-42.step:3');
    assert.equal(response.status, 200);
    assert.equal(response.headers['x-request-id'], 'deploy-42.step:3');
    const lines = t.logs.filter((line) => line['msg'] === 'request');
    assert.equal(lines.length, 1);
    const line = lines[0] ?? {};
    assert.equal(line['request_id'], 'deploy-42.step:3');
    assert.equal(line['method'], 'GET');
    assert.equal(line['path'], '/api/v1/containers/web/snapshots');
    assert.equal(line['route'], '/api/v1/containers/:container/snapshots');
    assert.equal(line['status'], 200);
    assert.equal(typeof line['duration_ms'], 'number');
  });

  for (const [label, incoming] of [
    ['too long', 'x'.repeat(129)],
    ['with spaces', 'a b'],
    ['with a quote', 'a"b'],
  ] as const) {
    it(`replaces an X-Request-Id ${label} with a fresh UUID`, async () => {
      const t = testApp();
      const response = await t.http.get('/api/v1/health').set('X-Request-Id', incoming);
      assert.match(String(response.headers['x-request-id']), UUID);
    });
  }

  it('generates a distinct id per request, also on errors', async () => {
    const t = testApp();
    const first = await t.http.get('/api/v1/containers');
    const second = await t.http.get('/api/v1/nowhere');
    assert.equal(first.status, 401);
    assert.equal(second.status, 404);
    const ids = [first.headers['x-request-id'], second.headers['x-request-id']].map(String);
    for (const id of ids) assert.match(id, UUID);
    assert.notEqual(ids[0], ids[1]);
    const logged = t.logs.filter((line) => line['msg'] === 'request').map((line) => [line['request_id'], line['status']]);
    assert.deepEqual(logged, [[ids[0], 401], [ids[1], 404]]);
  });

  it('logs a server error at error level with the request id', async () => {
    const t = testApp();
    t.services.failWith = new Error('boom');
    const response = await t.http.get('/api/v1/containers').set(AUTH);
    assert.equal(response.status, 500);
    const line = t.logs.find((l) => l['msg'] === 'request failed');
    assert.equal(line?.['level'], 50);
    assert.equal(line['request_id'], response.headers['x-request-id']);
  });
});
