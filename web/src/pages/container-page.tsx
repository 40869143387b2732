/** One container: what it captures, its snapshot timeline with every action, and its schedules. */
import type { ComponentChildren } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { segment } from '../api/api-client.ts';
import { useApi } from '../api/api-context.ts';
import type { Container, Schedule, Snapshot, SnapshotList } from '../api/api-types.ts';
import { AddScheduleDialog } from '../components/add-schedule-dialog.tsx';
import { CaptureList } from '../components/capture-list.tsx';
import { CopyDialog } from '../components/copy-dialog.tsx';
import { DeleteSnapshotDialog } from '../components/delete-snapshot-dialog.tsx';
import { EditSnapshotDialog } from '../components/edit-snapshot-dialog.tsx';
import { ErrorBox } from '../components/error-box.tsx';
import { Link } from '../components/link.tsx';
import { RestoreDialog } from '../components/restore-dialog.tsx';
import { ResultBanner } from '../components/result-banner.tsx';
import { SchedulesPanel } from '../components/schedules-panel.tsx';
import { SnapshotTimeline, type SnapshotAction } from '../components/snapshot-timeline.tsx';
import { TakeSnapshotDialog } from '../components/take-snapshot-dialog.tsx';
import { isOutcome } from '../api/live-events.ts';
import { usePolling } from '../hooks/use-polling.ts';
import { containerHref, UI_BASE } from '../logic/routes.ts';

const PAGE = 100;

type OpenDialog =
  | { readonly kind: 'take' }
  | { readonly kind: 'copy-current' }
  | { readonly kind: 'add-schedule' }
  | { readonly kind: SnapshotAction; readonly snapshot: Snapshot };

interface ContainerView {
  readonly container: Container;
  readonly snapshots: SnapshotList;
  readonly schedules: readonly Schedule[];
}

export function ContainerPage({ name }: { readonly name: string }) {
  const api = useApi();
  const [limit, setLimit] = useState(PAGE);
  const [dialog, setDialog] = useState<OpenDialog | null>(null);
  const [result, setResult] = useState<ComponentChildren | null>(null);
  const ref = segment(name);
  const containerId = useRef<string | undefined>(undefined);
  const view = usePolling<ContainerView>(
    async () => {
      const [{ container }, snapshots, { schedules }] = await Promise.all([
        api.get<{ container: Container }>(`/containers/${ref}`),
        api.get<SnapshotList>(`/containers/${ref}/snapshots?limit=${limit}`),
        api.get<{ schedules: Schedule[] }>(`/containers/${ref}/schedules`),
      ]);
      return { container, snapshots, schedules };
    },
    [api, ref, limit],
    15000,
    // Live: an operation on this container ended (also one a script or a schedule ran); the poll is the fallback.
    (event) => isOutcome(event) && event.container_id !== null && event.container_id === containerId.current,
  );
  containerId.current = view.data?.container.id;
  const now = new Date();
  const close = (): void => {
    setDialog(null);
  };
  const done = (message: ComponentChildren): void => {
    setDialog(null);
    setResult(message);
    view.reload();
  };

  if (view.data === undefined) {
    return (
      <section>
        <h1>{name}</h1>
        <ErrorBox error={view.error} title={`Could not load ${name}:`} />
        {view.error === undefined && <p role="status">Loading…</p>}
        <p>
          <Link href={UI_BASE}>Back to the containers</Link>
        </p>
      </section>
    );
  }
  const { container, snapshots, schedules } = view.data;
  return (
    <section aria-labelledby="container-title">
      <nav class="breadcrumb" aria-label="Breadcrumb">
        <Link href={UI_BASE}>Containers</Link> / <span aria-current="page">{container.name}</span>
      </nav>
      <div class="page-head">
        <div>
          <h1 id="container-title">{container.name}</h1>
          <p class="muted">
            <code>{container.image}</code> · <span class={`state state-${container.state}`}>{container.state}</span> · {snapshots.total} snapshot
            {snapshots.total === 1 ? '' : 's'}
          </p>
        </div>
        <div class="page-actions">
          <button type="button" class="primary" disabled={container.state === 'removed'} onClick={() => { setDialog({ kind: 'take' }); }}>
            Take snapshot…
          </button>
          <button type="button" disabled={container.state === 'removed'} onClick={() => { setDialog({ kind: 'copy-current' }); }}>
            Copy current state…
          </button>
        </div>
      </div>
      {result !== null && <ResultBanner onDismiss={() => { setResult(null); }}>{result}</ResultBanner>}
      {view.error !== undefined && <ErrorBox error={view.error} title="Could not refresh (showing the last known state):" />}
      <details class="capture">
        <summary>What a snapshot captures</summary>
        <CaptureList capture={container.capture} />
        <p class="muted">Not captured by any snapshot: process memory, network state, Docker volumes and tmpfs.</p>
      </details>

      <h2>Snapshots</h2>
      <SnapshotTimeline
        snapshots={snapshots.snapshots}
        now={now}
        onAction={(kind, snapshot) => {
          setDialog({ kind, snapshot });
        }}
      />
      {snapshots.total > snapshots.snapshots.length && (
        <p>
          Showing {snapshots.snapshots.length} of {snapshots.total}.{' '}
          <button type="button" onClick={() => { setLimit((l) => Math.min(500, l + PAGE)); }} disabled={limit >= 500}>
            Show more
          </button>
        </p>
      )}

      <div class="section-head">
        <h2>Schedules</h2>
        <button type="button" disabled={container.state === 'removed'} onClick={() => { setDialog({ kind: 'add-schedule' }); }}>
          Add schedule…
        </button>
      </div>
      <SchedulesPanel container={container.id} schedules={schedules} now={now} onChanged={done} />

      {dialog?.kind === 'take' && (
        <TakeSnapshotDialog container={container} onClose={close} onDone={(_snapshot, message) => { done(message); }} />
      )}
      {dialog?.kind === 'copy-current' && (
        <CopyDialog container={container.name} snapshot={undefined} onClose={close} onDone={(copy, message) => { done(<CopyOutcome message={message} name={copy.container.name} warnings={copy.warnings} />); }} />
      )}
      {dialog?.kind === 'add-schedule' && (
        <AddScheduleDialog container={container} onClose={close} onDone={(_schedule, message) => { done(message); }} />
      )}
      {dialog?.kind === 'restore' && (
        <RestoreDialog
          container={container}
          snapshot={dialog.snapshot}
          onClose={close}
          onDone={(restored, message) => {
            done(
              <>
                <strong>{message}</strong>
                {restored.safety_snapshot !== null && (
                  <> Safety snapshot of the state before: {restored.safety_snapshot.alias ?? restored.safety_snapshot.name}.</>
                )}
              </>,
            );
          }}
        />
      )}
      {dialog?.kind === 'copy' && (
        <CopyDialog
          container={container.name}
          snapshot={dialog.snapshot.name}
          onClose={close}
          onDone={(copy, message) => { done(<CopyOutcome message={message} name={copy.container.name} warnings={copy.warnings} />); }}
        />
      )}
      {dialog?.kind === 'edit' && (
        <EditSnapshotDialog container={container} snapshot={dialog.snapshot} onClose={close} onDone={(_snapshot, message) => { done(message); }} />
      )}
      {dialog?.kind === 'delete' && (
        <DeleteSnapshotDialog container={container} snapshot={dialog.snapshot} onClose={close} onDone={done} />
      )}
    </section>
  );
}

export function CopyOutcome({ message, name, warnings }: { readonly message: string; readonly name: string; readonly warnings: readonly string[] }) {
  return (
    <>
      <strong>{message}</strong> <Link href={containerHref(name)}>Open {name}</Link>
      {warnings.length > 0 && (
        <ul class="warnings">
          {warnings.map((warning) => (
            <li key={warning}>warning: {warning}</li>
          ))}
        </ul>
      )}
    </>
  );
}
