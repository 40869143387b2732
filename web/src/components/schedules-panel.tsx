/** A container's schedules: when each runs next, what it did last; pause/resume and delete. */
import { useState } from 'preact/hooks';
import { ApiError, segment } from '../api/api-client.ts';
import { useApi } from '../api/api-context.ts';
import type { Schedule } from '../api/api-types.ts';
import { absoluteTime, relativeTime } from '../logic/format.ts';
import { Dialog } from './dialog.tsx';
import { ErrorBox } from './error-box.tsx';

export function SchedulesPanel({
  container,
  schedules,
  now,
  onChanged,
}: {
  readonly container: string;
  readonly schedules: readonly Schedule[];
  readonly now: Date;
  readonly onChanged: (message: string) => void;
}) {
  const api = useApi();
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [busy, setBusy] = useState<number | null>(null);
  const [deleting, setDeleting] = useState<Schedule | null>(null);

  const run = async (id: number, method: string, body?: unknown): Promise<boolean> => {
    setBusy(id);
    setError(undefined);
    try {
      const reply = await api.call<unknown>(method, `/containers/${segment(container)}/schedules/${id}`, body);
      onChanged(reply.message);
      return true;
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(0, String(failure), 'unexpected', []));
      return false;
    } finally {
      setBusy(null);
    }
  };

  return (
    <>
      <ErrorBox error={error} />
      {schedules.length === 0 ? (
        <p>No schedules. Add one to take snapshots automatically.</p>
      ) : (
        <table class="schedules responsive">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Next run</th>
              <th scope="col">Alias template</th>
              <th scope="col">Expiry</th>
              <th scope="col">Keep min</th>
              <th scope="col">Last run</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {schedules.map((schedule) => (
              <tr key={schedule.id} data-schedule={schedule.id}>
                <th scope="row" data-label="When">
                  <code>{schedule.cron}</code> <span class="muted">{schedule.timezone}</span>
                  {schedule.quiesce !== 'none' && <span class="muted"> · quiesce {schedule.quiesce}</span>}
                </th>
                <td data-label="Next run">
                  {schedule.paused ? (
                    <span class="badge state-paused" title={schedule.paused_reason ?? undefined}>
                      paused{schedule.paused_reason !== null ? `: ${schedule.paused_reason}` : ''}
                    </span>
                  ) : schedule.next_run_at === null ? (
                    <span class="muted">—</span>
                  ) : (
                    <time dateTime={schedule.next_run_at} title={absoluteTime(schedule.next_run_at)}>
                      {absoluteTime(schedule.next_run_at, schedule.timezone)} ({relativeTime(schedule.next_run_at, now)})
                    </time>
                  )}
                </td>
                <td data-label="Alias template">{schedule.alias_template === null ? <span class="muted">none</span> : <code>{schedule.alias_template}</code>}</td>
                <td data-label="Expiry">{schedule.expiry === null ? 'permanent' : `${schedule.expiry} days`}</td>
                <td data-label="Keep min">{schedule.keep_min}</td>
                <td data-label="Last run">
                  {schedule.last_run_at === null ? (
                    <span class="muted">never ({schedule.run_count} runs)</span>
                  ) : (
                    <span>
                      {relativeTime(schedule.last_run_at, now)}
                      {schedule.last_snapshot !== null && <> → {schedule.last_snapshot}</>}
                    </span>
                  )}
                  {schedule.last_error !== null && <p class="snapshot-error">{schedule.last_error}</p>}
                </td>
                <td data-label="Actions" class="row-actions">
                  <button type="button" disabled={busy === schedule.id} onClick={() => void run(schedule.id, 'PUT', { paused: !schedule.paused })}>
                    {schedule.paused ? 'Resume' : 'Pause'}
                  </button>
                  <button type="button" disabled={busy === schedule.id} onClick={() => { setDeleting(schedule); }}>
                    Delete…
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {deleting !== null && (
        <Dialog title={`Delete the schedule ${deleting.cron}?`} onClose={() => { setDeleting(null); }} busy={busy === deleting.id}>
          <p>It stops taking snapshots. The snapshots it made are kept (they expire as set, no longer protected by keep_min).</p>
          <ErrorBox error={error} title="Not deleted:" />
          <div class="dialog-actions">
            <button type="button" onClick={() => { setDeleting(null); }}>
              Cancel
            </button>
            <button
              type="button"
              class="danger"
              onClick={() => {
                void run(deleting.id, 'DELETE').then((deleted) => {
                  if (deleted) setDeleting(null);
                });
              }}
            >
              Delete schedule
            </button>
          </div>
        </Dialog>
      )}
    </>
  );
}
