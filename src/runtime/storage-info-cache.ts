/**
 * What `docker info` said about storage (driver, data root), kept because one takes 10–15 ms, more than
 * the rest of a snapshot's own work, and a listing of many containers would ask once per container.
 * Two freshness rules:
 * - while Docker's event stream is connected, an answer is kept as long as that connection lasts: the
 *   driver and data root change only when dockerd restarts, which ends the stream;
 * - while the stream is down (nothing would tell of a restart), an answer is kept at most 5 s.
 * A failed ask is never kept, and nothing asked before a connect or loss of the stream is kept past it.
 */
import type { StorageInfo } from './docker-runtime.js';

export const STORAGE_INFO_TTL_MS = 5_000;

export class StorageInfoCache {
  private known: { readonly at: number; readonly info: Promise<StorageInfo> } | undefined;
  private live = false;

  constructor(
    private readonly ask: () => Promise<StorageInfo>,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The event stream connected (true) or was lost (false): what was known is dropped either way, so a
   * kept answer was always asked under the current rule.
   */
  setLive(live: boolean): void {
    this.live = live;
    this.known = undefined;
  }

  /**
   * `cached`: the kept answer if still fresh (concurrent callers share one ask), else a new ask that is
   * kept. Without it Docker is asked and the cache left as it is (a health check wants to know Docker
   * answers now; its failure must not drop an answer the stream still vouches for).
   */
  get(options: { cached?: boolean } = {}): Promise<StorageInfo> {
    if (options.cached !== true) return this.ask();
    const known = this.known;
    if (known !== undefined && (this.live || this.now() - known.at <= STORAGE_INFO_TTL_MS)) return known.info;
    const asked = { at: this.now(), info: this.ask() };
    this.known = asked;
    asked.info.catch(() => {
      if (this.known === asked) this.known = undefined;
    });
    return asked.info;
  }
}
