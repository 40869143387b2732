/** Take a snapshot now: alias, expiry (days or permanent), quiesce. */
import { useState } from 'preact/hooks';
import { segment } from '../api/api-client.ts';
import { useApi } from '../api/api-context.ts';
import type { Snapshot } from '../api/api-types.ts';
import { useAction } from '../hooks/use-action.ts';
import { Dialog } from './dialog.tsx';
import { ErrorBox } from './error-box.tsx';
import { ProgressNote } from './progress-note.tsx';
import { ExpiryField, expiryValue, type ExpiryChoice } from './expiry-field.tsx';

export function TakeSnapshotDialog({
  container,
  onClose,
  onDone,
}: {
  /** The container: its id goes into the API path (unambiguous), its name into the words. */
  readonly container: { readonly id: string; readonly name: string };
  readonly onClose: () => void;
  readonly onDone: (snapshot: Snapshot, message: string) => void;
}) {
  const api = useApi();
  const [alias, setAlias] = useState('');
  const [expiry, setExpiry] = useState<ExpiryChoice>({ permanent: false, days: '7' });
  const [quiesce, setQuiesce] = useState('none');
  const action = useAction(
    async () => {
      const body: Record<string, unknown> = { quiesce };
      if (alias.trim() !== '') body.alias = alias;
      const days = expiryValue(expiry);
      if (days !== null) body.expiry = days;
      return api.call<{ snapshot: Snapshot }>('POST', `/containers/${segment(container.id)}/snapshots`, body);
    },
    (reply) => {
      onDone(reply.data.snapshot, reply.message);
    },
  );
  return (
    <Dialog title={`Take a snapshot of ${container.name}`} onClose={onClose} busy={action.busy}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void action.run();
        }}
      >
        <div class="field">
          <label for="snapshot-alias">Alias (optional)</label>
          <input
            id="snapshot-alias"
            value={alias}
            maxLength={100}
            placeholder="e.g. before-deploy"
            onInput={(event) => {
              setAlias(event.currentTarget.value);
            }}
          />
        </div>
        <ExpiryField idPrefix="snapshot" value={expiry} onChange={setExpiry} />
        <div class="field">
          <label for="snapshot-quiesce">Consistency</label>
          <select
            id="snapshot-quiesce"
            value={quiesce}
            onChange={(event) => {
              setQuiesce(event.currentTarget.value);
            }}
          >
            <option value="none">none: snapshot as it runs</option>
            <option value="pause">pause: freeze the processes for the instant of the snapshot</option>
            <option value="stop">stop: stop and restart the container</option>
          </select>
        </div>
        {action.busy && <ProgressNote label="Taking the snapshot…" />}
        <ErrorBox error={action.error} />
        <div class="dialog-actions">
          <button type="button" onClick={onClose} disabled={action.busy}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={action.busy}>
            Take snapshot
          </button>
        </div>
      </form>
    </Dialog>
  );
}
