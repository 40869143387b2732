/**
 * Where start-up recovery and a restore spend their time at `containers × perContainer` snapshots, each next to
 * a raw floor from the same run (the load average beside it). As root:
 *   node --import tsx bench/recovery-steps.ts [--containers 100] [--per-container 100] [--rounds 2]
 *     [--seed-without-quotas] [--profile-dir DIR]
 * The state is built as `many-snapshots.ts` builds it (one API snapshot per container, the rest seeded directly).
 * Then, `rounds` times: the service starts in this process (each recovery item's duration from its log, every
 * storage command it runs, optionally a CPU profile of the start-up), restores one seeded snapshot through the
 * API (its steps and commands) and stops. Floors: one `readdir` per snapshot folder and one `lstat` per
 * snapshot of the same tree; the raw btrfs calls of a restore (read-only snapshot, writable snapshot, sync,
 * two deletes, sync) on another container's layer of the same pool. Everything it creates is removed at the end.
 */
import { lstat, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import pino from 'pino';
import { startService } from '../src/service.js';
import { ExecFileRunner, type CommandRunner } from '../storage-drivers/common/command-runner.js';
import { BtrfsLayout } from '../storage-drivers/btrfs/btrfs-layout.js';
import { testServiceConfig, TEST_TOKEN } from '../test/support/cowsnap-service.js';
import { createDockerEngine } from '../test/support/docker-engine.js';
import { seedDirectly } from './support/direct-seed.js';
import { loadAverage } from './support/process-cpu.js';
import { writeResults } from './support/results.js';
import { round, timed } from './support/stats.js';

const { values } = parseArgs({
  options: {
    containers: { type: 'string', default: '100' },
    'per-container': { type: 'string', default: '100' },
    rounds: { type: 'string', default: '2' },
    'seed-without-quotas': { type: 'boolean', default: false },
    'profile-dir': { type: 'string' },
  },
});
const containers = Number(values.containers);
const perContainer = Number(values['per-container']);
const rounds = Number(values.rounds);

/** Every command the service runs, with its duration, grouped by its first words. */
class TimedRunner implements CommandRunner {
  private readonly inner = new ExecFileRunner();
  calls: { what: string; ms: number }[] = [];

  async run(...args: Parameters<CommandRunner['run']>): ReturnType<CommandRunner['run']> {
    const started = performance.now();
    try {
      return await this.inner.run(...args);
    } finally {
      this.calls.push({ what: [args[0], ...args[1].slice(0, 2)].join(' ').split('\n')[0]?.slice(0, 40) ?? '', ms: performance.now() - started });
    }
  }

  take(): Record<string, { n: number; ms: number }> {
    const grouped: Record<string, { n: number; ms: number }> = {};
    for (const call of this.calls) {
      const group = (grouped[call.what] ??= { n: 0, ms: 0 });
      group.n += 1;
      group.ms = round(group.ms + call.ms);
    }
    this.calls = [];
    return grouped;
  }
}

async function api(url: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${TEST_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path}: ${String(response.status)} ${text.slice(0, 300)}`);
  return (JSON.parse(text) as { data: unknown }).data;
}

/** The functions with the most self time in a CPU profile (ms), for the log. */
function topSelf(profile: { nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[]; samples?: number[]; timeDeltas?: number[] }, n: number): string[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  samples.forEach((id, index) => {
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined) return;
    const key = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*\/(src|storage-drivers|node_modules)\//, '$1/')}:${String(frame.lineNumber + 1)}`;
    self.set(key, (self.get(key) ?? 0) + (deltas[index] ?? 0) / 1000);
  });
  return [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([key, ms]) => `${String(round(ms))} ms ${key}`);
}

const engine = await createDockerEngine({ poolSizeMiB: 8192 });
const config = { ...testServiceConfig(engine), listen: { host: '127.0.0.1', port: 0 } };
const layout = new BtrfsLayout(engine.pool.mountPoint);
const raw = new ExecFileRunner();

/** The layer dataset of a container, as its snapshots recorded it. */
function datasetOf(containerId: string): string {
  const db = new BetterSqlite3(config.databasePath, { readonly: true });
  try {
    const row = db
      .prepare<[string], { dataset: string }>('SELECT f.dataset FROM snapshot_filesystems f JOIN snapshots s ON s.id = f.snapshot_id WHERE s.container_id = ? LIMIT 1')
      .get(containerId);
    if (row === undefined) throw new Error(`no snapshot of ${containerId}`);
    return row.dataset;
  } finally {
    db.close();
  }
}

/** One readdir per dataset's snapshot folder and one lstat per snapshot: the least any comparison reads. */
async function listingFloor(): Promise<{ readdirMs: number; lstatMs: number; snapshots: number }> {
  const root = layout.snapshotsRoot();
  let snapshots = 0;
  let lstatMs = 0;
  const started = performance.now();
  const keys = await readdir(root);
  const listed = await Promise.all(keys.map((key) => readdir(join(root, key))));
  const readdirMs = performance.now() - started;
  for (const [index, key] of keys.entries()) {
    const names = listed[index] ?? [];
    snapshots += names.length;
    lstatMs += await timed(() => Promise.all(names.map((name) => lstat(join(root, key, name, 'snapshot')))));
  }
  return { readdirMs: round(readdirMs), lstatMs: round(lstatMs), snapshots };
}

/** The raw btrfs calls of one restore on a layer of the same pool, each timed. */
async function restoreFloor(dataset: string): Promise<Record<string, number>> {
  const dir = join(layout.internal, 'bench-floor');
  await mkdir(dir, { recursive: true });
  const rollback = join(dir, 'rollback');
  const copy = join(dir, 'copy');
  const btrfs = async (...args: string[]): Promise<number> => timed(() => raw.run('btrfs', args));
  const figures = {
    readOnlySnapshotMs: await btrfs('subvolume', 'snapshot', '-r', dataset, rollback),
    writableSnapshotMs: await btrfs('subvolume', 'snapshot', rollback, copy),
    syncMs: await btrfs('filesystem', 'sync', engine.pool.mountPoint),
    deleteCopyMs: await btrfs('subvolume', 'delete', copy),
    deleteRollbackMs: await btrfs('subvolume', 'delete', rollback),
    syncAfterDeletesMs: await btrfs('filesystem', 'sync', engine.pool.mountPoint),
  };
  await rm(dir, { recursive: true, force: true });
  return Object.fromEntries(Object.entries(figures).map(([key, ms]) => [key, round(ms)]));
}

/** One in-process start-up (profiled when asked), one restore of a seeded snapshot, the stop. */
async function round1(index: number, runner: TimedRunner): Promise<Record<string, unknown>> {
  const items: Record<string, number>[] = [];
  let done: Record<string, unknown> = {};
  const logger = pino({ level: 'info' }, {
    write(line: string) {
      const entry = JSON.parse(line) as { msg?: string; item?: string; pool?: string; durationMs?: number; probeMs?: number; recoveryMs?: number };
      if (entry.msg === 'start-up recovery: item done') items.push({ [`${entry.item ?? ''}${entry.pool === undefined ? '' : ` ${entry.pool}`}`]: entry.durationMs ?? -1 });
      if (entry.msg === 'start-up recovery done') done = { probeMs: entry.probeMs, recoveryMs: entry.recoveryMs };
    },
  });
  const session = values['profile-dir'] === undefined ? undefined : new Session();
  if (session !== undefined) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
  }
  const load = loadAverage();
  const started = performance.now();
  const running = await startService(config, logger, { lockWaitMs: 0, runner });
  const startupMs = performance.now() - started;
  let profileTop: string[] = [];
  if (session !== undefined) {
    const { profile } = await session.post('Profiler.stop');
    const dir = values['profile-dir'] ?? '';
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `startup-${String(index)}.cpuprofile`), JSON.stringify(profile));
    profileTop = topSelf(profile as Parameters<typeof topSelf>[0], 25);
    session.disconnect();
  }
  const startupCommands = runner.take();
  try {
    const page = (await api(running.url, 'GET', `/containers/c0/snapshots?limit=${String(perContainer)}`)) as { name: string }[] | Record<string, unknown>;
    const listed = (Array.isArray(page) ? page : (Object.values(page).find((v) => Array.isArray(v)) ?? [])) as { name: string }[];
    const seeded = listed[(Math.floor(listed.length / 2) + index) % Math.max(listed.length, 1)]?.name ?? '';
    const restoreStarted = performance.now();
    const restored = (await api(running.url, 'PATCH', `/containers/c0/snapshots/${seeded}`, {})) as { durations?: unknown };
    const restoreMs = performance.now() - restoreStarted;
    return { load, startupMs: round(startupMs), ...done, items, startupCommands, profileTop, restoreMs: round(restoreMs), restoreDurations: restored.durations, restoreCommands: runner.take() };
  } finally {
    await running.close();
  }
}

try {
  const ids: string[] = [];
  for (let c = 0; c < containers; c += 1) {
    const container = await engine.docker.createContainer({ Image: engine.image, Cmd: ['sleep', '3600'], name: `c${String(c)}` });
    ids.push(container.id);
  }
  const first = await startService(config, pino({ level: 'silent' }), { lockWaitMs: 0 });
  for (let c = 0; c < containers; c += 1) await api(first.url, 'POST', `/containers/c${String(c)}/snapshots`, {});
  await new Promise((resolve) => setTimeout(resolve, 3000)); // the background size measurements
  await first.close();
  console.error(`seeding ${String(containers * (perContainer - 1))} directly ...`);
  const seedMs = await timed(() =>
    seedDirectly({ databasePath: config.databasePath, keyFile: config.keyFile, poolMountPoint: engine.pool.mountPoint, extraPerContainer: perContainer - 1, withoutQuotas: values['seed-without-quotas'] }),
  );
  const runner = new TimedRunner();
  const results: Record<string, unknown>[] = [];
  for (let index = 0; index < rounds; index += 1) {
    const floor = { load: loadAverage(), listing: await listingFloor() };
    const result = await round1(index, runner);
    // The same layer kind (another container's), the same pool, right after the restore.
    const restoreFloorMs = await restoreFloor(datasetOf(ids[1] ?? ''));
    const all = { ...result, floor: { ...floor, restore: restoreFloorMs } };
    results.push(all);
    console.log(JSON.stringify(all, null, 1));
  }
  console.log(`results: ${await writeResults('recovery-steps', { containers, perContainer, seedMs, results })}`);
} finally {
  await engine.destroy();
  await rm(config.stateDir, { recursive: true, force: true });
}
