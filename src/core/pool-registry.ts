import type { StorageDriver } from '../../storage-drivers/driver.js';
import { ServiceUnavailableError } from '../errors/service-unavailable-error.js';
import type { CapturedFilesystem } from './model.js';
import { poolUnavailableReason } from './pool-unavailable-reason.js';

export interface RegisteredPool {
  readonly id: string;
  readonly driver: StorageDriver;
  /** The pool's mount path when the configuration names one (btrfs); lets capture refuse a mount on a pool that is down. */
  readonly path?: string;
}

/** One configured pool as the API and the start-up report show it. */
export interface PoolStatus {
  readonly id: string;
  readonly available: boolean;
  /** Why it is unavailable (pool-unavailable-reason.ts: a sentence, never host text), null when available. */
  readonly reason: string | null;
}

export interface PoolRegistryOptions {
  /** Configured pools whose probe failed, with why. */
  readonly unavailable?: readonly (RegisteredPool & { reason: string })[];
  /** Hears of every later probe failure too (refresh, markUnavailable): the caller logs the error behind the reason. */
  readonly onProbeFailed?: ((pool: RegisteredPool, error: unknown) => void) | undefined;
}

interface PoolState extends RegisteredPool {
  available: boolean;
  reason: string | null;
}

/**
 * The configured pools by id: the one way the core finds the driver for a captured filesystem. A pool
 * whose probe failed (not imported yet, disk gone, tools missing) is kept as unavailable instead of
 * stopping the service: operations that need it answer 503 naming it, everything else works, and
 * `refresh()` (every minute, and from health checks) picks it up when it comes back.
 */
export class PoolRegistry {
  private readonly byId = new Map<string, PoolState>();
  private refreshing: Promise<string[]> | null = null;
  private readonly onProbeFailed: ((pool: RegisteredPool, error: unknown) => void) | undefined;

  /** Pools given here are available (probed by the caller); `options.unavailable` ones failed their probe. */
  constructor(pools: readonly RegisteredPool[], options: PoolRegistryOptions = {}) {
    for (const pool of pools) this.byId.set(pool.id, { ...pool, available: true, reason: null });
    for (const pool of options.unavailable ?? []) this.byId.set(pool.id, { ...pool, available: false });
    this.onProbeFailed = options.onProbeFailed;
  }

  /** Probes each pool; a failing probe makes that pool unavailable, never the whole service. */
  static async probe(pools: readonly RegisteredPool[], onProbed?: (pool: RegisteredPool, error: unknown) => void): Promise<PoolRegistry> {
    const up: RegisteredPool[] = [];
    const down: (RegisteredPool & { reason: string })[] = [];
    // All at once: each probe waits on its own storage commands, and start-up waits for the slowest only.
    const results = await Promise.all(
      pools.map(async (pool) => {
        try {
          await pool.driver.probe();
          return undefined;
        } catch (error: unknown) {
          return { error };
        }
      }),
    );
    pools.forEach((pool, index) => {
      const failed = results[index];
      if (failed === undefined) up.push(pool);
      else down.push({ ...pool, reason: poolUnavailableReason(failed.error) });
      onProbed?.(pool, failed?.error);
    });
    return new PoolRegistry(up, { unavailable: down, onProbeFailed: onProbed });
  }

  /** The available pools (what capture, recovery and health iterate). */
  get pools(): RegisteredPool[] {
    return [...this.byId.values()].filter((pool) => pool.available);
  }

  /** Configured pools that are down, with their mount path when known. */
  get unavailable(): (RegisteredPool & { reason: string })[] {
    return [...this.byId.values()].flatMap((pool) => (pool.available ? [] : [{ id: pool.id, driver: pool.driver, reason: pool.reason ?? 'unavailable', ...(pool.path !== undefined && { path: pool.path }) }]));
  }

  statuses(): PoolStatus[] {
    return [...this.byId.values()].map((pool) => ({ id: pool.id, available: pool.available, reason: pool.reason }));
  }

  isConfigured(id: string): boolean {
    return this.byId.has(id);
  }

  isAvailable(id: string): boolean {
    return this.byId.get(id)?.available === true;
  }

  driverFor(filesystem: Pick<CapturedFilesystem, 'pool'>): StorageDriver {
    const pool = this.byId.get(filesystem.pool);
    if (pool === undefined) {
      throw new ServiceUnavailableError(
        'pool_unavailable',
        `Pool "${filesystem.pool}" is not configured (any more); its snapshots cannot be used until it is.`,
      );
    }
    if (!pool.available) {
      throw new ServiceUnavailableError(
        'pool_unavailable',
        `Pool "${pool.id}" is unavailable (${pool.reason ?? 'its probe failed'}); operations that need it are refused until it is back (checked every minute).`,
      );
    }
    return pool.driver;
  }

  /** Marks a pool down (start-up recovery failed on it, ...); `refresh()` brings it back. */
  markUnavailable(id: string, error: unknown): void {
    const pool = this.byId.get(id);
    if (pool === undefined) return;
    pool.available = false;
    pool.reason = poolUnavailableReason(error);
    this.onProbeFailed?.(pool, error);
  }

  /**
   * Probes the unavailable pools again. One that answers first gets its driver's recovery (interrupted
   * swaps it may hold), then is used again. Returns the ids that came back.
   */
  refresh(): Promise<string[]> {
    // Health checks and the minute timer may ask at once: one round of probes serves both.
    this.refreshing ??= this.probeUnavailable().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async probeUnavailable(): Promise<string[]> {
    const back: string[] = [];
    for (const pool of this.byId.values()) {
      if (pool.available) continue;
      try {
        await pool.driver.probe();
        await pool.driver.recover();
        pool.available = true;
        pool.reason = null;
        back.push(pool.id);
      } catch (error) {
        const reason = poolUnavailableReason(error);
        // Logged when the reason changes, not every minute: the log has the host's text behind each reason.
        if (reason !== pool.reason) this.onProbeFailed?.(pool, error);
        pool.reason = reason;
      }
    }
    return back;
  }
}
