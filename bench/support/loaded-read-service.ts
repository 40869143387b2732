/**
 * The read benchmarks' stage (read-cpu.ts, read-profile.ts): a private dockerd, the built service on it,
 * one running container `loaded` with `snapshots` snapshots taken through the API, and their background
 * size measurements finished before anything is timed. Everything it made is removed afterwards, also on
 * failure.
 */
import { rm } from 'node:fs/promises';
import { TEST_TOKEN, testServiceConfig } from '../../test/support/cowsnap-service.js';
import { createDockerEngine } from '../../test/support/docker-engine.js';
import { freePort } from '../../test/support/free-port.js';
import { buildDist, startDistService, type DistService } from './dist-service.js';
import { timed } from './stats.js';

export const LOADED_CONTAINER = 'loaded';

export interface LoadedReadService {
  readonly service: DistService;
  /** The first snapshot's name (for the one-snapshot GET). */
  readonly firstSnapshot: string;
  /** Milliseconds of each snapshot's POST, in order. */
  readonly createMs: readonly number[];
}

export async function withLoadedReadService(options: { build: boolean; snapshots: number }, body: (loaded: LoadedReadService) => Promise<void>): Promise<void> {
  const engine = await createDockerEngine();
  const config = testServiceConfig(engine);
  try {
    if (options.build) await buildDist();
    const service = await startDistService(config, await freePort());
    try {
      const headers = { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' };
      const container = await engine.docker.createContainer({ Image: engine.image, Cmd: ['sleep', '100000'], name: LOADED_CONTAINER });
      await container.start();
      const createMs: number[] = [];
      let firstSnapshot = '';
      for (let i = 0; i < options.snapshots; i += 1) {
        createMs.push(
          await timed(async () => {
            const response = await fetch(`${service.base}/containers/${LOADED_CONTAINER}/snapshots`, { method: 'POST', headers, body: '{}' });
            const created = (await response.json()) as { data: { snapshot: { name: string } } };
            if (i === 0) firstSnapshot = created.data.snapshot.name;
          }),
        );
      }
      // Background size measurements of the new snapshots finish before anything is timed.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      await body({ service, firstSnapshot, createMs });
    } finally {
      await service.stop();
    }
  } finally {
    await engine.destroy();
    await rm(config.stateDir, { recursive: true, force: true });
  }
}
