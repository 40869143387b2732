/**
 * Templates: every snapshot tagged `template`, across containers, each with "New environment" (a copy with
 * a name). The API's `tag` filter returns only the tagged snapshots, so a container with thousands of
 * snapshots costs one small page, not 500 records read and thrown away.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { segment } from '../api/api-client.ts';
import { useApi } from '../api/api-context.ts';
import type { Container, Snapshot, SnapshotList } from '../api/api-types.ts';
import { CopyDialog } from '../components/copy-dialog.tsx';
import { ErrorBox } from '../components/error-box.tsx';
import { Link } from '../components/link.tsx';
import { ResultBanner } from '../components/result-banner.tsx';
import { isOutcome } from '../api/live-events.ts';
import { usePolling } from '../hooks/use-polling.ts';
import { absoluteTime, expiryText, relativeTime, sizeText } from '../logic/format.ts';
import { containerHref } from '../logic/routes.ts';
import { CopyOutcome } from './container-page.tsx';

export const TEMPLATE_TAG = 'template';

interface TemplateEntry {
  readonly container: Container;
  readonly snapshot: Snapshot;
}

export function TemplatesPage() {
  const api = useApi();
  const [copying, setCopying] = useState<TemplateEntry | null>(null);
  const [result, setResult] = useState<ComponentChildren | null>(null);
  const templates = usePolling(
    async () => {
      const { containers } = await api.get<{ containers: Container[] }>('/containers');
      const lists = await Promise.all(
        containers
          .filter((c) => c.snapshot_count > 0)
          .map(async (container) => {
            const query = new URLSearchParams({ tag: TEMPLATE_TAG, state: 'ready', limit: '500' });
            const list = await api.get<SnapshotList>(`/containers/${segment(container.id)}/snapshots?${query.toString()}`);
            return list.snapshots.map((snapshot) => ({ container, snapshot }));
          }),
      );
      return lists.flat();
    },
    [api],
    30000,
    (event) => isOutcome(event) && event.type.startsWith('snapshot.'),
  );
  const now = new Date();
  return (
    <section aria-labelledby="templates-title">
      <h1 id="templates-title">Templates</h1>
      <p class="muted">
        Snapshots tagged <code>{TEMPLATE_TAG}</code> (tag one with Edit… on its container's page). Each new environment is an independent
        copy-on-write container.
      </p>
      {result !== null && <ResultBanner onDismiss={() => { setResult(null); }}>{result}</ResultBanner>}
      <ErrorBox error={templates.error} title="Could not load the templates:" />
      {templates.data === undefined && templates.error === undefined && <p role="status">Loading templates…</p>}
      {templates.data?.length === 0 && <p>No snapshot is tagged {TEMPLATE_TAG} yet.</p>}
      <ul class="templates">
        {templates.data?.map(({ container, snapshot }) => (
          <li key={`${container.id}/${snapshot.name}`} class="template-card" data-template={snapshot.alias ?? snapshot.name}>
            <h2>{snapshot.alias ?? snapshot.name}</h2>
            <p>
              from <Link href={containerHref(container.name)}>{container.name}</Link> · <code>{container.image}</code>
            </p>
            <p class="muted">
              <time dateTime={snapshot.created_at} title={absoluteTime(snapshot.created_at)}>
                taken {relativeTime(snapshot.created_at, now)}
              </time>{' '}
              · {expiryText(snapshot.expires_at, now)} · {sizeText(snapshot.size)}
            </p>
            <button type="button" class="primary" onClick={() => { setCopying({ container, snapshot }); }}>
              New environment…
            </button>
          </li>
        ))}
      </ul>
      {copying !== null && (
        <CopyDialog
          container={copying.container.name}
          snapshot={copying.snapshot.name}
          title={`New environment from ${copying.snapshot.alias ?? copying.snapshot.name}`}
          onClose={() => { setCopying(null); }}
          onDone={(copy, message) => {
            setCopying(null);
            setResult(<CopyOutcome message={message} name={copy.container.name} warnings={copy.warnings} />);
          }}
        />
      )}
    </section>
  );
}
