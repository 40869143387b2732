import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { mixedMiB } from '../../bench/support/mixed-data.js';

/**
 * `mib` MiB of mixed data (log-like text and random bytes), generated as it is read: the test never
 * holds the whole stream, so memory measured around it is the pipeline's. `digest()` is the sha256 of
 * what was produced, once the stream ended.
 */
export function generatedStream(mib: number, insert?: { atMiB: number; bytes: Buffer }): { stream: Readable; digest: () => string } {
  const hash = createHash('sha256');
  let index = 0;
  const stream = new Readable({
    read() {
      if (index >= mib) {
        this.push(null);
        return;
      }
      const block = mixedMiB(index);
      if (insert !== undefined && insert.atMiB === index) insert.bytes.copy(block, 4096);
      index += 1;
      hash.update(block);
      this.push(block);
    },
  });
  let digest: string | undefined;
  return { stream, digest: () => (digest ??= hash.digest('hex')) };
}

/** Samples the process RSS while `body` runs; returns body's result and the peak minus the start. */
export async function withPeakRss<T>(body: () => Promise<T>): Promise<{ result: T; growthMiB: number; peakMiB: number }> {
  global.gc?.();
  const start = process.memoryUsage.rss();
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 50);
  try {
    const result = await body();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, growthMiB: Math.round((peak - start) / 1024 / 1024), peakMiB: Math.round(peak / 1024 / 1024) };
  } finally {
    clearInterval(timer);
  }
}
