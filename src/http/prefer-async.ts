/** RFC 7240 `Prefer: respond-async` (possibly among other preferences, e.g. `respond-async, wait=0`). */
export function prefersAsync(header: string): boolean {
  return header
    .split(',')
    .map((part) => part.split(';')[0]?.trim().toLowerCase())
    .includes('respond-async');
}
