import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OperationRecord } from '../../src/core/operations.js';
import type { RemoteRestoreApi } from '../../src/http/routes/remote-restore-routes.js';
import { remoteRestoreRoutes } from '../../src/http/routes/remote-restore-routes.js';
import { remoteCopyResultSchema, restoreFromRemoteResultSchema } from '../../src/http/schemas/remote-restore-schemas.js';
import { ConflictError } from '../../src/errors/conflict-error.js';
import { NotFoundError } from '../../src/errors/not-found-error.js';
import { assertConforms } from './support/conforms.js';
import { CONTAINER } from './support/fake-services.js';
import { AUTH, testApp } from './support/test-app.js';

const SNAPSHOT = 'snap-20260102-030405';
const SOURCE = 'a'.repeat(64);
const at = new Date('2026-01-02T04:00:00Z');
const operation = (kind: OperationRecord['kind'], target: string): OperationRecord => ({
  id: 9, kind, status: 'queued', containerId: SOURCE, snapshotName: SNAPSHOT, target, bytesDone: 0, bytesTotal: null, error: null, startedAt: at, updatedAt: at, finishedAt: null,
});

interface ErrorBody { error: { code: string; details: { path: string; message: string }[] }; message: string }

function fakeApi(calls: unknown[][]): RemoteRestoreApi {
  return {
    restoreFromRemote: (...args) => {
      calls.push(['restore', ...args]);
      return Promise.resolve({ container: CONTAINER, snapshotName: SNAPSHOT, remoteId: 'offsite', operation: operation('replica.restore', 'offsite') });
    },
    copyFromRemote: (...args) => {
      calls.push(['copy', ...args]);
      if (args[3].name === 'taken') return Promise.reject(new ConflictError('image_not_found', 'The replica\'s container ran image busybox:1, which this host does not have.'));
      return Promise.resolve({ sourceContainerId: SOURCE, sourceContainerName: 'web', snapshotName: SNAPSHOT, remoteId: 'offsite', name: args[3].name, operation: operation('replica.copy', args[3].name) });
    },
    recover: (...args) => {
      calls.push(['recover', ...args]);
      return Promise.resolve({ sourceContainerId: SOURCE, sourceContainerName: 'web', snapshotName: SNAPSHOT, remoteId: 'offsite', name: 'web', operation: operation('replica.recover', 'web') });
    },
  };
}

describe('restore, copy and recovery from a remote over HTTP', () => {
  it('answer 202 with the operation, in the published shape, and pass the options through', async () => {
    const calls: unknown[][] = [];
    const t = testApp({ extraRoutes: remoteRestoreRoutes(fakeApi(calls)) });
    const restore = await t.http.post(`/api/v1/containers/web/snapshots/${SNAPSHOT}/replicas/offsite/restore`).set(AUTH).send({ safety_snapshot: true });
    assert.equal(restore.status, 202, JSON.stringify(restore.body));
    assertConforms(restore.body, restoreFromRemoteResultSchema);
    const copy = await t.http.post(`/api/v1/remotes/offsite/snapshots/${SOURCE}/${SNAPSHOT}/copy`).set(AUTH).send({ name: 'clone', start: false });
    assert.equal(copy.status, 202, JSON.stringify(copy.body));
    assertConforms(copy.body, remoteCopyResultSchema);
    const recover = await t.http.post('/api/v1/remotes/offsite/recover').set(AUTH).send({ container: 'web' });
    assert.equal(recover.status, 202, JSON.stringify(recover.body));
    assertConforms(recover.body, remoteCopyResultSchema);
    assert.deepEqual(calls, [
      ['restore', 'web', SNAPSHOT, 'offsite', { safetySnapshot: true, stopSharingContainers: false }],
      ['copy', 'offsite', SOURCE, SNAPSHOT, { name: 'clone', start: false }],
      ['recover', 'offsite', { container: 'web', start: true }],
    ]);
  });

  it('bad input is a 400 listing every problem, and nothing starts', async () => {
    const calls: unknown[][] = [];
    const t = testApp({ extraRoutes: remoteRestoreRoutes(fakeApi(calls)) });
    const copy = await t.http.post(`/api/v1/remotes/offsite/snapshots/${SOURCE}/${SNAPSHOT}/copy`).set(AUTH).send({ name: '-x y', start: 'yes', extra: 1 });
    assert.equal(copy.status, 400);
    const paths = (copy.body as ErrorBody).error.details.map((d) => d.path).sort();
    assert.deepEqual(paths, ['/body/extra', '/body/name', '/body/start']);
    const recover = await t.http.post('/api/v1/remotes/offsite/recover').set(AUTH).send({ name: 'ok-name' });
    assert.equal(recover.status, 400);
    assert.match(JSON.stringify((recover.body as ErrorBody).error.details), /container/);
    const restore = await t.http.post(`/api/v1/containers/web/snapshots/${SNAPSHOT}/replicas/offsite/restore`).set(AUTH).send({ safety_snapshot: 'please' });
    assert.equal(restore.status, 400);
    assert.deepEqual(calls, []);
  });

  it('pass `expiry` on as the local expiry of what is downloaded; a bad one is a 400 with nothing started', async () => {
    const calls: unknown[][] = [];
    const t = testApp({ extraRoutes: remoteRestoreRoutes(fakeApi(calls)) });
    const restore = await t.http.post(`/api/v1/containers/web/snapshots/${SNAPSHOT}/replicas/offsite/restore`).set(AUTH).send({ expiry: 7 });
    assert.equal(restore.status, 202, JSON.stringify(restore.body));
    const copy = await t.http.post(`/api/v1/remotes/offsite/snapshots/${SOURCE}/${SNAPSHOT}/copy`).set(AUTH).send({ name: 'clone', expiry: 1 });
    assert.equal(copy.status, 202, JSON.stringify(copy.body));
    const recover = await t.http.post('/api/v1/remotes/offsite/recover').set(AUTH).send({ container: 'web', expiry: 3650 });
    assert.equal(recover.status, 202, JSON.stringify(recover.body));
    assert.deepEqual(calls, [
      ['restore', 'web', SNAPSHOT, 'offsite', { safetySnapshot: false, stopSharingContainers: false, expiryDays: 7 }],
      ['copy', 'offsite', SOURCE, SNAPSHOT, { name: 'clone', start: true, expiryDays: 1 }],
      ['recover', 'offsite', { container: 'web', start: true, expiryDays: 3650 }],
    ]);
    calls.length = 0;
    const bad = await t.http.post(`/api/v1/remotes/offsite/snapshots/${SOURCE}/${SNAPSHOT}/copy`).set(AUTH).send({ name: '-x', expiry: 0 });
    assert.equal(bad.status, 400);
    assert.deepEqual((bad.body as ErrorBody).error.details.map((d) => d.path).sort(), ['/body/expiry', '/body/name']);
    for (const expiry of [3651, 1.5, '7', null]) {
      const restoreBad = await t.http.post(`/api/v1/containers/web/snapshots/${SNAPSHOT}/replicas/offsite/restore`).set(AUTH).send({ expiry });
      assert.equal(restoreBad.status, 400, `expiry ${JSON.stringify(expiry)}`);
    }
    assert.deepEqual(calls, []);
  });

  it('put the new container in `target_project_id` once the project is checked; a refused one is a 404 with nothing started', async () => {
    const calls: unknown[][] = [];
    const api: RemoteRestoreApi = {
      ...fakeApi(calls),
      checkTargetProject: (projectId) => {
        calls.push(['check', projectId]);
        if (projectId !== 'beta') throw new NotFoundError('project_not_found', `There is no project "${projectId}".`);
      },
    };
    const t = testApp({ extraRoutes: remoteRestoreRoutes(api) });
    const copy = await t.http.post(`/api/v1/remotes/offsite/snapshots/${SOURCE}/${SNAPSHOT}/copy`).set(AUTH).send({ name: 'clone', target_project_id: 'beta' });
    assert.equal(copy.status, 202, JSON.stringify(copy.body));
    const recover = await t.http.post('/api/v1/remotes/offsite/recover').set(AUTH).send({ container: 'web', target_project_id: 'beta' });
    assert.equal(recover.status, 202, JSON.stringify(recover.body));
    assert.deepEqual(calls, [
      ['check', 'beta'],
      ['copy', 'offsite', SOURCE, SNAPSHOT, { name: 'clone', start: true, targetProject: 'beta' }],
      ['check', 'beta'],
      ['recover', 'offsite', { container: 'web', start: true, targetProject: 'beta' }],
    ]);
    calls.length = 0;
    const missing = await t.http.post('/api/v1/remotes/offsite/recover').set(AUTH).send({ container: 'web', target_project_id: 'gamma' });
    assert.equal(missing.status, 404);
    assert.equal((missing.body as ErrorBody).error.code, 'project_not_found');
    const bad = await t.http.post(`/api/v1/remotes/offsite/snapshots/${SOURCE}/${SNAPSHOT}/copy`).set(AUTH).send({ name: 'clone', target_project_id: 'Not A Project' });
    assert.equal(bad.status, 400);
    assert.deepEqual((bad.body as ErrorBody).error.details.map((d) => d.path), ['/body/target_project_id']);
    assert.deepEqual(calls, [['check', 'gamma']], 'nothing started');
  });

  it("a missing image is a 409 that names it", async () => {
    const t = testApp({ extraRoutes: remoteRestoreRoutes(fakeApi([])) });
    const copy = await t.http.post(`/api/v1/remotes/offsite/snapshots/${SOURCE}/${SNAPSHOT}/copy`).set(AUTH).send({ name: 'taken' });
    assert.equal(copy.status, 409);
    assert.equal((copy.body as ErrorBody).error.code, 'image_not_found');
    assert.match((copy.body as ErrorBody).message, /busybox:1/);
  });

  it('are in the OpenAPI document', async () => {
    const t = testApp({ extraRoutes: remoteRestoreRoutes(fakeApi([])) });
    const document = (await t.http.get('/api/v1/openapi.json')).body as { paths: Record<string, Record<string, { operationId: string }>> };
    assert.equal(document.paths['/api/v1/containers/{container}/snapshots/{snapshot}/replicas/{remote}/restore']?.['post']?.operationId, 'restoreFromRemote');
    assert.equal(document.paths['/api/v1/remotes/{remote}/snapshots/{container_id}/{snapshot}/copy']?.['post']?.operationId, 'copyFromRemote');
    assert.equal(document.paths['/api/v1/remotes/{remote}/recover']?.['post']?.operationId, 'recoverFromRemote');
  });
});
