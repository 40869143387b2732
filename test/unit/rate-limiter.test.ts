import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RateLimiter } from '../../src/core/access/rate-limiter.js';

describe('RateLimiter (per-key token bucket)', () => {
  it('lets a burst through, then answers how long to wait, refilling at the configured rate, per key', () => {
    let now = 0;
    const limiter = new RateLimiter({ perMinute: 60, burst: 3 }, () => now);
    assert.deepEqual([limiter.take('a'), limiter.take('a'), limiter.take('a')], [undefined, undefined, undefined]);
    assert.equal(limiter.take('a'), 1, 'one request per second: wait 1 s');
    assert.equal(limiter.take('b'), undefined, 'another key has its own bucket');
    now += 1000;
    assert.equal(limiter.take('a'), undefined);
    assert.equal(limiter.take('a'), 1);
    now += 60_000;
    assert.deepEqual([limiter.take('a'), limiter.take('a'), limiter.take('a'), limiter.take('a')], [undefined, undefined, undefined, 1], 'never more than the burst');
  });

  it('perMinute 0 turns limiting off', () => {
    const limiter = new RateLimiter({ perMinute: 0, burst: 1 }, () => 0);
    for (let i = 0; i < 100; i += 1) assert.equal(limiter.take('a'), undefined);
  });
});
