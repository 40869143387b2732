/**
 * Does reaping stall the API? On the real service (private dockerd on a loop btrfs pool, SQLite, HTTP):
 *   node --import tsx bench/reaper.ts [--count 1000] [--containers 4] [--concurrency 1]
 * Makes `count` snapshots with expiry 1 spread over `containers` containers, measures request latency
 * with nothing to reap, then moves the (manual) clock two days on and measures the same requests while
 * the reaper deletes them all. Requests: GET /health (pure event-loop responsiveness) and a snapshot
 * list (SQLite + Docker lookup), one after another. Prints percentiles, event-loop delay and reap rate.
 * Everything it starts is torn down, also on Ctrl-C (the test fixtures' teardown registry).
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { ManualClock } from '../src/core/clock.js';
import { startTestService, type TestService } from '../test/support/cowsnap-service.js';
import { createDockerEngine } from '../test/support/docker-engine.js';

interface Sample {
  readonly health: number[];
  readonly list: number[];
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function describe(label: string, values: readonly number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const f = (n: number): string => n.toFixed(1).padStart(7);
  return `${label.padEnd(28)} n=${String(sorted.length).padStart(5)}  p50 ${f(percentile(sorted, 50))}  p95 ${f(percentile(sorted, 95))}  p99 ${f(percentile(sorted, 99))}  max ${f(sorted.at(-1) ?? Number.NaN)} ms`;
}

async function timed(request: () => Promise<{ status: number }>): Promise<number> {
  const start = performance.now();
  const response = await request();
  if (response.status !== 200) throw new Error(`request failed with ${response.status}`);
  return performance.now() - start;
}

/** Sequential requests, alternating health and list, until `until` resolves (or for `ms`). */
async function measure(service: TestService, container: string, until: Promise<unknown>): Promise<Sample> {
  const sample: Sample = { health: [], list: [] };
  const state = { done: false };
  void until.finally(() => (state.done = true));
  while (!state.done) {
    sample.health.push(await timed(() => service.api('GET', '/health')));
    sample.list.push(await timed(() => service.api('GET', `/containers/${container}/snapshots?limit=20`)));
  }
  return sample;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      count: { type: 'string', default: '1000' },
      containers: { type: 'string', default: '4' },
      concurrency: { type: 'string', default: '1' },
    },
  });
  const count = Number(values.count);
  const containerCount = Number(values.containers);
  const concurrency = Number(values.concurrency);

  const engine = await createDockerEngine({ poolSizeMiB: 8192 });
  const clock = new ManualClock('2026-01-01T00:00:00Z');
  const service = await startTestService({ engine, clock, serviceOptions: { reaper: { concurrency } } });
  try {
    const names = Array.from({ length: containerCount }, (_, i) => `bench-${i}`);
    for (const name of names) {
      const container = await engine.docker.createContainer({ Image: engine.image, Cmd: ['sleep', '100000'], name });
      await container.start();
    }

    // One creator per container (operations on one container are serialized anyway).
    const makeStart = performance.now();
    await Promise.all(
      names.map(async (name, i) => {
        const mine = Math.floor(count / containerCount) + (i < count % containerCount ? 1 : 0);
        for (let n = 0; n < mine; n += 1) {
          const response = await service.api('POST', `/containers/${name}/snapshots`, { expiry: 1 });
          if (response.status !== 201) throw new Error(`snapshot failed: ${JSON.stringify(response.body)}`);
        }
      }),
    );
    const makeSeconds = (performance.now() - makeStart) / 1000;
    console.log(`made ${count} snapshots on ${containerCount} containers in ${makeSeconds.toFixed(1)} s`);

    const probe = names[0] ?? 'bench-0';
    const idle = await measure(service, probe, new Promise((resolve) => setTimeout(resolve, 5000)));

    clock.advance(2 * 86_400_000);
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const reapStart = performance.now();
    const reaping = service.running.reaper.run();
    const busy = await measure(service, probe, reaping);
    const report = await reaping;
    const reapSeconds = (performance.now() - reapStart) / 1000;
    loop.disable();

    console.log(`reaped ${report.deleted} (failed ${report.failed.length}, skipped ${report.skippedBusy}) in ${reapSeconds.toFixed(1)} s: ${(report.deleted / reapSeconds).toFixed(0)} snapshots/s (reaper concurrency ${concurrency})`);
    console.log(describe('GET /health, idle', idle.health));
    console.log(describe('GET /health, while reaping', busy.health));
    console.log(describe('GET snapshots, idle', idle.list));
    console.log(describe('GET snapshots, while reaping', busy.list));
    console.log(`event-loop delay while reaping: p50 ${(loop.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms, max ${(loop.max / 1e6).toFixed(1)} ms`);
  } finally {
    await service.close();
    await engine.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
