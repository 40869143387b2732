import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AUTH, testApp } from './support/test-app.js';

const URL = '/api/v1/containers/web/snapshots';

interface ErrorBody {
  error: { code: string; details: { path: string; message: string }[] };
}

describe('GET /containers/:container/snapshots query', () => {
  it('defaults to limit 50, offset 0 and echoes them', async () => {
    const t = testApp();
    const response = await t.http.get(URL).set(AUTH);
    assert.equal(response.status, 200);
    const data = (response.body as { data: { limit: number; offset: number; total: number } }).data;
    assert.deepEqual([data.limit, data.offset, data.total], [50, 0, 7]);
    assert.deepEqual(t.services.calls[0]?.args, ['web', { limit: 50, offset: 0 }]);
  });

  it('turns "10" into 10 and passes the filters on', async () => {
    const t = testApp();
    const response = await t.http
      .get(URL)
      .query({ limit: '10', offset: '20', alias: 'before-deploy', state: 'ready', origin: 'schedule:nightly' })
      .set(AUTH);
    assert.equal(response.status, 200);
    assert.deepEqual(t.services.calls[0]?.args, [
      'web',
      { limit: 10, offset: 20, alias: 'before-deploy', state: 'ready', origin: 'schedule:nightly' },
    ]);
    const data = (response.body as { data: { limit: number; offset: number } }).data;
    assert.deepEqual([data.limit, data.offset], [10, 20]);
  });

  const bad: [string, string, string][] = [
    ['limit', '1.5', '/query/limit'],
    ['limit', 'abc', '/query/limit'],
    ['limit', '0', '/query/limit'],
    ['limit', '501', '/query/limit'],
    ['limit', '1e2', '/query/limit'],
    ['limit', '0x10', '/query/limit'],
    ['limit', '', '/query/limit'],
    ['limit', ' 10', '/query/limit'],
    ['offset', '-1', '/query/offset'],
    // defect-10: 2^53 and beyond are not exact numbers; SQLite refused them with a 500.
    ['offset', '9007199254740992', '/query/offset'],
    ['offset', '99999999999999999999999', '/query/offset'],
    ['state', 'gone', '/query/state'],
    ['origin', 'cron', '/query/origin'],
    ['tag', '', '/query/tag'],
    ['tag', 'x'.repeat(65), '/query/tag'],
    ['tag', 'bad\u0007tag', '/query/tag'],
    ['limt', '10', '/query/limt'],
  ];
  for (const [name, value, path] of bad) {
    it(`${name === 'offset' && value.length > 15 ? 'defect-10 ' : ''}rejects ${name}=${JSON.stringify(value)} → 400 at ${path}, service not called`, async () => {
      const t = testApp();
      const response = await t.http.get(`${URL}?${name}=${encodeURIComponent(value)}`).set(AUTH);
      assert.equal(response.status, 400);
      assert.deepEqual((response.body as ErrorBody).error.details.map((d) => d.path), [path]);
      assert.deepEqual(t.services.calls, []);
    });
  }

  it('rejects __proto__ as an unknown parameter', async () => {
    const t = testApp();
    const response = await t.http.get(`${URL}?__proto__=1`).set(AUTH);
    assert.equal(response.status, 400);
    assert.deepEqual((response.body as ErrorBody).error.details.map((d) => d.path), ['/query/__proto__']);
  });

  it('rejects a repeated parameter', async () => {
    const t = testApp();
    const response = await t.http.get(`${URL}?limit=1&limit=2`).set(AUTH);
    assert.equal(response.status, 400);
    assert.deepEqual(t.services.calls, []);
  });

  it('lists every bad parameter at once', async () => {
    const t = testApp();
    const response = await t.http.get(`${URL}?limit=abc&offset=-3&state=x`).set(AUTH);
    assert.equal(response.status, 400);
    assert.deepEqual((response.body as ErrorBody).error.details.map((d) => d.path).sort(), ['/query/limit', '/query/offset', '/query/state']);
  });

  it('passes a tag filter on as given (exact, case kept, spaces allowed)', async () => {
    const t = testApp();
    const response = await t.http.get(URL).query({ tag: 'Template v2', state: 'ready' }).set(AUTH);
    assert.equal(response.status, 200);
    assert.deepEqual(t.services.calls[0]?.args, ['web', { limit: 50, offset: 0, state: 'ready', tag: 'Template v2' }]);
  });

  it('lists a bad tag beside the other bad parameters', async () => {
    const t = testApp();
    const response = await t.http.get(`${URL}?tag=&limit=0`).set(AUTH);
    assert.equal(response.status, 400);
    assert.deepEqual((response.body as ErrorBody).error.details.map((d) => d.path).sort(), ['/query/limit', '/query/tag']);
    assert.deepEqual(t.services.calls, []);
  });

  it('rejects query parameters on routes that take none', async () => {
    const t = testApp();
    const response = await t.http.get('/api/v1/containers?all=1').set(AUTH);
    assert.equal(response.status, 400);
    assert.deepEqual((response.body as ErrorBody).error.details.map((d) => d.path), ['/query/all']);
  });
});
