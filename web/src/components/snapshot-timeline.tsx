/** A container's snapshots, newest first, each with what it is and what can be done with it. */
import type { Snapshot } from '../api/api-types.ts';
import { absoluteTime, expiryText, originLabel, relativeTime, sizeText } from '../logic/format.ts';

export type SnapshotAction = 'restore' | 'copy' | 'edit' | 'delete';

export function SnapshotTimeline({
  snapshots,
  now,
  onAction,
}: {
  readonly snapshots: readonly Snapshot[];
  readonly now: Date;
  readonly onAction: (action: SnapshotAction, snapshot: Snapshot) => void;
}) {
  if (snapshots.length === 0) return <p>No snapshots yet. Take one to be able to roll back.</p>;
  return (
    <ol class="timeline">
      {snapshots.map((snapshot) => (
        <SnapshotItem key={snapshot.name} snapshot={snapshot} now={now} onAction={onAction} />
      ))}
    </ol>
  );
}

function SnapshotItem({ snapshot, now, onAction }: { readonly snapshot: Snapshot; readonly now: Date; readonly onAction: (action: SnapshotAction, snapshot: Snapshot) => void }) {
  const ready = snapshot.state === 'ready';
  const title = snapshot.alias ?? snapshot.name;
  return (
    <li class={`snapshot state-${snapshot.state}`} data-snapshot={snapshot.name} aria-label={`Snapshot ${title}`}>
      <div class="snapshot-head">
        <span class="snapshot-title">{title}</span>
        {snapshot.alias !== null && <code class="snapshot-name">{snapshot.name}</code>}
        <span class={`badge origin-${snapshot.origin.split(':')[0] ?? 'api'}`}>{originLabel(snapshot.origin)}</span>
        {!ready && <span class={`badge state-${snapshot.state}`}>{snapshot.state}</span>}
        {snapshot.tags.map((tag) => (
          <span key={tag} class="badge tag">
            #{tag}
          </span>
        ))}
      </div>
      <dl class="snapshot-facts">
        <div>
          <dt>Taken</dt>
          <dd>
            <time dateTime={snapshot.created_at} title={absoluteTime(snapshot.created_at)}>
              {relativeTime(snapshot.created_at, now)}
            </time>
          </dd>
        </div>
        <div>
          <dt>Expiry</dt>
          <dd>{snapshot.expires_at === null ? 'permanent' : <span title={absoluteTime(snapshot.expires_at)}>{expiryText(snapshot.expires_at, now)}</span>}</dd>
        </div>
        <div>
          <dt>Size</dt>
          <dd title="space only this snapshot holds">{sizeText(snapshot.size)}</dd>
        </div>
        {snapshot.replicas !== undefined && snapshot.replicas.length > 0 && (
          <div>
            <dt>Replicas</dt>
            <dd>{snapshot.replicas.map((r) => `${r.remote} (${r.state})`).join(', ')}</dd>
          </div>
        )}
      </dl>
      {snapshot.error !== null && <p class="snapshot-error">{snapshot.error}</p>}
      <div class="snapshot-actions" role="group" aria-label={`Actions for ${title}`}>
        <button type="button" class="danger-outline" disabled={!ready} onClick={() => { onAction('restore', snapshot); }}>
          Restore…
        </button>
        <button type="button" disabled={!ready} onClick={() => { onAction('copy', snapshot); }}>
          Copy…
        </button>
        <button type="button" onClick={() => { onAction('edit', snapshot); }}>
          Edit…
        </button>
        <button type="button" onClick={() => { onAction('delete', snapshot); }}>
          Delete…
        </button>
      </div>
    </li>
  );
}
