/**
 * A schedule's `replicate` setting (issue 12): each snapshot the schedule takes is pushed to `remote`;
 * the replica lives `expiryDays` in the remote (its own expiry, independent of the local one), and every
 * `fullEvery`-th replica of the schedule is a full stream that starts a new chain, so old chains can expire.
 */
import type { ErrorDetail } from '../errors/app-error.js';

export interface ReplicateSettings {
  readonly remote: string;
  /** Days each replica lives in the remote; null = kept until deleted. */
  readonly expiryDays: number | null;
  /** Every N-th replica of the schedule is full; null = incremental whenever a parent is available. */
  readonly fullEvery: number | null;
  /** Snapshots of the schedule taken before this are not replicated by catch-up (set when replicate is turned on or re-pointed). */
  readonly since: Date;
}

export interface ReplicateInput {
  readonly remote: string;
  readonly expiryDays?: number | null;
  readonly fullEvery?: number | null;
}

export const MAX_REPLICA_EXPIRY_DAYS = 36_500;
export const MAX_FULL_EVERY = 10_000;

/** Every problem of a `replicate` input, with paths as the HTTP body names them. */
export function replicateProblems(input: ReplicateInput, knownRemotes: readonly string[]): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  if (!knownRemotes.includes(input.remote)) {
    const known = knownRemotes.length === 0 ? 'no remote is configured' : `configured: ${knownRemotes.join(', ')}`;
    problems.push({ path: '/body/replicate/remote', message: `names no configured remote: "${input.remote}" (${known})` });
  }
  const expiry = input.expiryDays;
  if (expiry !== undefined && expiry !== null && !(Number.isInteger(expiry) && expiry >= 1 && expiry <= MAX_REPLICA_EXPIRY_DAYS)) {
    problems.push({ path: '/body/replicate/expiry', message: `must be a whole number of days from 1 to ${String(MAX_REPLICA_EXPIRY_DAYS)}, not ${String(expiry)}` });
  }
  const every = input.fullEvery;
  if (every !== undefined && every !== null && !(Number.isInteger(every) && every >= 1 && every <= MAX_FULL_EVERY)) {
    problems.push({ path: '/body/replicate/full_every', message: `must be a whole number from 1 to ${String(MAX_FULL_EVERY)}, not ${String(every)}` });
  }
  return problems;
}
