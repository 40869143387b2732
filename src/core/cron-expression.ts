/**
 * Cron expressions of schedules, evaluated by cron-parser in the schedule's time zone (DST included).
 * The scheduler only ever asks "the latest slot at or before now": missed runs, no double runs and
 * simulated time in tests are all that one question.
 */
import { createRequire } from 'node:module';
import type { CronExpressionParser as Parser } from 'cron-parser';

/**
 * cron-parser (with luxon and the ICU time zone data it touches) costs ~8 MiB of resident memory; a
 * service without schedules never needs it, so it is loaded on the first expression, synchronously
 * (it is CommonJS) to keep these functions synchronous (issue #17, goal 5).
 */
let parser: typeof Parser | undefined;
function cronParser(): typeof Parser {
  parser ??= (createRequire(import.meta.url)('cron-parser') as typeof import('cron-parser')).CronExpressionParser;
  return parser;
}

/** The shorthands a schedule accepts besides five fields. */
export const CRON_SHORTHANDS = ['@hourly', '@daily', '@weekly', '@monthly'] as const;

export const CRON_RULE = 'five fields (minute hour day-of-month month day-of-week, e.g. "0 3 * * *") or @hourly, @daily, @weekly, @monthly';

/** Null when valid, else what is wrong, in words. */
export function cronProblem(expression: string): string | null {
  const trimmed = expression.trim();
  if (trimmed.startsWith('@')) {
    return (CRON_SHORTHANDS as readonly string[]).includes(trimmed) ? null : `"${trimmed}" is not one of ${CRON_SHORTHANDS.join(', ')}`;
  }
  const fields = trimmed.split(/\s+/).filter((f) => f.length > 0);
  // cron-parser also takes a seconds field; schedules are per minute at most.
  if (fields.length !== 5) return `has ${fields.length} field${fields.length === 1 ? '' : 's'}; a schedule takes ${CRON_RULE}`;
  try {
    cronParser().parse(trimmed, { tz: 'UTC', strict: false });
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Null when `timezone` is an IANA time zone name the runtime knows ("UTC", "Europe/Berlin"). */
export function timezoneProblem(timezone: string): string | null {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    // Offsets like "+02:00" are accepted by Intl on newer engines but are not IANA names.
    if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(timezone)) return `"${timezone}" is not an IANA time zone name`;
    return null;
  } catch {
    return `"${timezone}" is not a known IANA time zone (e.g. "UTC", "Europe/Berlin", "America/New_York")`;
  }
}

/** The latest slot at or before `now`; null if the expression never fired before (cannot happen for valid ones). */
export function latestSlot(expression: string, timezone: string, now: Date): Date | null {
  // cron-parser's prev() is strictly before currentDate; one ms later makes a slot exactly at now count.
  const iterator = cronParser().parse(expression.trim(), { tz: timezone, currentDate: new Date(now.getTime() + 1) });
  try {
    return iterator.prev().toDate();
  } catch {
    return null;
  }
}

/** The first slot strictly after `now`. */
export function nextSlot(expression: string, timezone: string, now: Date): Date | null {
  const iterator = cronParser().parse(expression.trim(), { tz: timezone, currentDate: now });
  try {
    return iterator.next().toDate();
  } catch {
    return null;
  }
}
