/**
 * The next runs of a schedule before it is saved, computed like the service computes them (the same
 * cron-parser library, the same shorthands and five-field rule), so the preview matches what will run.
 */
import { CronExpressionParser } from 'cron-parser';

const SHORTHANDS = ['@hourly', '@daily', '@weekly', '@monthly'];

export type CronPreview = { readonly ok: true; readonly runs: readonly Date[] } | { readonly ok: false; readonly problem: string };

export function previewCron(expression: string, timezone: string, now: Date, count = 5): CronPreview {
  const trimmed = expression.trim();
  if (trimmed === '') return { ok: false, problem: 'Enter a cron expression, e.g. "0 3 * * *" (every day at 03:00).' };
  if (trimmed.startsWith('@') && !SHORTHANDS.includes(trimmed)) {
    return { ok: false, problem: `"${trimmed}" is not one of ${SHORTHANDS.join(', ')}.` };
  }
  if (!trimmed.startsWith('@')) {
    const fields = trimmed.split(/\s+/).length;
    if (fields !== 5) return { ok: false, problem: `Five fields are needed (minute hour day-of-month month day-of-week); this has ${fields}.` };
  }
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    return { ok: false, problem: `"${timezone}" is not a known time zone (e.g. UTC, Europe/Berlin).` };
  }
  try {
    const iterator = CronExpressionParser.parse(trimmed, { tz: timezone, currentDate: now });
    const runs: Date[] = [];
    for (let i = 0; i < count; i++) runs.push(iterator.next().toDate());
    return { ok: true, runs };
  } catch (error) {
    return { ok: false, problem: error instanceof Error ? error.message : String(error) };
  }
}
