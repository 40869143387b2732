/**
 * How long to wait before trying again after failures (reaper deletes, webhook deliveries): the base
 * delay after the first failure, doubled per further failure, never more than `maxMs`.
 */
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
}

/** `failuresBefore`: failures before the one that just happened (0 after the first). */
export function backoffDelay(failuresBefore: number, policy: BackoffPolicy): number {
  // The exponent is capped so a long-failing item cannot overflow to Infinity before the cap applies.
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(failuresBefore, 30));
}
