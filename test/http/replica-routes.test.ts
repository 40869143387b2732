import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import type { OperationRecord } from '../../src/core/operations.js';
import type { ReplicaManifest } from '../../src/core/remote-port.js';
import type { ReplicaRecord } from '../../src/core/replica.js';
import { ConflictError } from '../../src/errors/conflict-error.js';
import { NotFoundError } from '../../src/errors/not-found-error.js';
import { operationRoutes } from '../../src/http/routes/operation-routes.js';
import { remoteRoutes } from '../../src/http/routes/remote-routes.js';
import { replicaRoutes, type ReplicasApi } from '../../src/http/routes/replica-routes.js';
import {
  deleteReplicaResultSchema,
  operationListSchema,
  operationSchema,
  pushReplicaResultSchema,
  remoteListSchema,
  remoteSnapshotListSchema,
  verifyResultSchema,
} from '../../src/http/schemas/replica-schemas.js';
import { assertConforms } from './support/conforms.js';
import pino from 'pino';
import supertest from 'supertest';
import { withReplicas } from '../../src/core/snapshots-with-replicas.js';
import { createApp } from '../../src/http/app.js';
import { snapshotResultSchema } from '../../src/http/schemas/response-schemas.js';
import { CONTAINER, FakeServices, snapshotRecord } from './support/fake-services.js';
import { AUTH, TOKEN, testApp } from './support/test-app.js';

const SNAPSHOT = 'snap-20260102-030405';
const at = new Date('2026-01-02T04:00:00Z');

const operation: OperationRecord = {
  id: 7,
  kind: 'replica.upload',
  status: 'queued',
  containerId: CONTAINER.id,
  snapshotName: SNAPSHOT,
  target: 'offsite',
  bytesDone: 0,
  bytesTotal: null,
  error: null,
  startedAt: at,
  updatedAt: at,
  finishedAt: null,
};

const replica: ReplicaRecord = {
  containerId: CONTAINER.id,
  snapshotName: SNAPSHOT,
  remoteId: 'offsite',
  snapshotId: 1,
  state: 'uploading',
  parentSnapshot: null,
  plainBytes: null,
  storedBytes: null,
  uploadedAt: null,
  error: null,
  operationId: 7,
  expiresAt: null,
  scheduleId: null,
  fullRequested: false,
  keptBecause: null,
  createdAt: at,
  updatedAt: at,
};

const manifest = {
  formatVersion: 1,
  cowsnapVersion: '0.1.0',
  containerId: CONTAINER.id,
  containerName: 'web',
  snapshotName: SNAPSHOT,
  alias: null,
  createdAt: '2026-01-02T03:04:05.000Z',
  expiresAt: null,
  uploadedAt: '2026-01-02T04:00:00.000Z',
  origin: 'api',
  tags: [],
  uncaptured: [],
  filesystems: [
    { role: 'rootfs', mountPoint: '/', driver: 'btrfs', stream: { key: 'k0', parentSnapshot: 'snap-20260101-000000', parentId: 'p', snapshotId: 's', plainBytes: 100, storedBytes: 60, sha256: 'a'.repeat(64) } },
  ],
} as unknown as ReplicaManifest;

function app(replicas: Partial<ReplicasApi> = {}): ReturnType<typeof testApp> {
  const snapshot = snapshotRecord({ name: SNAPSHOT });
  return testApp({
    metricsRegistry: new Registry(),
    extraRoutes: [
      ...replicaRoutes({
        pushByHand: () => Promise.resolve({ container: CONTAINER, snapshot, replica, operation }),
        deleteReplica: () => Promise.resolve({ container: CONTAINER, snapshotName: SNAPSHOT, remoteId: 'offsite' }),
        verify: () =>
          Promise.resolve({
            containerId: CONTAINER.id,
            snapshotName: SNAPSHOT,
            remoteId: 'offsite',
            ok: false,
            streams: [{ index: 0, role: 'rootfs', mountPoint: '/', ok: false, plainBytes: 10, problem: 'tag mismatch in chunk 3' }],
          }),
        ...replicas,
      }),
      ...remoteRoutes({
        listRemotes: () => [{ id: 'offsite' }],
        listSnapshots: (remoteId, query) =>
          remoteId === 'offsite'
            ? Promise.resolve({ remoteId, manifests: [manifest], invalid: [{ key: 'containers/x/y/manifest.json', containerId: 'x', problem: 'not JSON' }], hasMore: query.limit < 1 })
            : Promise.reject(new NotFoundError('remote_not_found', `There is no remote "${remoteId}".`)),
      }),
      ...operationRoutes({
        getOperation: (id) => (id === 7 ? operation : undefined),
        listOperations: () => ({ operations: [operation], total: 1 }),
        containerIdOf: () => CONTAINER.id,
      }),
    ],
  });
}

describe('replica, remote and operation routes', () => {
  it('POST .../replicas answers 202 with the replica uploading and its operation', async () => {
    const response = await app().http.post(`/api/v1/containers/web/snapshots/${SNAPSHOT}/replicas`).set(AUTH).send({ remote: 'offsite' });
    assert.equal(response.status, 202);
    assertConforms(response.body, pushReplicaResultSchema);
    const data = (response.body as { data: { replica: { state: string }; operation: { id: number; state: string } } }).data;
    assert.equal(data.replica.state, 'uploading');
    assert.deepEqual([data.operation.id, data.operation.state], [7, 'queued']);
  });

  it('POST .../replicas passes the remote expiry in days to the service', async () => {
    const asked: { remote: string; expiryDays?: number }[] = [];
    const t = app({
      pushByHand: (_c, _s, remote, options) => {
        asked.push({ remote, ...options });
        return Promise.resolve({ container: CONTAINER, snapshot: snapshotRecord({ name: SNAPSHOT }), replica, operation });
      },
    });
    const url = `/api/v1/containers/web/snapshots/${SNAPSHOT}/replicas`;
    assert.equal((await t.http.post(url).set(AUTH).send({ remote: 'offsite', expiry: 30 })).status, 202);
    assert.equal((await t.http.post(url).set(AUTH).send({ remote: 'offsite' })).status, 202);
    assert.deepEqual(asked, [{ remote: 'offsite', expiryDays: 30 }, { remote: 'offsite' }]);
  });

  it('POST .../replicas with a bad body lists every problem (400) and pushes nothing', async () => {
    let pushed = false;
    const t = app({
      pushByHand: () => {
        pushed = true;
        return Promise.reject(new Error('unreachable'));
      },
    });
    const response = await t.http.post(`/api/v1/containers/web/snapshots/${SNAPSHOT}/replicas`).set(AUTH).send({ remote: '../x', extra: 1, expiry: 0 });
    assert.equal(response.status, 400);
    assert.equal((response.body as { error: { details: unknown[] } }).error.details.length, 3);
    assert.equal(pushed, false);
  });

  it('DELETE .../replicas/:remote answers the deleted replica; 409 names the dependents', async () => {
    const ok = await app().http.delete(`/api/v1/containers/web/snapshots/${SNAPSHOT}/replicas/offsite`).set(AUTH);
    assert.equal(ok.status, 200);
    assertConforms(ok.body, deleteReplicaResultSchema);
    const refused = await app({
      deleteReplica: () => Promise.reject(new ConflictError('replica_has_dependents', 'The replica is the parent of incremental replicas snap-20260103-000000; delete those first.')),
    })
      .http.delete(`/api/v1/containers/web/snapshots/${SNAPSHOT}/replicas/offsite`)
      .set(AUTH);
    assert.equal(refused.status, 409);
    assert.equal((refused.body as { error: { code: string } }).error.code, 'replica_has_dependents');
    assert.match((refused.body as { message: string }).message, /snap-20260103-000000/);
  });

  it('POST .../verify says which stream is damaged', async () => {
    const response = await app().http.post(`/api/v1/containers/web/snapshots/${SNAPSHOT}/replicas/offsite/verify`).set(AUTH);
    assert.equal(response.status, 200);
    assertConforms(response.body, verifyResultSchema);
    assert.match((response.body as { message: string }).message, /damaged: stream 0 \(\/\): tag mismatch in chunk 3/);
  });

  it('GET /remotes and GET /remotes/:remote/snapshots read the catalog; unknown remote 404', async () => {
    const t = app();
    const remotes = await t.http.get('/api/v1/remotes').set(AUTH);
    assertConforms(remotes.body, remoteListSchema);
    const listed = await t.http.get('/api/v1/remotes/offsite/snapshots?limit=10&container=web').set(AUTH);
    assert.equal(listed.status, 200);
    assertConforms(listed.body, remoteSnapshotListSchema);
    const entry = (listed.body as { data: { snapshots: { incremental: boolean; bytes: number; stored_bytes: number }[] } }).data.snapshots[0];
    assert.deepEqual([entry?.incremental, entry?.bytes, entry?.stored_bytes], [true, 100, 60]);
    assert.equal((await t.http.get('/api/v1/remotes/elsewhere/snapshots').set(AUTH)).status, 404);
    assert.equal((await t.http.get('/api/v1/remotes/offsite/snapshots?limit=0').set(AUTH)).status, 400);
  });

  it('GET /operations/:id and GET /operations', async () => {
    const t = app();
    const one = await t.http.get('/api/v1/operations/7').set(AUTH);
    assert.equal(one.status, 200);
    assertConforms(one.body, operationSchema);
    assert.equal((await t.http.get('/api/v1/operations/8').set(AUTH)).status, 404);
    assert.equal((await t.http.get('/api/v1/operations/x').set(AUTH)).status, 400);
    const list = await t.http.get('/api/v1/operations?state=queued&container=web').set(AUTH);
    assertConforms(list.body, operationListSchema);
    assert.equal((await t.http.get('/api/v1/operations?state=bogus').set(AUTH)).status, 400);
  });

  it('are in the OpenAPI document', async () => {
    const document = (await app().http.get('/api/v1/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    for (const [path, method] of [
      ['/api/v1/containers/{container}/snapshots/{snapshot}/replicas', 'post'],
      ['/api/v1/containers/{container}/snapshots/{snapshot}/replicas/{remote}', 'delete'],
      ['/api/v1/containers/{container}/snapshots/{snapshot}/replicas/{remote}/verify', 'post'],
      ['/api/v1/remotes', 'get'],
      ['/api/v1/remotes/{remote}/snapshots', 'get'],
      ['/api/v1/operations/{id}', 'get'],
      ['/api/v1/operations', 'get'],
    ] as const) {
      assert.ok(document.paths[path]?.[method], `${method} ${path} documented`);
    }
  });
});

describe('the snapshot object with replicas', () => {
  it('carries this host\'s replica records, in the contract\'s field names', async () => {
    const fakes = new FakeServices();
    const ready: ReplicaRecord = { ...replica, state: 'ready', plainBytes: 4096, storedBytes: 1000, uploadedAt: at, parentSnapshot: 'snap-20260101-000000' };
    const app = createApp({
      snapshots: withReplicas(fakes.snapshots, () => [ready]),
      containers: fakes.containers,
      token: TOKEN,
      logger: pino({ level: 'silent' }),
    });
    const response = await supertest(app.callback()).get(`/api/v1/containers/web/snapshots/${SNAPSHOT}`).set(AUTH);
    assert.equal(response.status, 200);
    assertConforms(response.body, snapshotResultSchema);
    assert.deepEqual((response.body as { data: { snapshot: { replicas: unknown } } }).data.snapshot.replicas, [
      { remote: 'offsite', state: 'ready', bytes: 4096, stored_bytes: 1000, uploaded_at: '2026-01-02T04:00:00.000Z', parent: 'snap-20260101-000000', error: null, operation_id: 7, expires_at: null, schedule_id: null, why: null },
    ]);
  });
});
