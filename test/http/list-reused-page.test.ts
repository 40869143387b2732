/**
 * A list page the cache answers again (core/snapshot-list-cache.ts returns the same result object) is sent
 * frozen, with the JSON built for it the first time (router.ts `stableData`, snapshot-routes.ts): the same bytes
 * and content type as a freshly serialized answer, and never the JSON of another query's echo.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ListSnapshotsQuery, SnapshotListResult } from '../../src/core/api-types.js';
import { AUTH, testApp } from './support/test-app.js';

const URL = '/api/v1/containers/web/snapshots';

describe('GET /containers/:container/snapshots of a reused page', () => {
  it('answers the same bytes and content type as a fresh answer, and echoes each request its own limit and offset', async () => {
    const t = testApp();
    const fresh = await t.http.get(URL).set(AUTH);
    const original = t.services.snapshots.list.bind(t.services.snapshots);
    let page: SnapshotListResult | undefined;
    // Frozen, as the cache keeps its pages: only frozen answers have their JSON remembered.
    const reusing = async (ref: string, query: ListSnapshotsQuery): Promise<SnapshotListResult> => (page ??= Object.freeze(await original(ref, query)));
    Object.assign(t.services.snapshots, { list: reusing });

    const first = await t.http.get(URL).set(AUTH);
    const again = await t.http.get(URL).set(AUTH);
    for (const response of [first, again]) {
      assert.equal(response.status, 200);
      assert.equal(response.headers['content-type'], fresh.headers['content-type']);
      assert.equal(response.text, fresh.text);
    }
    const paged = await t.http.get(`${URL}?limit=7&offset=3`).set(AUTH);
    assert.deepEqual((paged.body as { data: { limit: number; offset: number } }).data.limit, 7);
    assert.deepEqual((paged.body as { data: { limit: number; offset: number } }).data.offset, 3);
    assert.equal((await t.http.get(URL).set(AUTH)).text, fresh.text);
  });
});
