/** A new schedule, with the next runs shown while the cron expression is typed. */
import { useMemo, useState } from 'preact/hooks';
import { segment } from '../api/api-client.ts';
import { useApi } from '../api/api-context.ts';
import type { Schedule } from '../api/api-types.ts';
import { useAction } from '../hooks/use-action.ts';
import { previewCron } from '../logic/cron-preview.ts';
import { absoluteTime } from '../logic/format.ts';
import { Dialog } from './dialog.tsx';
import { ErrorBox } from './error-box.tsx';

const EXAMPLES: readonly [string, string][] = [
  ['0 3 * * *', 'every day at 03:00'],
  ['0 * * * *', 'every hour'],
  ['*/15 * * * *', 'every 15 minutes'],
  ['0 2 * * 0', 'Sundays at 02:00'],
];

function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {
    return 'UTC';
  }
}

export function AddScheduleDialog({
  container,
  onClose,
  onDone,
}: {
  /** The container: its id goes into the API path (unambiguous), its name into the words. */
  readonly container: { readonly id: string; readonly name: string };
  readonly onClose: () => void;
  readonly onDone: (schedule: Schedule, message: string) => void;
}) {
  const api = useApi();
  const [cron, setCron] = useState('0 3 * * *');
  const [timezone, setTimezone] = useState('UTC');
  const [aliasTemplate, setAliasTemplate] = useState('nightly-{date}');
  const [expiry, setExpiry] = useState('30');
  const [keepMin, setKeepMin] = useState('1');
  const [quiesce, setQuiesce] = useState('none');
  const preview = useMemo(() => previewCron(cron, timezone, new Date()), [cron, timezone]);
  const zones = useMemo(() => (typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : []), []);
  const action = useAction(
    () =>
      api.call<{ schedule: Schedule }>('POST', `/containers/${segment(container.id)}/schedules`, {
        cron,
        timezone,
        alias_template: aliasTemplate.trim() === '' ? null : aliasTemplate,
        expiry: expiry.trim() === '' ? null : Number(expiry),
        keep_min: Number(keepMin),
        quiesce,
      }),
    (reply) => {
      onDone(reply.data.schedule, reply.message);
    },
  );
  return (
    <Dialog title={`Add a schedule for ${container.name}`} onClose={onClose} busy={action.busy} wide>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void action.run();
        }}
      >
        <div class="field">
          <label for="schedule-cron">Cron expression (minute hour day-of-month month day-of-week, or @hourly, @daily, @weekly, @monthly)</label>
          <input
            id="schedule-cron"
            value={cron}
            spellcheck={false}
            autocomplete="off"
            aria-describedby="schedule-preview"
            onInput={(event) => {
              setCron(event.currentTarget.value);
            }}
          />
          <p class="hint">
            e.g.{' '}
            {EXAMPLES.map(([expression, words], index) => (
              <span key={expression}>
                {index > 0 && ', '}
                <button type="button" class="link-button" onClick={() => { setCron(expression); }}>
                  <code>{expression}</code>
                </button>{' '}
                ({words})
              </span>
            ))}
          </p>
        </div>
        <div class="field">
          <label for="schedule-timezone">Time zone</label>
          <input
            id="schedule-timezone"
            value={timezone}
            list="schedule-zones"
            autocomplete="off"
            onInput={(event) => {
              setTimezone(event.currentTarget.value);
            }}
          />
          <datalist id="schedule-zones">
            {zones.map((zone) => (
              <option key={zone} value={zone} />
            ))}
          </datalist>
          {timezone !== browserTimeZone() && (
            <button type="button" class="link-button" onClick={() => { setTimezone(browserTimeZone()); }}>
              use this browser's ({browserTimeZone()})
            </button>
          )}
        </div>
        <section id="schedule-preview" class="cron-preview" aria-live="polite" aria-label="Next runs">
          {preview.ok ? (
            <>
              <h3>Next runs</h3>
              <ol>
                {preview.runs.map((run) => (
                  <li key={run.toISOString()}>{absoluteTime(run.toISOString(), timezone)}</li>
                ))}
              </ol>
            </>
          ) : (
            <p class="field-problem">{preview.problem}</p>
          )}
        </section>
        <div class="field">
          <label for="schedule-alias">Alias template ({'{date}'}, {'{time}'}, {'{n}'}; empty: no alias)</label>
          <input
            id="schedule-alias"
            value={aliasTemplate}
            onInput={(event) => {
              setAliasTemplate(event.currentTarget.value);
            }}
          />
        </div>
        <div class="field-row">
          <div class="field">
            <label for="schedule-expiry">Expiry in days (empty: permanent)</label>
            <input
              id="schedule-expiry"
              type="number"
              min={1}
              max={3650}
              value={expiry}
              onInput={(event) => {
                setExpiry(event.currentTarget.value);
              }}
            />
          </div>
          <div class="field">
            <label for="schedule-keep-min">Always keep the newest (keep_min)</label>
            <input
              id="schedule-keep-min"
              type="number"
              min={0}
              max={10000}
              value={keepMin}
              onInput={(event) => {
                setKeepMin(event.currentTarget.value);
              }}
            />
          </div>
          <div class="field">
            <label for="schedule-quiesce">Consistency</label>
            <select
              id="schedule-quiesce"
              value={quiesce}
              onChange={(event) => {
                setQuiesce(event.currentTarget.value);
              }}
            >
              <option value="none">none</option>
              <option value="pause">pause</option>
              <option value="stop">stop</option>
            </select>
          </div>
        </div>
        <ErrorBox error={action.error} title="Schedule refused:" />
        <div class="dialog-actions">
          <button type="button" onClick={onClose} disabled={action.busy}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={action.busy}>
            Add schedule
          </button>
        </div>
      </form>
    </Dialog>
  );
}
