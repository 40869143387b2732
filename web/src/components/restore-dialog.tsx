/**
 * Restore, made hard to do by mistake: the dialog names the container and the snapshot, says the container
 * will be stopped and what is lost, offers a safety snapshot (on by default), and shows what will change
 * when the service can tell. A refusal because another running container shares a dataset offers to stop it.
 */
import { useEffect, useState } from 'preact/hooks';
import { segment } from '../api/api-client.ts';
import { useApi } from '../api/api-context.ts';
import type { Container, RestoreResult, Snapshot } from '../api/api-types.ts';
import { loadDiff, type DiffSummary } from '../api/snapshot-diff.ts';
import { useAction } from '../hooks/use-action.ts';
import { relativeTime } from '../logic/format.ts';
import { Dialog } from './dialog.tsx';
import { ErrorBox } from './error-box.tsx';
import { ProgressNote } from './progress-note.tsx';

export function RestoreDialog({
  container,
  snapshot,
  onClose,
  onDone,
}: {
  readonly container: Container;
  readonly snapshot: Snapshot;
  readonly onClose: () => void;
  readonly onDone: (result: RestoreResult, message: string) => void;
}) {
  const api = useApi();
  const [safety, setSafety] = useState(true);
  const [stopSharing, setStopSharing] = useState(false);
  const [diff, setDiff] = useState<DiffSummary | null | 'loading' | 'failed'>('loading');
  const label = snapshot.alias === null ? snapshot.name : `${snapshot.alias} (${snapshot.name})`;
  const running = container.state === 'running';

  useEffect(() => {
    let current = true;
    loadDiff(api, container.id, snapshot.name).then(
      (summary) => {
        if (current) setDiff(summary);
      },
      () => {
        if (current) setDiff('failed');
      },
    );
    return () => {
      current = false;
    };
  }, [api, container.id, snapshot.name]);

  const action = useAction(
    () =>
      api.call<RestoreResult>('PATCH', `/containers/${segment(container.id)}/snapshots/${segment(snapshot.name)}`, {
        safety_snapshot: safety,
        ...(stopSharing && { stop_sharing_containers: true }),
      }),
    (reply) => {
      onDone(reply.data, reply.message);
    },
  );
  const sharedRefusal = action.error?.code === 'dataset_in_use';

  return (
    <Dialog title={`Restore ${container.name} to ${label}?`} onClose={onClose} busy={action.busy} wide>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void action.run();
        }}
      >
        <div class="warning-box">
          <p>
            {running ? (
              <>
                <strong>{container.name} is running and will be stopped</strong>, its filesystems replaced by the snapshot's, then started again.
              </>
            ) : (
              <>
                <strong>{container.name}</strong> ({container.state}) gets the snapshot's filesystems; it is not started.
              </>
            )}
          </p>
          <p>
            Everything it wrote since <strong>{label}</strong> ({relativeTime(snapshot.created_at, new Date())}) is lost, unless you keep a safety
            snapshot. Newer snapshots are kept.
          </p>
        </div>
        <DiffView diff={diff} />
        <label class="inline">
          <input
            type="checkbox"
            checked={safety}
            onChange={(event) => {
              setSafety(event.currentTarget.checked);
            }}
          />{' '}
          Take a safety snapshot of the current state first (alias <code>before-restore-…</code>, kept 7 days)
        </label>
        {(sharedRefusal || stopSharing) && (
          <label class="inline">
            <input
              type="checkbox"
              checked={stopSharing}
              onChange={(event) => {
                setStopSharing(event.currentTarget.checked);
              }}
            />{' '}
            Also stop the other running containers that share a restored dataset (they are started again afterwards)
          </label>
        )}
        {action.busy && <ProgressNote label={`Restoring ${container.name}: stopping it, swapping its filesystems, starting it…`} />}
        <ErrorBox error={action.error} title="Restore refused:" />
        <div class="dialog-actions">
          <button type="button" onClick={onClose} disabled={action.busy}>
            Cancel
          </button>
          <button type="submit" class="danger" disabled={action.busy}>
            Restore {container.name}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function DiffView({ diff }: { readonly diff: DiffSummary | null | 'loading' | 'failed' }) {
  if (diff === null) return null;
  if (diff === 'loading') return <p class="muted" role="status">Checking what the restore will undo…</p>;
  if (diff === 'failed') return <p class="muted">What the restore will undo could not be determined.</p>;
  return (
    <section class="diff" aria-label="What will change">
      <h3>What will change</h3>
      {diff.message !== '' && <p>{diff.message}</p>}
      {diff.entries.length > 0 && (
        <>
          <p class="muted">Changed since the snapshot, undone by the restore: added files go away, modified and deleted ones come back as they were.</p>
          <ul>
            {diff.entries.map((entry) => (
              <li key={`${entry.change}:${entry.path}`}>
                <span class="change">{entry.change}</span> <code>{entry.path}</code>
              </li>
            ))}
            {diff.total > diff.entries.length && <li class="muted">… and {diff.total - diff.entries.length} more</li>}
          </ul>
        </>
      )}
    </section>
  );
}
