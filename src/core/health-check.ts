import type { RegisteredPool } from './pool-registry.js';
import { publicMessage } from './public-error.js';

export interface HealthDeps {
  readonly docker: { ping(): Promise<void>; storageInfo(): Promise<{ driver: string; dataRoot: string }> };
  readonly pools: readonly RegisteredPool[];
  /** Configured pools that are down: reported as failing checks with the reason. */
  readonly unavailablePools?: readonly { id: string; reason: string }[];
  /** Throws when the database cannot answer. */
  readonly database: () => void;
}

/** Health is read by monitoring and people: a sentence and a code, never the commands or stderr behind it. */
function message(error: unknown): string {
  return publicMessage(error);
}

/**
 * GET /api/v1/health: Docker reachable and its storage driver, each pool's driver, free space and
 * capabilities, the database. `ok` is false (503) when any of them is down.
 */
export async function checkHealth(deps: HealthDeps): Promise<{ ok: boolean; [check: string]: unknown }> {
  let docker: Record<string, unknown>;
  try {
    await deps.docker.ping();
    const storage = await deps.docker.storageInfo();
    docker = { ok: true, storage_driver: storage.driver, data_root: storage.dataRoot };
  } catch (error) {
    docker = { ok: false, error: message(error) };
  }
  const pools = await Promise.all(
    deps.pools.map(async (pool) => {
      try {
        const info = pool.driver.info();
        const space = await pool.driver.poolSpace();
        return {
          id: pool.id,
          ok: true,
          driver: info.name,
          version: info.version,
          pool: info.pool,
          free_bytes: space.freeBytes,
          used_bytes: space.usedBytes,
          total_bytes: space.totalBytes,
          capabilities: info.capabilities,
        };
      } catch (error) {
        return { id: pool.id, ok: false, error: message(error) };
      }
    }),
  );
  let database: Record<string, unknown>;
  try {
    deps.database();
    database = { ok: true };
  } catch (error) {
    database = { ok: false, error: message(error) };
  }
  for (const pool of deps.unavailablePools ?? []) pools.push({ id: pool.id, ok: false, error: `unavailable: ${pool.reason}` });
  const ok = docker.ok === true && database.ok === true && pools.every((p) => p.ok);
  return { ok, docker, pools, database };
}
