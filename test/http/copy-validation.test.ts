import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CopyInput } from '../../src/core/copy-service.js';
import { copyRoutes } from '../../src/http/routes/copy-routes.js';
import { AUTH, testApp } from './support/test-app.js';
import { CONTAINER, snapshotRecord } from './support/fake-services.js';

interface ErrorBody {
  error: { code: string; details: { path: string; message: string }[] };
}

/** The copy route over a fake copy service that records what reached it. */
function copyApp(): { http: ReturnType<typeof testApp>['http']; calls: CopyInput[] } {
  const calls: CopyInput[] = [];
  const routes = copyRoutes({
    copy: (_ref, input) => {
      calls.push(input);
      return Promise.resolve({
        container: { id: 'c'.repeat(64), name: input.name, state: 'running' },
        sourceContainer: CONTAINER,
        sourceSnapshot: snapshotRecord(),
        projectId: input.targetProject ?? CONTAINER.projectId,
        temporarySnapshot: false,
        warnings: [],
      });
    },
  });
  return { http: testApp({ extraRoutes: routes }).http, calls };
}

describe('POST /containers/:container/copy name validation', () => {
  it('refuses a name longer than a hostname can hold (64 characters) with 400, before the service runs', async () => {
    const t = copyApp();
    const response = await t.http.post('/api/v1/containers/web/copy').set(AUTH).send({ name: `a${'b'.repeat(63)}` });
    assert.equal(response.status, 400, JSON.stringify(response.body));
    const details = (response.body as ErrorBody).error.details;
    assert.deepEqual(details.map((d) => d.path), ['/body/name']);
    assert.match(details[0]?.message ?? '', /63/);
    assert.deepEqual(t.calls, []);
  });

  it('lists a bad character and a too-long name together', async () => {
    const t = copyApp();
    const response = await t.http.post('/api/v1/containers/web/copy').set(AUTH).send({ name: `a/${'b'.repeat(70)}`, start: 'yes' });
    assert.equal(response.status, 400);
    const details = (response.body as ErrorBody).error.details;
    assert.deepEqual(details.map((d) => d.path).sort(), ['/body/name', '/body/name', '/body/start']);
    assert.ok(details.some((d) => /container name/.test(d.message)), JSON.stringify(details));
    assert.deepEqual(t.calls, []);
  });

  it('takes a name of exactly 63 characters', async () => {
    const t = copyApp();
    const name = `a${'b'.repeat(62)}`;
    const response = await t.http.post('/api/v1/containers/web/copy').set(AUTH).send({ name });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    assert.deepEqual(t.calls.map((c) => c.name), [name]);
  });
});
