/**
 * Health answers are kept for a short while: a monitoring flood (or anyone without a token, since health
 * needs none) must not turn into a flood of `docker info` and pool commands. Concurrent callers share the
 * check in flight; a finished result serves everyone for `ttlMs`.
 */
export const HEALTH_CACHE_MS = 2_000;

export function cachedCheck<T>(check: () => Promise<T>, options: { ttlMs?: number; now?: () => number } = {}): () => Promise<T> {
  const ttlMs = options.ttlMs ?? HEALTH_CACHE_MS;
  // Monotonic wall time, not the service clock: tests move that clock by days.
  const now = options.now ?? ((): number => performance.now());
  let last: { at: number; result: Promise<T> } | null = null;
  return () => {
    if (last !== null && now() - last.at < ttlMs) return last.result;
    const started = { at: now(), result: check() };
    last = started;
    // A check that throws is not kept: the next caller tries again.
    started.result.catch(() => {
      if (last === started) last = null;
    });
    return started.result;
  };
}
