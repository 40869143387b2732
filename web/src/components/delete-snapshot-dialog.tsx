/** Deleting a snapshot cannot be undone: the dialog says so and names it. */
import { segment } from '../api/api-client.ts';
import { useApi } from '../api/api-context.ts';
import type { Snapshot } from '../api/api-types.ts';
import { useAction } from '../hooks/use-action.ts';
import { Dialog } from './dialog.tsx';
import { ErrorBox } from './error-box.tsx';
import { ProgressNote } from './progress-note.tsx';

export function DeleteSnapshotDialog({
  container,
  snapshot,
  onClose,
  onDone,
}: {
  /** The container: its id goes into the API path (unambiguous), its name into the words. */
  readonly container: { readonly id: string; readonly name: string };
  readonly snapshot: Snapshot;
  readonly onClose: () => void;
  readonly onDone: (message: string) => void;
}) {
  const api = useApi();
  const label = snapshot.alias === null ? snapshot.name : `${snapshot.alias} (${snapshot.name})`;
  const action = useAction(
    () => api.call<unknown>('DELETE', `/containers/${segment(container.id)}/snapshots/${segment(snapshot.name)}`),
    (reply) => {
      onDone(reply.message);
    },
  );
  return (
    <Dialog title={`Delete ${label}?`} onClose={onClose} busy={action.busy}>
      <p>
        The snapshot {label} of <strong>{container.name}</strong> and its storage are removed. This cannot be undone; the container itself is not
        touched.
      </p>
      {action.busy && <ProgressNote label="Deleting…" />}
      <ErrorBox error={action.error} title="Not deleted:" />
      <div class="dialog-actions">
        <button type="button" onClick={onClose} disabled={action.busy}>
          Cancel
        </button>
        <button type="button" class="danger" disabled={action.busy} onClick={() => void action.run()}>
          Delete snapshot
        </button>
      </div>
    </Dialog>
  );
}
