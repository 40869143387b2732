/**
 * What text an alias or a tag may hold (design.md §3: "1–100 printable characters"). Aliases and tags are
 * shown in terminals, logs and listings, and typed back by operators, so:
 * - no control characters (a newline or escape sequence would forge log lines or repaint a terminal);
 * - no invisible format characters (bidi controls U+202A–202E / U+2066–2069, zero-width U+200B–200D,
 *   U+FEFF, ...): they make two different aliases look the same, or reorder what a reader sees;
 * - no whitespace at either end, which an operator could never tell apart when typing it back;
 * - an alias must not look like a snapshot name: wherever a name or an alias is accepted the name wins, so
 *   an alias `snap-20260101-000000` on one snapshot would make PUT/DELETE of that reference hit another.
 */

/** Cc (C0, DEL, C1) and Cf (format: bidi controls, zero-width, BOM, soft hyphen) anywhere. */
const INVISIBLE_OR_CONTROL = /[\p{Cc}\p{Cf}]/u;
const EDGE_WHITESPACE = /^\s|\s$/u;
/** design.md §3 names: snap-YYYYMMDD-HHMMSS, then -2, -3, ... */
export const SNAPSHOT_NAME_SHAPE = /^snap-[0-9]{8}-[0-9]{6}(-[0-9]+)?$/;

/** Why `text` is not printable text, or null when it is (used for tags and snapshot references). */
export function printableTextProblem(text: string): string | null {
  if (INVISIBLE_OR_CONTROL.test(text)) {
    return 'must be printable text: no control characters (newline, tab, escape, ...) and no invisible format characters (bidi controls, zero-width characters)';
  }
  if (EDGE_WHITESPACE.test(text)) return 'must be printable text without leading or trailing whitespace';
  return null;
}

/** Why `alias` cannot be an alias, or null when it can (length is checked by the schema). */
export function aliasProblem(alias: string): string | null {
  const problem = printableTextProblem(alias);
  if (problem !== null) return problem;
  if (SNAPSHOT_NAME_SHAPE.test(alias)) return 'must not look like a snapshot name (snap-YYYYMMDD-HHMMSS[-n]): names and aliases share one namespace and the name wins';
  return null;
}
