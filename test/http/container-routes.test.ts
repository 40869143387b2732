import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { containerListSchema, containerResultSchema } from '../../src/http/schemas/response-schemas.js';
import { assertConforms } from './support/conforms.js';
import { CONTAINER } from './support/fake-services.js';
import { AUTH, testApp } from './support/test-app.js';

describe('container routes', () => {
  it('GET /containers lists containers with their capture status', async () => {
    const t = testApp();
    const response = await t.http.get('/api/v1/containers').set(AUTH);
    assert.equal(response.status, 200);
    assertConforms(response.body, containerListSchema);
    const containers = (response.body as { data: { containers: Record<string, unknown>[] } }).data.containers;
    assert.equal(containers.length, 1);
    assert.deepEqual(containers[0], {
      id: CONTAINER.id,
      name: 'web',
      image: 'cowsnap-test/busybox:latest',
      project_id: 'default',
      state: 'running',
      snapshot_count: 2,
      newest_snapshot_at: '2026-01-02T03:04:05.000Z',
      schedules: { active: 1, paused: 1, next_run_at: '2026-01-03T03:00:00.000Z' },
      capture: [
        { role: 'rootfs', mount_point: '/', source: null, captured: true, reason: null, driver: 'btrfs', pool: 'main', dataset: 'btrfs/subvolumes/abc' },
        { role: 'mount', mount_point: '/cache', source: '/var/cache/x', captured: false, reason: 'not on a configured pool', driver: null, pool: null, dataset: null },
      ],
    });
  });

  it('GET /containers/:container by id prefix', async () => {
    const t = testApp();
    const response = await t.http.get('/api/v1/containers/aaaa').set(AUTH);
    assert.equal(response.status, 200);
    assertConforms(response.body, containerResultSchema);
    assert.match((response.body as { message: string }).message, /web: 1 of 2 filesystems capturable/);
    assert.deepEqual(t.services.calls, [{ method: 'containers.get', args: ['aaaa'] }]);
  });
});
