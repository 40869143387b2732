/**
 * Expiry and retention settings are whole days: the dates they mean, counted from a given moment
 * (the clock's now, or when a snapshot was taken).
 */
const DAY_MS = 24 * 60 * 60 * 1000;

export function daysAfter(start: Date, days: number): Date {
  return new Date(start.getTime() + days * DAY_MS);
}

export function daysBefore(end: Date, days: number): Date {
  return new Date(end.getTime() - days * DAY_MS);
}

/** When something that lives `days` from `start` expires; null (or absent) days: never. */
export function expiryFrom(start: Date, days: number | undefined | null): Date | null {
  return days === undefined || days === null ? null : daysAfter(start, days);
}
