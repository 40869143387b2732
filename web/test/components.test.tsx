import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderToString } from 'preact-render-to-string';
import { ApiError } from '../src/api/api-client.ts';
import type { CaptureEntry, Snapshot } from '../src/api/api-types.ts';
import { CaptureList } from '../src/components/capture-list.tsx';
import { ErrorBox } from '../src/components/error-box.tsx';
import { SnapshotTimeline } from '../src/components/snapshot-timeline.tsx';
import { captureSummary } from '../src/logic/capture-summary.ts';
import { parseRoute } from '../src/logic/routes.ts';

const NOW = new Date('2026-11-28T09:00:00Z');

function snapshot(overrides: Partial<Snapshot>): Snapshot {
  return {
    name: 'snap-20261128-080000',
    alias: null,
    created_at: '2026-11-28T08:00:00Z',
    last_used_at: null,
    expires_at: '2026-12-05T08:00:00Z',
    size: 4096,
    state: 'ready',
    tags: [],
    filesystems: [],
    uncaptured: [],
    origin: 'api',
    error: null,
    container_name: 'web',
    ...overrides,
  };
}

const text = (html: string): string => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();

describe('console rendering', () => {
  it('shows a snapshot with its alias, name, origin, age, expiry, size, tags and replicas', () => {
    const html = renderToString(
      <SnapshotTimeline
        now={NOW}
        onAction={() => undefined}
        snapshots={[
          snapshot({ alias: 'before-deploy', tags: ['template'], replicas: [{ remote: 'offsite', state: 'uploaded', bytes: 1, uploaded_at: null, error: null }] }),
          snapshot({ name: 'snap-20261127-080000', created_at: '2026-11-27T08:00:00Z', origin: 'schedule:3', expires_at: null, size: null }),
        ]}
      />,
    );
    const shown = text(html);
    assert.match(shown, /before-deploy snap-20261128-080000 api #template Taken 1 hour ago Expiry expires in 7 days Size 4\.0 KiB Replicas offsite \(uploaded\)/);
    assert.match(shown, /snap-20261127-080000 schedule #3 Taken yesterday Expiry permanent Size size unknown/);
    assert.ok(html.indexOf('before-deploy') < html.indexOf('snap-20261127-080000'), 'in the order the API gives (newest first)');
  });

  it('offers no restore or copy of a snapshot that is not ready, and shows why it failed', () => {
    const html = renderToString(<SnapshotTimeline now={NOW} onAction={() => undefined} snapshots={[snapshot({ state: 'failed', error: 'pool full' })]} />);
    assert.match(html, /<button type="button" class="danger-outline" disabled[^>]*>Restore…/);
    assert.match(html, /<button type="button" disabled[^>]*>Copy…/);
    assert.match(text(html), /failed .*pool full/);
  });

  it("lists what is captured and what is not with the API's reason", () => {
    const capture: CaptureEntry[] = [
      { role: 'rootfs', mount_point: '/', source: null, captured: true, reason: null, driver: 'btrfs', pool: 'p', dataset: 'd' },
      { role: 'volume', mount_point: '/var/lib/db', source: 'dbdata', captured: false, reason: 'a Docker volume (not on a configured pool)', driver: null, pool: null, dataset: null },
    ];
    const shown = text(renderToString(<CaptureList capture={capture} />));
    assert.match(shown, /rootfs captured/);
    assert.match(shown, /volume \/var\/lib\/db : not captured \(a Docker volume \(not on a configured pool\)\)/);
    assert.equal(captureSummary(capture), 'rootfs captured; 1 not captured');
  });

  it("shows an API error's message, status, code and every detail as an alert", () => {
    const html = renderToString(<ErrorBox error={new ApiError(409, 'Container web is busy.', 'container_busy', [{ path: '', message: 'a restore runs' }])} />);
    assert.match(html, /role="alert"/);
    assert.match(text(html), /Container web is busy\. \(409 container_busy\) a restore runs/);
  });

  it('maps URLs under /ui/ to pages, container names decoded', () => {
    assert.deepEqual(parseRoute('/ui/'), { page: 'containers' });
    assert.deepEqual(parseRoute('/ui/containers/my%20app'), { page: 'container', name: 'my app' });
    assert.deepEqual(parseRoute('/ui/templates'), { page: 'templates' });
    assert.equal(parseRoute('/ui/nope/x/y').page, 'not-found');
  });
});
