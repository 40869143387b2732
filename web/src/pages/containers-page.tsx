/** Containers: what each one captures, how many snapshots it has, the newest, its schedules; with a search box. */
import { useState } from 'preact/hooks';
import { useApi } from '../api/api-context.ts';
import { loadContainerOverview, matchesSearch } from '../api/container-overview.ts';
import type { Container } from '../api/api-types.ts';
import { CaptureList } from '../components/capture-list.tsx';
import { ErrorBox } from '../components/error-box.tsx';
import { Link } from '../components/link.tsx';
import { isOutcome } from '../api/live-events.ts';
import { usePolling } from '../hooks/use-polling.ts';
import { absoluteTime, relativeTime } from '../logic/format.ts';
import { containerHref } from '../logic/routes.ts';

export function ContainersPage() {
  const api = useApi();
  const [query, setQuery] = useState('');
  // Live: reloads when any operation ends (event stream); the poll is the fallback.
  const overview = usePolling(() => loadContainerOverview(api), [api], 15000, isOutcome);
  const rows = (overview.data ?? []).filter((container) => matchesSearch(container, query));
  const now = new Date();

  return (
    <section aria-labelledby="containers-title">
      <div class="page-head">
        <h1 id="containers-title">Containers</h1>
        <div class="search">
          <label for="container-search">Search containers</label>
          <input
            id="container-search"
            type="search"
            placeholder="name, image or state"
            value={query}
            onInput={(event) => {
              setQuery(event.currentTarget.value);
            }}
          />
        </div>
      </div>
      <ErrorBox error={overview.error} title="Could not load the containers:" />
      {overview.loading && overview.data === undefined && <p role="status">Loading containers…</p>}
      {overview.data !== undefined && rows.length === 0 && (
        <p>{query === '' ? 'Docker has no containers yet.' : `No container matches "${query}".`}</p>
      )}
      {rows.length > 0 && (
        <table class="containers responsive">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Image</th>
              <th scope="col">State</th>
              <th scope="col">Captured</th>
              <th scope="col">Snapshots</th>
              <th scope="col">Newest</th>
              <th scope="col">Schedules</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((container) => (
              <ContainerRow key={container.id} container={container} now={now} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function ContainerRow({ container, now }: { readonly container: Container; readonly now: Date }) {
  const { newest_snapshot_at: newest, schedules } = container;
  const next = schedules.next_run_at;
  return (
    <tr data-container={container.name}>
      <th scope="row" data-label="Name">
        <Link href={containerHref(container.name)}>{container.name}</Link>
      </th>
      <td data-label="Image">
        <code>{container.image}</code>
      </td>
      <td data-label="State">
        <span class={`state state-${container.state}`}>{container.state}</span>
      </td>
      <td data-label="Captured">
        <CaptureList capture={container.capture} />
      </td>
      <td data-label="Snapshots">{container.snapshot_count}</td>
      <td data-label="Newest">
        {newest === null ? (
          <span class="muted">none</span>
        ) : (
          <time dateTime={newest} title={absoluteTime(newest)}>
            {relativeTime(newest, now)}
          </time>
        )}
      </td>
      <td data-label="Schedules">
        {schedules.active + schedules.paused === 0 ? (
          <span class="muted">none</span>
        ) : (
          <span>
            {schedules.active} active{schedules.paused > 0 ? `, ${schedules.paused} paused` : ''}
            {next !== null && (
              <>
                <br />
                <span class="muted">next {relativeTime(next, now)}</span>
              </>
            )}
          </span>
        )}
      </td>
    </tr>
  );
}
