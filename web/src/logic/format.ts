/** Dates, sizes and durations in words, relative to `now` (passed in so tests and renders agree). */

/** Unit, its length in seconds, and from how many seconds on it is used (days up to 44: "in 30 days"). */
const UNITS: readonly [Intl.RelativeTimeFormatUnit, number, number][] = [
  ['year', 365 * 86400, 365 * 86400],
  ['month', 30 * 86400, 45 * 86400],
  ['day', 86400, 0.95 * 86400],
  ['hour', 3600, 0.95 * 3600],
  ['minute', 60, 0.95 * 60],
  ['second', 1, 1],
];

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** "3 minutes ago", "in 7 days", "now". */
export function relativeTime(iso: string, now: Date): string {
  const seconds = Math.round((new Date(iso).getTime() - now.getTime()) / 1000);
  if (Math.abs(seconds) < 10) return 'just now';
  // Rounded, not truncated: a 30-day expiry a few seconds after it was set still reads "in 30 days".
  for (const [unit, size, from] of UNITS) {
    if (Math.abs(seconds) >= from) return relative.format(Math.sign(seconds) * Math.round(Math.abs(seconds) / size), unit);
  }
  return relative.format(seconds, 'second');
}

/** "expires in 7 days", "permanent", "expired 2 hours ago" (the reaper removes it within a minute). */
export function expiryText(expiresAt: string | null, now: Date): string {
  if (expiresAt === null) return 'permanent';
  const when = relativeTime(expiresAt, now);
  return new Date(expiresAt).getTime() <= now.getTime() ? `expired ${when}` : `expires ${when}`;
}

/** Bytes in binary units, one decimal under 10: "4.0 KiB", "123 MiB"; null = the pool does not report sizes. */
export function sizeText(bytes: number | null): string {
  if (bytes === null) return 'size unknown';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  return `${value.toFixed(digits)} ${units[unit] ?? 'B'}`;
}

/** An absolute time for titles and schedules: "2026-11-28 09:00 UTC" in the browser's zone or a given one. */
export function absoluteTime(iso: string, timeZone?: string): string {
  const options: Intl.DateTimeFormatOptions = {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  };
  if (timeZone !== undefined) options.timeZone = timeZone;
  return new Intl.DateTimeFormat('en-CA', options).format(new Date(iso)).replace(',', '');
}

/** The origin of a snapshot as a short label: "api", "schedule #3", "safety". */
export function originLabel(origin: string): string {
  const scheduled = /^schedule:(.+)$/.exec(origin);
  if (scheduled?.[1] !== undefined) return `schedule #${scheduled[1]}`;
  return origin;
}
