import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AUTH, testApp } from './support/test-app.js';

const URL = '/api/v1/containers/web/snapshots';

interface ErrorBody {
  statusCode: number;
  message: string;
  error: { code: string; details: { path: string; message: string }[] };
}

describe('request bodies', () => {
  it('malformed JSON → 400 malformed_json, service not called', async () => {
    const t = testApp();
    const response = await t.http.post(URL).set(AUTH).set('Content-Type', 'application/json').send('{"alias": "x",');
    assert.equal(response.status, 400);
    const body = response.body as ErrorBody;
    assert.equal(body.statusCode, 400);
    assert.equal(body.error.code, 'malformed_json');
    assert.equal(body.error.details[0]?.path, '/body');
    assert.deepEqual(t.services.calls, []);
  });

  it('a bare JSON scalar is not an options object → 400 malformed_json', async () => {
    const t = testApp();
    const response = await t.http.post(URL).set(AUTH).set('Content-Type', 'application/json').send('30');
    assert.equal(response.status, 400);
    assert.equal((response.body as ErrorBody).error.code, 'malformed_json');
    assert.deepEqual(t.services.calls, []);
  });

  for (const contentType of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x']) {
    it(`a ${contentType} body → 400 unsupported_content_type, service not called`, async () => {
      const t = testApp();
      const response = await t.http.post(URL).set(AUTH).set('Content-Type', contentType).send('alias=x');
      assert.equal(response.status, 400);
      const body = response.body as ErrorBody;
      assert.equal(body.error.code, 'unsupported_content_type');
      assert.equal(body.error.details[0]?.path, '/headers/content-type');
      assert.match(body.message, /application\/json/);
      assert.deepEqual(t.services.calls, []);
    });
  }

  it('also on PUT and PATCH', async () => {
    const t = testApp();
    for (const method of ['put', 'patch'] as const) {
      const response = await t.http[method](`${URL}/snap-1`).set(AUTH).set('Content-Type', 'text/plain').send('{}');
      assert.equal(response.status, 400);
      assert.equal((response.body as ErrorBody).error.code, 'unsupported_content_type');
    }
    assert.deepEqual(t.services.calls, []);
  });

  it('JSON with a charset parameter is fine', async () => {
    const t = testApp();
    const response = await t.http.post(URL).set(AUTH).set('Content-Type', 'application/json; charset=utf-8').send('{"alias":"ok"}');
    assert.equal(response.status, 201);
  });

  it('an oversized body → 413 payload_too_large in the envelope', async () => {
    const t = testApp();
    const response = await t.http.post(URL).set(AUTH).send({ alias: 'x', tags: ['y'.repeat(100_000)] });
    assert.equal(response.status, 413);
    assert.equal((response.body as ErrorBody).error.code, 'payload_too_large');
    assert.deepEqual(t.services.calls, []);
  });
});
