/**
 * Per-key token buckets for mutating requests: `burst` requests at once, refilled at `perMinute`. In
 * memory: a restart forgives everyone, which is fine for a limit meant to stop a runaway script. Real
 * elapsed time, not the injected clock: a test's frozen clock must not freeze the refill.
 */
import { performance } from 'node:perf_hooks';

export interface RateLimit {
  /** Sustained mutating requests per minute per key; 0 turns limiting off. */
  readonly perMinute: number;
  /** How many may come at once after a quiet period. */
  readonly burst: number;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { perMinute: 600, burst: 300 };

const MAX_BUCKETS = 10_000;

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly limit: RateLimit,
    private readonly nowMs: () => number = () => performance.now(),
  ) {}

  /** Takes one request from the key's bucket: undefined when allowed, else the seconds until one is. */
  take(keyId: string): number | undefined {
    if (this.limit.perMinute <= 0) return undefined;
    const now = this.nowMs();
    const perMs = this.limit.perMinute / 60_000;
    const bucket = this.buckets.get(keyId) ?? { tokens: this.limit.burst, at: now };
    bucket.tokens = Math.min(this.limit.burst, bucket.tokens + Math.max(0, now - bucket.at) * perMs);
    bucket.at = now;
    if (this.buckets.size >= MAX_BUCKETS && !this.buckets.has(keyId)) this.buckets.clear();
    this.buckets.set(keyId, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return undefined;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000));
  }
}
