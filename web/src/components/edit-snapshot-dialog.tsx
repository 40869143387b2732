/** Change a snapshot's alias (empty clears it), expiry (days from now, or permanent) and tags. */
import { useState } from 'preact/hooks';
import { segment } from '../api/api-client.ts';
import { useApi } from '../api/api-context.ts';
import type { Snapshot } from '../api/api-types.ts';
import { useAction } from '../hooks/use-action.ts';
import { Dialog } from './dialog.tsx';
import { ErrorBox } from './error-box.tsx';
import { ExpiryField, expiryValue, type ExpiryChoice } from './expiry-field.tsx';

/** "a, b  c" → ["a", "b", "c"]: tags are separated by commas or spaces. */
export function parseTags(text: string): string[] {
  return [...new Set(text.split(/[,\s]+/).filter((t) => t !== ''))];
}

export function EditSnapshotDialog({
  container,
  snapshot,
  onClose,
  onDone,
}: {
  /** The container: its id goes into the API path (unambiguous), its name into the words. */
  readonly container: { readonly id: string; readonly name: string };
  readonly snapshot: Snapshot;
  readonly onClose: () => void;
  readonly onDone: (snapshot: Snapshot, message: string) => void;
}) {
  const api = useApi();
  const [alias, setAlias] = useState(snapshot.alias ?? '');
  const [changeExpiry, setChangeExpiry] = useState(false);
  const [expiry, setExpiry] = useState<ExpiryChoice>({ permanent: snapshot.expires_at === null, days: '7' });
  const [tags, setTags] = useState(snapshot.tags.join(', '));
  const action = useAction(
    () => {
      const body: Record<string, unknown> = { alias: alias.trim() === '' ? null : alias, tags: parseTags(tags) };
      if (changeExpiry) body.expiry = expiryValue(expiry);
      return api.call<{ snapshot: Snapshot }>('PUT', `/containers/${segment(container.id)}/snapshots/${segment(snapshot.name)}`, body);
    },
    (reply) => {
      onDone(reply.data.snapshot, reply.message);
    },
  );
  return (
    <Dialog title={`Edit ${snapshot.name}`} onClose={onClose} busy={action.busy}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void action.run();
        }}
      >
        <div class="field">
          <label for="edit-alias">Alias (empty: none)</label>
          <input
            id="edit-alias"
            value={alias}
            maxLength={100}
            onInput={(event) => {
              setAlias(event.currentTarget.value);
            }}
          />
        </div>
        <div class="field">
          <label for="edit-tags">Tags (comma separated; "template" lists it under Templates)</label>
          <input
            id="edit-tags"
            value={tags}
            onInput={(event) => {
              setTags(event.currentTarget.value);
            }}
          />
        </div>
        <label class="inline">
          <input
            type="checkbox"
            checked={changeExpiry}
            onChange={(event) => {
              setChangeExpiry(event.currentTarget.checked);
            }}
          />{' '}
          Change the expiry
        </label>
        {changeExpiry && <ExpiryField idPrefix="edit" value={expiry} onChange={setExpiry} />}
        <ErrorBox error={action.error} title="Not saved:" />
        <div class="dialog-actions">
          <button type="button" onClick={onClose} disabled={action.busy}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={action.busy}>
            Save
          </button>
        </div>
      </form>
    </Dialog>
  );
}
