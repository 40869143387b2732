/** Copy a snapshot (or the current state) into a new container: its name, whether to start it. */
import { useState } from 'preact/hooks';
import { segment } from '../api/api-client.ts';
import { useApi } from '../api/api-context.ts';
import type { CopyResult } from '../api/api-types.ts';
import { useAction } from '../hooks/use-action.ts';
import { Dialog } from './dialog.tsx';
import { ErrorBox } from './error-box.tsx';
import { ProgressNote } from './progress-note.tsx';

export function CopyDialog({
  container,
  snapshot,
  title,
  onClose,
  onDone,
}: {
  /** Source container (name or id). */
  readonly container: string;
  /** Snapshot name; undefined copies the current state. */
  readonly snapshot: string | undefined;
  readonly title?: string;
  readonly onClose: () => void;
  readonly onDone: (result: CopyResult, message: string) => void;
}) {
  const api = useApi();
  const [name, setName] = useState('');
  const [start, setStart] = useState(true);
  const action = useAction(
    () =>
      api.call<CopyResult>('POST', `/containers/${segment(container)}/copy`, {
        name: name.trim(),
        start,
        ...(snapshot !== undefined && { source_snapshot: snapshot }),
      }),
    (reply) => {
      onDone(reply.data, reply.message);
    },
  );
  const source = snapshot === undefined ? `the current state of ${container}` : `${snapshot} of ${container}`;
  return (
    <Dialog title={title ?? `Copy to a new container`} onClose={onClose} busy={action.busy}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void action.run();
        }}
      >
        <p>
          A new container from {source}: the same configuration, with writable copy-on-write clones of its filesystems (no bytes are copied).
        </p>
        <div class="field">
          <label for="copy-name">Name of the new container</label>
          <input
            id="copy-name"
            value={name}
            required
            maxLength={63}
            pattern="[a-zA-Z0-9][a-zA-Z0-9_.\-]+"
            title="letters, digits, _ . - (starting with a letter or digit), 2 to 63 characters"
            autocomplete="off"
            onInput={(event) => {
              setName(event.currentTarget.value);
            }}
          />
        </div>
        <label class="inline">
          <input
            type="checkbox"
            checked={start}
            onChange={(event) => {
              setStart(event.currentTarget.checked);
            }}
          />{' '}
          Start it
        </label>
        {action.busy && <ProgressNote label={`Creating ${name.trim()}…`} />}
        <ErrorBox error={action.error} title="Copy refused:" />
        <div class="dialog-actions">
          <button type="button" onClick={onClose} disabled={action.busy}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={action.busy}>
            Create container
          </button>
        </div>
      </form>
    </Dialog>
  );
}
