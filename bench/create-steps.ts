/**
 * Where an API snapshot's time goes (issue #17, goal 1): the service in this process with a command
 * runner that times every command; per create the API's wall time, each command's, and the rest (HTTP,
 * Docker, SQLite, JavaScript); next to them the raw `btrfs subvolume snapshot -r` of the same layer, a
 * Docker inspect and an fsync'd SQLite commit, interleaved. As root:
 *   node --import tsx bench/create-steps.ts [--n 15] [--mib 100] [--existing 0] [--pause 300]
 * `--existing 1000` first takes that many snapshots of the container through the API (goal 3's case), or with
 * `--direct-seed` through support/direct-seed.ts (the same kernel call on the same layer, recorded through the
 * store's code: minutes fewer); with snapshots existing, the raw floor keeps its snapshots (no deleted
 * subvolume's drop, ~0.9 s each at 1,000 with quotas on, inside or between the timings) and both sides start
 * on a synced filesystem;
 * `--pause 0` creates back to back, so the background size measurement of one create overlaps the next.
 */
import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { ExecFileRunner, type CommandResult, type CommandRunner, type RunOptions } from '../storage-drivers/common/command-runner.js';
import { ContainerResolver } from '../src/core/container-resolver.js';
import { SnapshotCreator } from '../src/core/snapshot-creator.js';
import { SnapshotService } from '../src/core/snapshot-service.js';
import { AuditStore } from '../src/store/audit-store.js';
import { EventStore } from '../src/store/event-store.js';
import { OperationStore } from '../src/store/operation-store.js';
import { OperationTracker } from '../src/core/events/operation-tracker.js';
import { SnapshotSizeRefresh } from '../src/core/snapshot-size-refresh.js';
import { CaptureResolver } from '../src/runtime/capture-resolver.js';
import { DockerRuntime } from '../src/runtime/docker-runtime.js';
import { CowsnapStore } from '../src/store/cowsnap-store.js';
import { BtrfsCommands } from '../storage-drivers/btrfs/btrfs-commands.js';
import { BtrfsDriver } from '../storage-drivers/btrfs/btrfs-driver.js';
import { startTestService } from '../test/support/cowsnap-service.js';
import { createDockerEngine } from '../test/support/docker-engine.js';
import { layerPath } from '../test/support/docker-exec.js';
import { writeRandomFile, writeSmallFiles } from './support/fill.js';
import { seedDirectly } from './support/direct-seed.js';
import { rawSnapshots } from './support/perf-floors.js';
import { loadAverage } from './support/process-cpu.js';
import { summarize, timed } from './support/stats.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '15' },
    mib: { type: 'string', default: '100' },
    existing: { type: 'string', default: '0' },
    pause: { type: 'string', default: '300' },
    'direct-seed': { type: 'boolean', default: false },
    /** With --direct-seed: quotas off while seeding, on again with a waited rescan (support/direct-seed.ts). */
    'seed-without-quotas': { type: 'boolean', default: false },
  },
});

class TimingRunner implements CommandRunner {
  readonly spent = new Map<string, number[]>();
  private readonly real = new ExecFileRunner();
  async run(command: string, args: readonly string[], options?: RunOptions): Promise<CommandResult> {
    const started = performance.now();
    try {
      return await this.real.run(command, args, options);
    } finally {
      this.note([command, ...args.filter((arg) => !arg.startsWith('/'))].join(' '), performance.now() - started);
    }
  }
  /** Every timed step of the current request, with start and end (ms since the request arrived). */
  timeline: { key: string; start: number; end: number }[] = [];
  arrivedAt = 0;
  note(key: string, ms: number): void {
    const end = performance.now();
    this.timeline.push({ key, start: end - ms - this.arrivedAt, end: end - this.arrivedAt });
    const list = this.spent.get(key) ?? [];
    list.push(ms);
    this.spent.set(key, list);
  }
}

const runner = new TimingRunner();
/** For the bench's own commands, which are not the create's. */
const untimed = new ExecFileRunner();

/** Wraps a prototype method so each call's wall time is noted under `key`. */
function timeMethod(proto: object, method: string, key: string): void {
  const target = proto as Record<string, (...args: unknown[]) => unknown>;
  const original = target[method];
  if (original === undefined) throw new Error(`no method ${method}`);
  target[method] = function (this: unknown, ...args: unknown[]): unknown {
    const started = performance.now();
    const result = original.apply(this, args);
    if (result instanceof Promise) return result.finally(() => { runner.note(`[js] ${key}`, performance.now() - started); });
    runner.note(`[js] ${key}`, performance.now() - started);
    return result;
  };
}
timeMethod(ContainerResolver.prototype, 'resolveLive', 'resolver.resolveLive (Docker)');
timeMethod(CaptureResolver.prototype, 'captureSet', 'capture.captureSet');
timeMethod(DockerRuntime.prototype, 'resolveContainer', 'docker: resolveContainer (inspect)');
timeMethod(ContainerResolver.prototype, 'recordSeen', 'resolver.recordSeen (container record)');
timeMethod(DockerRuntime.prototype, 'storageInfo', 'capture: docker info (5 s cache)');
timeMethod(DockerRuntime.prototype, 'rootfsLayerPath', 'capture: rootfs layer path (mount-id file, stat)');
timeMethod(BtrfsDriver.prototype, 'datasetForPath', 'capture: btrfs datasetForPath (realpath, lstat, mountinfo x2)');
timeMethod(SnapshotCreator.prototype, 'create', 'creator.create (all of it)');
timeMethod(BtrfsDriver.prototype, 'createSnapshot', 'btrfs driver createSnapshot');
timeMethod(BtrfsDriver.prototype, 'snapshotUsage', 'btrfs driver snapshotUsage (background size)');
timeMethod(BtrfsCommands.prototype, 'snapshot', 'libbtrfsutil create_snapshot (worker thread)');
timeMethod(BtrfsCommands.prototype, 'subvolumesBelow', 'libbtrfsutil subvolume iterator (nested probe)');
timeMethod(BtrfsCommands.prototype, 'rootId', 'libbtrfsutil subvolume_id');
timeMethod(CowsnapStore.prototype, 'reserveSnapshot', 'store.reserveSnapshot');
timeMethod(CowsnapStore.prototype, 'markSnapshotReady', 'store.markSnapshotReady (fsync)');
timeMethod(CowsnapStore.prototype, 'finishOperation', 'store.finishOperation');
timeMethod(SnapshotSizeRefresh.prototype, 'measureSoon', 'sizes.measureSoon (sync part)');
timeMethod(SnapshotService.prototype, 'create', 'SnapshotService.create (resolve, lock, creator)');
timeMethod(OperationStore.prototype, 'createOperation', 'tracked operation: start record');
timeMethod(OperationStore.prototype, 'finishOperation', 'tracked operation: outcome record (fsync)');
timeMethod(EventStore.prototype, 'appendEvent', 'event log: append (x2: started, succeeded)');
timeMethod(AuditStore.prototype, 'record', 'audit log: record (fsync)');
timeMethod(ContainerResolver.prototype, 'resolveForRead', 'resolver.resolveForRead (tracked op id, cached)');
timeMethod(OperationTracker.prototype, 'run', 'tracker.run (tracked operation, all of it)');
// The client runs in this process, so its own time (and the background size measurement's spawn, which
// blocks this process's event loop while forking) is not the API's: also time each request server-side,
// from its arrival to the end of its response (Node's http diagnostics channels).
const arrived = new WeakMap<object, number>();
subscribe('http.server.request.start', (message) => {
  arrived.set((message as { response: object }).response, performance.now());
  runner.arrivedAt = performance.now();
  runner.timeline = [];
});
subscribe('http.server.response.finish', (message) => {
  const { request, response } = message as { request: IncomingMessage; response: object };
  const started = arrived.get(response);
  if (started !== undefined) runner.note(`[http] ${String(request.method)} arrival → response end (server side)`, performance.now() - started);
});
const engine = await createDockerEngine();
const service = await startTestService({ engine, serviceOptions: { runner } });
try {
  const container = await engine.docker.createContainer({ Image: engine.image, Cmd: ['sleep', '100000'], name: 'steps' });
  await container.start();
  const layer = await layerPath(engine.dataRoot, container.id);
  await writeRandomFile(join(layer, 'data.bin'), Number(values.mib) * 1024 * 1024);
  await writeSmallFiles(join(layer, 'small'), 1000);
  const probe = new BetterSqlite3(join(service.config.stateDir, 'commit-probe.db'));
  probe.pragma('journal_mode = WAL');
  probe.pragma('synchronous = FULL');
  probe.exec('CREATE TABLE t (x INTEGER)');
  const insert = probe.prepare('INSERT INTO t VALUES (?)');
  const api: number[] = [];
  const timelines: { ms: number; steps: typeof runner.timeline }[] = [];
  const raw: number[] = [];
  const inspect: number[] = [];
  const commit: number[] = [];
  const warm = await service.api('POST', '/containers/steps/snapshots', {});
  if (warm.status !== 201) throw new Error(JSON.stringify(warm.body));
  const existing = Number(values.existing);
  const seedStarted = performance.now();
  if (values['direct-seed']) {
    await seedDirectly({ databasePath: service.config.databasePath, keyFile: service.config.keyFile, poolMountPoint: engine.pool.mountPoint, extraPerContainer: existing, containerIds: [container.id], withoutQuotas: values['seed-without-quotas'] });
  } else {
    for (let i = 0; i < existing; i += 1) {
      const made = await service.api('POST', '/containers/steps/snapshots', {});
      if (made.status !== 201) throw new Error(JSON.stringify(made.body));
    }
  }
  const seedMs = performance.now() - seedStarted;
  await new Promise((resolve) => setTimeout(resolve, 2000));
  runner.spent.clear();
  for (let i = 0; i < Number(values.n); i += 1) {
    raw.push(...(await rawSnapshots(layer, engine.pool.mountPoint, 1, { keep: existing > 0 })));
    inspect.push(await timed(() => container.inspect()));
    commit.push(await timed(() => Promise.resolve(insert.run(i))));
    if (existing > 0) await untimed.run('btrfs', ['filesystem', 'sync', engine.pool.mountPoint]);
    api.push(await timed(() => service.api('POST', '/containers/steps/snapshots', {})));
    timelines.push({ ms: api.at(-1) ?? 0, steps: runner.timeline });
    // Let the background size measurement finish, so it is not counted inside the next create.
    await new Promise((resolve) => setTimeout(resolve, Number(values.pause)));
  }
  probe.close();
  const n = api.length;
  console.log(`n=${String(n)}, layer ${values.mib} MiB + 1,000 files, ${values.existing} snapshots before (${values['direct-seed'] ? 'seeded directly' : 'through the API'}, ${String(Math.round(seedMs / 1000))} s), pause ${values.pause} ms, load ${String(loadAverage())}`);
  console.log(`API create p50 ${String(summarize(api).p50)} ms; raw btrfs snapshot p50 ${String(summarize(raw).p50)} ms`);
  console.log(`Docker inspect p50 ${String(summarize(inspect).p50)} ms; fsync'd SQLite commit p50 ${String(summarize(commit).p50)} ms`);
  console.log('commands during the creates (count per create, p50 ms; background size measurement included):');
  for (const [key, list] of runner.spent) console.log(`  ${(list.length / n).toFixed(1)} x ${String(summarize(list).p50).padStart(6)} ms  ${key}`);
  // One whole create, the median one, step by step: the gaps between steps are time no timed step explains.
  const median = [...timelines].sort((a, b) => a.ms - b.ms)[Math.floor(timelines.length / 2)];
  console.log(`the median create (${String(median?.ms.toFixed(1))} ms client side), each step's start → end in ms after the request arrived:`);
  for (const step of median?.steps.sort((a, b) => a.start - b.start) ?? []) {
    console.log(`  ${step.start.toFixed(1).padStart(6)} → ${step.end.toFixed(1).padStart(6)}  ${step.key}`);
  }
} finally {
  await service.close();
  await engine.destroy();
}
