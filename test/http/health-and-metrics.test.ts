import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { AUTH, testApp } from './support/test-app.js';

describe('GET /api/v1/health', () => {
  it('without a check: 200 ok in the envelope', async () => {
    const t = testApp();
    const response = await t.http.get('/api/v1/health');
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, { statusCode: 200, message: 'cowsnap is healthy.', data: { ok: true } });
  });

  it('a failing check → 503 with the report', async () => {
    const t = testApp({ health: () => Promise.resolve({ ok: false, docker: 'unreachable' }) });
    const response = await t.http.get('/api/v1/health');
    assert.equal(response.status, 503);
    assert.deepEqual((response.body as { statusCode: number; data: unknown }).data, { ok: false, docker: 'unreachable' });
    assert.equal((response.body as { statusCode: number }).statusCode, 503);
  });

  it('a check that throws → 500 envelope, not a crash', async () => {
    const t = testApp({ health: () => Promise.reject(new Error('db locked')) });
    const response = await t.http.get('/api/v1/health');
    assert.equal(response.status, 500);
    assert.equal((response.body as { error: { code: string } }).error.code, 'internal_error');
  });
});

describe('GET /metrics', () => {
  it('is absent without a registry', async () => {
    const t = testApp();
    assert.equal((await t.http.get('/metrics').set(AUTH)).status, 404);
  });

  it('needs the token', async () => {
    const t = testApp({ metricsRegistry: new Registry() });
    assert.equal((await t.http.get('/metrics')).status, 401);
  });

  it('counts requests by route template and status, with a duration histogram', async () => {
    const t = testApp({ metricsRegistry: new Registry() });
    await t.http.get('/api/v1/containers/web/snapshots').set(AUTH);
    await t.http.get('/api/v1/containers/db/snapshots').set(AUTH);
    await t.http.get('/api/v1/containers/db/snapshots?limit=0').set(AUTH);
    await t.http.get('/some/scanner/path');
    const response = await t.http.get('/metrics').set(AUTH);
    assert.equal(response.status, 200);
    assert.match(String(response.headers['content-type']), /text\/plain/);
    const text = response.text;
    assert.match(text, /cowsnap_http_requests_total\{method="GET",route="\/api\/v1\/containers\/:container\/snapshots",status="200"\} 2/);
    assert.match(text, /cowsnap_http_requests_total\{method="GET",route="\/api\/v1\/containers\/:container\/snapshots",status="400"\} 1/);
    assert.match(text, /cowsnap_http_requests_total\{method="GET",route="\(unmatched\)",status="404"\} 1/);
    assert.match(text, /cowsnap_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/containers\/:container\/snapshots"\} 3/);
  });
});
