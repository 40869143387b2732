/**
 * Alias templates of schedules: `daily-backup-{date}` → `daily-backup-2026-03-04`. Placeholders:
 * {date} = YYYY-MM-DD and {time} = HHMMSS of the run's slot in the schedule's time zone (what an
 * operator reads on that host's calendar), {n} = the schedule's run counter. Aliases must be unique per
 * container, so a collision gets `-2`, `-3`, ... (see `withSuffix`).
 */

import { printableTextProblem, SNAPSHOT_NAME_SHAPE } from './alias-rules.js';

export const ALIAS_PLACEHOLDERS = ['{date}', '{time}', '{n}'] as const;

const MAX_ALIAS = 100;
/** Room kept for a collision suffix ("-99"). */
const SUFFIX_ROOM = 3;
/** Longest text each placeholder can become ({n}: a run counter of up to 10 digits). */
const WIDEST: Record<string, number> = { '{date}': 10, '{time}': 6, '{n}': 10 };

/** How many `-n` suffixes a run tries before it gives up on an alias (the snapshot is still made). */
export const MAX_SUFFIX_TRIES = 1000;

/** Every problem with a template, in words; empty when it is fine. */
export function aliasTemplateProblems(template: string): string[] {
  const problems: string[] = [];
  if (template.length === 0) return ['must not be empty'];
  const textProblem = printableTextProblem(template);
  if (textProblem !== null) problems.push(textProblem);
  const sample = renderAliasTemplate(template, { at: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)), timezone: 'UTC', run: 1 });
  if (SNAPSHOT_NAME_SHAPE.test(sample)) problems.push(`expands to aliases shaped like snapshot names (e.g. "${sample}"), which names would shadow`);
  let widest = 0;
  for (const part of template.split(/(\{[^{}]*\})/)) {
    if (part.startsWith('{') && part.endsWith('}')) {
      const width = WIDEST[part];
      if (width === undefined) problems.push(`has an unknown placeholder ${part} (known: ${ALIAS_PLACEHOLDERS.join(', ')})`);
      else widest += width;
    } else if (part.includes('{') || part.includes('}')) {
      problems.push(`has an unmatched "${part.includes('{') ? '{' : '}'}" (placeholders are ${ALIAS_PLACEHOLDERS.join(', ')})`);
    } else {
      widest += Array.from(part).length;
    }
  }
  if (widest + SUFFIX_ROOM > MAX_ALIAS) {
    problems.push(`can expand to ${widest} characters; an alias has at most ${MAX_ALIAS}, with ${SUFFIX_ROOM} kept for a "-n" suffix`);
  }
  return problems;
}

/** Wall-clock parts of `at` in `timezone`. */
function localParts(at: Date, timezone: string): Record<string, string> {
  const format = new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  return Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
}

export function renderAliasTemplate(template: string, context: { at: Date; timezone: string; run: number }): string {
  const parts = localParts(context.at, context.timezone);
  const date = `${parts['year'] ?? ''}-${parts['month'] ?? ''}-${parts['day'] ?? ''}`;
  const time = `${parts['hour'] ?? ''}${parts['minute'] ?? ''}${parts['second'] ?? ''}`;
  return template.replaceAll('{date}', date).replaceAll('{time}', time).replaceAll('{n}', String(context.run));
}

/**
 * The first of `alias`, `alias-2`, `alias-3`, ... that `taken` says is free, each at most 100 characters
 * (the alias is shortened to make room for a long suffix). After MAX_SUFFIX_TRIES taken candidates it
 * gives up and returns null: the scheduled snapshot is then made without an alias rather than not at all.
 */
export function withSuffix(alias: string, taken: (candidate: string) => boolean): string | null {
  const chars = Array.from(alias);
  for (let n = 1; n <= MAX_SUFFIX_TRIES; n += 1) {
    const suffix = n === 1 ? '' : `-${n}`;
    const candidate = chars.slice(0, MAX_ALIAS - suffix.length).join('').trimEnd() + suffix;
    if (!taken(candidate)) return candidate;
  }
  return null;
}
