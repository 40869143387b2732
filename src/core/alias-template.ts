/**
 * Alias templates of schedules: `daily-backup-{date}` → `daily-backup-2026-03-04`. Placeholders:
 * {date} = YYYY-MM-DD and {time} = HHMMSS of the run's slot in the schedule's time zone (what an
 * operator reads on that host's calendar), {n} = the schedule's run counter. Aliases must be unique per
 * container, so a collision gets `-2`, `-3`, ... (see `withSuffix`).
 */

export const ALIAS_PLACEHOLDERS = ['{date}', '{time}', '{n}'] as const;

const MAX_ALIAS = 100;
/** Room kept for a collision suffix ("-99"). */
const SUFFIX_ROOM = 3;
/** Longest text each placeholder can become ({n}: a run counter of up to 10 digits). */
const WIDEST: Record<string, number> = { '{date}': 10, '{time}': 6, '{n}': 10 };

// Same rule as every alias: no control characters, no whitespace at either end.
const NOT_PRINTABLE = /\p{Cc}|^\s|\s$/u;

/** Every problem with a template, in words; empty when it is fine. */
export function aliasTemplateProblems(template: string): string[] {
  const problems: string[] = [];
  if (template.length === 0) return ['must not be empty'];
  if (NOT_PRINTABLE.test(template)) problems.push('must be printable text: no control characters and no leading or trailing whitespace');
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

/** The first of `alias`, `alias-2`, `alias-3`, ... that `taken` says is free. */
export function withSuffix(alias: string, taken: (candidate: string) => boolean): string {
  if (!taken(alias)) return alias;
  for (let n = 2; ; n += 1) {
    const candidate = `${alias}-${n}`;
    if (!taken(candidate)) return candidate;
  }
}
