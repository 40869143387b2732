import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiClient, ApiError, toApiError } from '../src/api/api-client.ts';
import { diffSupported, findEntries, loadDiff } from '../src/api/snapshot-diff.ts';

function reply(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

describe('the console API client', () => {
  it('sends the token and unwraps the envelope', async () => {
    const seen: { url: string; auth: string | null; body: unknown }[] = [];
    const api = new ApiClient('tok', undefined, (input, init) => {
      const headers = new Headers(init?.headers);
      seen.push({ url: typeof input === 'string' ? input : input instanceof URL ? input.href : input.url, auth: headers.get('authorization'), body: init?.body });
      return Promise.resolve(reply(201, { statusCode: 201, message: 'Snapshot made.', data: { snapshot: { name: 's' } } }));
    });
    const result = await api.call<{ snapshot: { name: string } }>('POST', '/containers/web/snapshots', { alias: 'a' });
    assert.equal(result.message, 'Snapshot made.');
    assert.equal(result.data.snapshot.name, 's');
    assert.deepEqual(seen, [{ url: '/api/v1/containers/web/snapshots', auth: 'Bearer tok', body: '{"alias":"a"}' }]);
  });

  it("keeps the API's message, code and every detail of an error", async () => {
    const api = new ApiClient('tok', undefined, () =>
      Promise.resolve(
        reply(400, {
          statusCode: 400,
          message: 'The request has 2 problems.',
          error: { code: 'validation_failed', details: [{ path: '/body/expiry', message: 'must be <= 3650' }, { path: '/body/alias', message: 'too long' }] },
        }),
      ),
    );
    const error = await api.call('POST', '/x', {}).then(
      () => assert.fail('no error'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 400);
    assert.equal(error.message, 'The request has 2 problems.');
    assert.equal(error.code, 'validation_failed');
    assert.deepEqual(error.details.map((d) => d.path), ['/body/expiry', '/body/alias']);
  });

  it('reports a 401 to the sign-out handler, and an unreachable service in words', async () => {
    const unauthorized: string[] = [];
    const api = new ApiClient('old', (e) => unauthorized.push(e.message), () =>
      Promise.resolve(reply(401, { statusCode: 401, message: 'The API token is not valid.', error: { code: 'unauthorized', details: [] } })),
    );
    await assert.rejects(api.get('/containers'), { status: 401, code: 'unauthorized' });
    assert.deepEqual(unauthorized, ['The API token is not valid.']);

    const down = new ApiClient('tok', undefined, () => Promise.reject(new TypeError('fetch failed')));
    await assert.rejects(down.get('/containers'), { status: 0, code: 'unreachable', message: /cannot be reached/ });
  });

  it('makes sense of a non-envelope error (a proxy page)', () => {
    const error = toApiError(502, undefined);
    assert.equal(error.code, 'http_502');
    assert.match(error.message, /502/);
  });

  it('finds what a diff answer lists, wherever it keeps the entries', () => {
    assert.deepEqual(findEntries({ changes: [{ path: '/etc/a', change: 'modified' }] }, 0), [{ path: '/etc/a', change: 'modified' }]);
    assert.deepEqual(findEntries({ filesystems: [{ role: 'rootfs', entries: [{ path: '/x', kind: 'added' }] }] }, 0), [{ path: '/x', change: 'added' }]);
    assert.deepEqual(findEntries({ total: 0 }, 0), []);
  });

  it("reads the diff endpoint's answer (files, total) once the OpenAPI document lists it", async () => {
    const document = { paths: { '/api/v1/containers/{container}/snapshots/{snapshot}/diff': {} } };
    assert.equal(await diffSupported(() => Promise.resolve(reply(200, document))), true);
    const asked: string[] = [];
    const api = new ApiClient('tok', undefined, (input) => {
      asked.push(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      return Promise.resolve(
        reply(200, {
          statusCode: 200,
          message: '3 changed path(s) in container web from snap-1 to current.',
          data: { files: [{ path: '/data/a', change: 'added', type: 'file' }, { path: '/etc/b', change: 'modified', type: 'file' }], total: 3, summary: { added: 1, modified: 1, deleted: 1, renamed: 0 } },
        }),
      );
    });
    const diff = await loadDiff(api, 'web', 'snap-1');
    assert.deepEqual(asked, ['/api/v1/containers/web/snapshots/snap-1/diff?to=current&limit=50']);
    assert.deepEqual(diff, {
      message: '3 changed path(s) in container web from snap-1 to current.',
      entries: [{ path: '/data/a', change: 'added' }, { path: '/etc/b', change: 'modified' }],
      total: 3,
    });
  });

  it("shows a diff too large to list as the API's sentence, not as a failure", async () => {
    const message = 'More than 100000 paths changed between snap-1 and the current state: too many to list (diffMaxChanges in the configuration). Compare snapshots closer together.';
    const api = new ApiClient('tok', undefined, () => Promise.resolve(reply(409, { statusCode: 409, message, error: { code: 'diff_too_large', details: [] } })));
    const document = { paths: { '/api/v1/containers/{container}/snapshots/{snapshot}/diff': {} } };
    assert.equal(await diffSupported(() => Promise.resolve(reply(200, document))), true);
    assert.deepEqual(await loadDiff(api, 'web', 'snap-1'), { message, entries: [], total: 0 });
  });
});
