/** The `docker info` cache's two freshness rules, with a counted fake ask and a clock moved by hand. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServiceUnavailableError } from '../../src/errors/service-unavailable-error.js';
import type { StorageInfo } from '../../src/runtime/docker-runtime.js';
import { STORAGE_INFO_TTL_MS, StorageInfoCache } from '../../src/runtime/storage-info-cache.js';

const INFO: StorageInfo = { driver: 'btrfs', dataRoot: '/pool/docker' };

function counted(): { cache: StorageInfoCache; asks: () => number; setNow: (ms: number) => void; fail: (down: boolean) => void } {
  let asks = 0;
  let now = 0;
  let down = false;
  const ask = (): Promise<StorageInfo> => {
    asks += 1;
    return down ? Promise.reject(new ServiceUnavailableError('docker_unavailable', 'down')) : Promise.resolve(INFO);
  };
  return {
    cache: new StorageInfoCache(ask, () => now),
    asks: () => asks,
    setNow: (ms) => { now = ms; },
    fail: (value) => { down = value; },
  };
}

describe('docker info cache', () => {
  it('without the event stream keeps an answer at most 5 s, shared by concurrent callers, and never keeps a failure', async () => {
    const { cache, asks, setNow, fail } = counted();
    assert.deepEqual(await Promise.all([cache.get({ cached: true }), cache.get({ cached: true })]), [INFO, INFO]);
    setNow(STORAGE_INFO_TTL_MS);
    assert.deepEqual(await cache.get({ cached: true }), INFO);
    assert.equal(asks(), 1, 'asked once for everything within 5 s');
    setNow(STORAGE_INFO_TTL_MS + 1);
    fail(true);
    await assert.rejects(cache.get({ cached: true }), ServiceUnavailableError);
    fail(false);
    assert.deepEqual(await cache.get({ cached: true }), INFO);
    assert.equal(asks(), 3, 'older than 5 s: asked again; the failure was not kept');
    fail(true);
    await assert.rejects(cache.get(), ServiceUnavailableError);
    assert.equal(asks(), 4, 'an uncached call (the health check) always asks');
    assert.deepEqual(await cache.get({ cached: true }), INFO);
    assert.equal(asks(), 4, 'and leaves the kept answer as it was');
  });

  it('while the stream is connected keeps an answer past 5 s, until the connection ends', async () => {
    const { cache, asks, setNow } = counted();
    await cache.get({ cached: true });
    cache.setLive(true);
    await cache.get({ cached: true });
    assert.equal(asks(), 2, 'what was asked before the stream connected is not kept past it');
    setNow(10 * STORAGE_INFO_TTL_MS);
    await cache.get({ cached: true });
    assert.equal(asks(), 2, 'kept while the connection lasts, however old');
    cache.setLive(false);
    await cache.get({ cached: true });
    assert.equal(asks(), 3, 'once the stream is gone (dockerd may have restarted) Docker is asked again');
  });
});
