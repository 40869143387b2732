import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { cachedCheck } from '../../src/core/health-cache.js';
import { AUTH, testApp } from './support/test-app.js';

describe('GET /api/v1/health', () => {
  it('without a check: 200 ok in the envelope', async () => {
    const t = testApp();
    const response = await t.http.get('/api/v1/health');
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, { statusCode: 200, message: 'cowsnap is healthy.', data: { ok: true } });
  });

  it('a failing check → 503 with the report (with the token)', async () => {
    const t = testApp({ health: () => Promise.resolve({ ok: false, docker: 'unreachable' }) });
    const response = await t.http.get('/api/v1/health').set(AUTH);
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

describe('defect-13 /health without a token says only ok', () => {
  const report = { ok: true, docker: { ok: true, data_root: '/var/lib/docker', storage_driver: 'btrfs' }, pools: [{ id: 'main', ok: true, pool: '/srv/pool', free_bytes: 123 }], database: { ok: true } };

  it('defect-13 no token → only {ok} and the status; the details need the token', async () => {
    const t = testApp({ health: () => Promise.resolve(report) });
    const anonymous = await t.http.get('/api/v1/health');
    assert.equal(anonymous.status, 200);
    assert.deepEqual((anonymous.body as { data: unknown }).data, { ok: true });
    assert.doesNotMatch(JSON.stringify(anonymous.body), /srv|docker|free_bytes|btrfs/);
    const wrong = await t.http.get('/api/v1/health').set({ Authorization: 'Bearer not-the-token' });
    assert.deepEqual((wrong.body as { data: unknown }).data, { ok: true }, 'a wrong token is no token');
    const authed = await t.http.get('/api/v1/health').set(AUTH);
    assert.deepEqual((authed.body as { data: unknown }).data, report);
  });

  it('defect-13 unhealthy without a token → 503 {ok: false}, nothing more', async () => {
    const t = testApp({ health: () => Promise.resolve({ ...report, ok: false, docker: { ok: false, error: 'Docker is not reachable' } }) });
    const response = await t.http.get('/api/v1/health');
    assert.equal(response.status, 503);
    assert.deepEqual((response.body as { data: unknown }).data, { ok: false });
  });

  it('defect-13 a flood of health checks runs the real check once per cache period', async () => {
    let runs = 0;
    let now = 0;
    const check = cachedCheck(
      () => {
        runs += 1;
        return new Promise<typeof report>((resolve) => setTimeout(() => { resolve(report); }, 20));
      },
      { ttlMs: 2000, now: () => now },
    );
    const t = testApp({ health: check });
    const answers = await Promise.all(Array.from({ length: 50 }, () => t.http.get('/api/v1/health')));
    assert.ok(answers.every((a) => a.status === 200));
    await t.http.get('/api/v1/health').set(AUTH);
    assert.equal(runs, 1, '51 requests within the period, one check');
    now = 2500;
    await t.http.get('/api/v1/health');
    assert.equal(runs, 2, 'after the period the check runs again');
  });

  it('defect-13 a check that throws is not cached', async () => {
    let runs = 0;
    const check = cachedCheck(() => {
      runs += 1;
      return runs === 1 ? Promise.reject(new Error('db locked')) : Promise.resolve({ ok: true });
    });
    await check().catch(() => undefined);
    assert.deepEqual(await check(), { ok: true });
  });

  it('defect-13 component errors in the report are sentences with codes, not stderr', async () => {
    const { checkHealth } = await import('../../src/core/health-check.js');
    const { CommandFailedError } = await import('../../storage-drivers/common/errors.js');
    const failingDriver = {
      info: () => ({ name: 'btrfs', version: '6.2', pool: '/srv/pool', capabilities: {} }),
      poolSpace: () => Promise.reject(new CommandFailedError('btrfs', ['filesystem', 'usage', '/srv/pool'], 1, 'ERROR: stderr-text')),
    };
    const result = await checkHealth({
      docker: { ping: () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), { code: 'ECONNREFUSED', syscall: 'connect' })), storageInfo: () => Promise.reject(new Error('x')) },
      pools: [{ id: 'main', driver: failingDriver as never }],
      database: () => undefined,
    });
    assert.equal(result.ok, false);
    assert.doesNotMatch(JSON.stringify(result), /stderr-text|docker\.sock|filesystem usage/);
    assert.match(JSON.stringify(result), /storage_failed/);
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
