import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BusyError, CommandFailedError, NestedDatasetsError, NoSpaceError, NotFoundError as StorageNotFoundError } from '../../storage-drivers/common/errors.js';
import { mapStorageError } from '../../src/core/storage-error-mapping.js';
import { ConflictError } from '../../src/errors/conflict-error.js';
import { ERROR_CODES } from '../../src/errors/error-codes.js';
import { mapDockerError } from '../../src/runtime/docker-errors.js';
import { NotFoundError } from '../../src/errors/not-found-error.js';
import { PoolFullError } from '../../src/errors/pool-full-error.js';
import { ServiceUnavailableError } from '../../src/errors/service-unavailable-error.js';
import { AUTH, testApp } from './support/test-app.js';

interface ErrorBody {
  statusCode: number;
  message: string;
  error: { code: string; details: unknown[] };
}

async function failingRequest(error: Error): Promise<{ status: number; body: ErrorBody; logs: Record<string, unknown>[] }> {
  const t = testApp();
  t.services.failWith = error;
  const response = await t.http.get('/api/v1/containers/web/snapshots/before-deploy').set(AUTH);
  const body = response.body as ErrorBody;
  // Every error response is the error envelope, nothing more.
  assert.deepEqual(Object.keys(body).sort(), ['error', 'message', 'statusCode']);
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'details']);
  assert.equal(body.statusCode, response.status);
  return { status: response.status, body, logs: t.logs };
}

describe('errors thrown by the services become the error envelope', () => {
  const cases: [string, Error, number, string][] = [
    ['unknown snapshot', new NotFoundError('snapshot_not_found', 'No snapshot "before-deploy" on container web.'), 404, 'snapshot_not_found'],
    ['busy container', new ConflictError('container_busy', 'Container web is busy restoring.'), 409, 'container_busy'],
    ['pool full', new PoolFullError('Pool main is full.'), 507, 'pool_full'],
    ['docker down', new ServiceUnavailableError('docker_unavailable', 'Docker does not answer.'), 503, 'docker_unavailable'],
    ['storage no_space', new NoSpaceError('ENOSPC on /pool'), 507, 'pool_full'],
    ['storage busy', new BusyError('dataset is busy'), 409, 'storage_busy'],
    ['storage not_found', new StorageNotFoundError('no such dataset'), 404, 'storage_not_found'],
  ];
  for (const [label, error, status, code] of cases) {
    it(`${label} → ${status} ${code}`, async () => {
      const result = await failingRequest(error);
      assert.equal(result.status, status);
      assert.equal(result.body.error.code, code);
      assert.ok(result.body.message.length > 0);
    });
  }

  it('a raw socket error from Docker → 503 docker_unavailable', async () => {
    const error = Object.assign(new Error('connect ENOENT /var/run/docker.sock'), { code: 'ENOENT', syscall: 'connect' });
    const result = await failingRequest(error);
    assert.equal(result.status, 503);
    assert.equal(result.body.error.code, 'docker_unavailable');
  });

  it('a library client error with a status outside the table answers 400 bad_request, so status and code agree', async () => {
    const error = Object.assign(new Error('length required'), { status: 411, expose: true });
    const result = await failingRequest(error);
    assert.equal(result.status, 400);
    assert.equal(result.body.error.code, 'bad_request');
  });

  it('an app error keeps its own message', async () => {
    const result = await failingRequest(new NotFoundError('snapshot_not_found', 'No snapshot "before-deploy" on container web.'));
    assert.equal(result.body.message, 'No snapshot "before-deploy" on container web.');
  });

  it('an unexpected error → 500 internal_error with a generic message; the details go to the log only', async () => {
    const result = await failingRequest(new Error('secret path /var/lib/cowsnap/key exploded'));
    assert.equal(result.status, 500);
    assert.equal(result.body.error.code, 'internal_error');
    assert.doesNotMatch(JSON.stringify(result.body), /secret path|\/var\/lib|exploded/);
    const logged = result.logs.find((line) => line['msg'] === 'request failed with a server error');
    assert.ok(logged, 'the failure is logged');
    assert.match(JSON.stringify(logged['err']), /exploded/);
    assert.equal(typeof logged['request_id'], 'string');
  });

  it('nested datasets → 409 nested_datasets naming their paths inside the dataset, never the host path', async () => {
    const error = new NestedDatasetsError('cannot snapshot /srv/pool/vol: nested /srv/pool/vol/cache', ['cache', 'odd\nname']);
    const result = await failingRequest(error);
    assert.equal(result.status, 409);
    assert.equal(result.body.error.code, 'nested_datasets');
    assert.match(result.body.message, /"cache", "odd\\nname"/);
    assert.doesNotMatch(result.body.message, /\/srv\/pool/);
  });

  it('a failed storage command → 500 without its stderr in the response', async () => {
    const result = await failingRequest(new CommandFailedError('zfs', ['destroy', 'pool/x'], 1, 'cannot destroy: internal detail'));
    assert.equal(result.status, 500);
    assert.doesNotMatch(JSON.stringify(result.body), /internal detail|zfs destroy/);
  });
});

describe('routing errors', () => {
  it('unknown route → 404 route_not_found in the envelope (with or without a token)', async () => {
    const t = testApp();
    for (const request of [t.http.get('/api/v1/nope').set(AUTH), t.http.get('/nope')]) {
      const response = await request;
      assert.equal(response.status, 404);
      const body = response.body as ErrorBody;
      assert.equal(body.statusCode, 404);
      assert.equal(body.error.code, 'route_not_found');
    }
  });

  it('method not allowed → 405 method_not_allowed with an Allow header', async () => {
    const t = testApp();
    const response = await t.http.delete('/api/v1/containers').set(AUTH);
    assert.equal(response.status, 405);
    assert.equal((response.body as ErrorBody).error.code, 'method_not_allowed');
    assert.match(String(response.headers['allow']), /GET/);
    assert.deepEqual(t.services.calls, []);
  });

  it('an unknown HTTP method → 501 method_not_implemented', async () => {
    const t = testApp();
    const response = await t.http.propfind('/api/v1/containers').set(AUTH);
    assert.equal(response.status, 501);
    assert.equal((response.body as ErrorBody).error.code, 'method_not_implemented');
  });

  it('OPTIONS answers with the allowed methods in the envelope', async () => {
    const t = testApp();
    const response = await t.http.options('/api/v1/containers/web/snapshots/s').set(AUTH);
    assert.equal(response.status, 200);
    const body = response.body as { statusCode: number; data: { allow: string[] } };
    assert.equal(body.statusCode, 200);
    assert.deepEqual([...body.data.allow].sort(), ['DELETE', 'GET', 'HEAD', 'PATCH', 'PUT']);
  });
});

describe('defect-11 clients get a sentence and a stable code; paths, argv and stderr go to the log', () => {
  const HOST_DETAIL = /\/srv\/|\/var\/lib|btrfs subvolume|zfs destroy|stderr-text|ENOSPC/;
  const cases: [string, Error, number, string][] = [
    ['no space, as the creator maps it', mapStorageError(new NoSpaceError('ENOSPC writing /srv/pool/x: stderr-text'), 'Snapshot of web') as Error, 507, 'pool_full'],
    ['busy, as the restore maps it', mapStorageError(new BusyError('zfs destroy /srv/pool/x: stderr-text'), 'Restore of web') as Error, 409, 'storage_busy'],
    ['no space, raw', new NoSpaceError('ENOSPC writing /srv/pool/x: stderr-text'), 507, 'pool_full'],
    ['a failed command, raw', new CommandFailedError('btrfs', ['subvolume', 'delete', '/srv/pool/x'], 1, 'stderr-text'), 500, 'storage_failed'],
    ['docker down (runtime mapping)', mapDockerError(Object.assign(new Error('connect ECONNREFUSED /var/lib/docker.sock'), { code: 'ECONNREFUSED', syscall: 'connect' }), { action: 'inspect container web', socket: '/var/lib/docker.sock' }), 503, 'docker_unavailable'],
    ['docker 500 (runtime mapping)', mapDockerError(Object.assign(new Error('(HTTP code 500) server error - error mounting /var/lib/docker/btrfs: stderr-text'), { statusCode: 500, json: { message: 'error mounting /var/lib/docker/btrfs: stderr-text' } }), { action: 'start container web' }), 500, 'docker_failed'],
  ];
  for (const [label, error, status, code] of cases) {
    it(`defect-11 ${label} → ${status} ${code} without host details; the log has them with the request id`, async () => {
      const result = await failingRequest(error);
      assert.equal(result.status, status);
      assert.equal(result.body.error.code, code);
      assert.doesNotMatch(JSON.stringify(result.body), HOST_DETAIL);
      assert.ok(result.body.message.length > 20, 'a clear sentence');
      const logged = result.logs.find((line) => typeof line['err'] === 'object' && line['request_id'] !== undefined);
      assert.ok(logged, 'the failure is logged with the request id');
      assert.match(JSON.stringify(logged['err']), /stderr-text|ECONNREFUSED/);
    });
  }

  it('defect-11 every code an error can carry is in the one typed list, with the status the class answers', () => {
    const samples = [
      new ConflictError('storage_busy', 'x'),
      new NotFoundError('snapshot_not_found', 'x'),
      new PoolFullError('x'),
      new ServiceUnavailableError('pool_unavailable', 'x'),
    ];
    for (const error of samples) assert.equal(ERROR_CODES[error.code], error.statusCode, error.code);
  });
});
