/**
 * The chaos run (issue #13): the real service as its own process on the real embedded stack (btrfs pool
 * with a private dockerd, a zfs-fuse pool bind-mounted into some containers), ten containers of which
 * three share a dataset, a driver issuing a random mix of operations concurrently, and a killer that
 * SIGKILLs the service at random moments. After every kill and every restart the invariants are checked
 * (chaos-invariants.ts). Prints the figures; exits 1 on any violation or when too few kills ran.
 *
 *   npm run chaos -- --minutes 30            the long form (also restarts dockerd once, half way)
 *   npm run chaos -- --seed 1234             replays a run's choices (timing may still differ)
 *   npm run chaos -- --ci                    the bounded form scripts/test.sh runs (52 kills, >= 50 needed)
 */
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { ExecFileRunner } from '../../storage-drivers/common/command-runner.js';
import type { StorageDriver } from '../../storage-drivers/driver.js';
import { createDriver } from '../../storage-drivers/index.js';
import { startPrivateDockerd, stopPrivateDockerd } from '../../src/embedded/private-dockerd.js';
import { missingComponents } from '../support/components.js';
import { TEST_TOKEN, testServiceConfig } from '../support/cowsnap-service.js';
import { createDockerEngine, type TestDockerEngine } from '../support/docker-engine.js';
import { createZfsPool, type TestZfsPool } from '../support/zfs-pool.js';
import { ChaosClient } from './chaos-client.js';
import { checkAfterKill, checkAfterRecovery, type GateFigures } from './chaos-invariants.js';
import { ChaosOperations } from './chaos-operations.js';
import { buildWorld } from './chaos-world.js';
import { freePort } from '../support/free-port.js';
import { Prng } from './prng.js';
import { bundleServiceEntry, startAndKill, startServiceLife, type ServiceLife } from './service-process.js';
import { Violations } from './violations.js';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string' },
    kills: { type: 'string' },
    'min-kills': { type: 'string' },
    seed: { type: 'string' },
    workers: { type: 'string' },
    ci: { type: 'boolean', default: false },
    'restart-dockerd': { type: 'boolean' },
  },
});
// --ci: the killer stops at 52 kills, or after 3.5 min on a machine too busy to get there, whichever comes
// first (its wall time is printed with the figures), so the step stays bounded (~4 min with set-up).
// Exit codes: 1 for any violation (or a run that could not run), 2 for a clean run with fewer kills than
// --min-kills (a slow machine: reported, and scripts/test.sh does not fail the suite on it), 0 otherwise.
const minutes = Number(args.minutes ?? (args.ci ? '3.5' : '3'));
const maxKills = args.kills !== undefined ? Number(args.kills) : args.ci ? 52 : Infinity;
const minKills = Number(args['min-kills'] ?? (args.ci ? '50' : '1'));
const seed = args.seed !== undefined ? Number(args.seed) : Math.floor(Math.random() * 2 ** 31);
const workers = Number(args.workers ?? '3');
const restartDockerd = args['restart-dockerd'] ?? minutes >= 10;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (values: number[], p: number): number => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))] ?? 0;

async function main(): Promise<number> {
  const missing = missingComponents(['docker', 'zfs', 'btrfs']);
  if (missing !== undefined) {
    process.stderr.write(`chaos: cannot run: ${missing}\n`);
    return 1;
  }
  process.stdout.write(`chaos: seed ${String(seed)} (replay with --seed ${String(seed)}), ${String(minutes)} min, ${String(workers)} workers\n`);
  const started = Date.now();
  const prng = new Prng(seed);
  const violations = new Violations();
  let engine: TestDockerEngine | undefined;
  let zfs: TestZfsPool | undefined;
  let life: ServiceLife | undefined;
  const logDir = join(process.cwd(), '.cache', 'chaos');
  await mkdir(logDir, { recursive: true });
  let logFile = '';
  let bundleFile = '';
  try {
    const bundle = await bundleServiceEntry();
    bundleFile = bundle;
    engine = await createDockerEngine();
    zfs = await createZfsPool({ sizeMiB: 768 });
    const config = testServiceConfig(engine, zfs);
    const port = await freePort();
    const configFile = join(config.stateDir, 'config.json');
    logFile = join(config.stateDir, 'service.log');
    await writeFile(configFile, JSON.stringify({ ...config, listen: `127.0.0.1:${String(port)}`, logLevel: 'info' }));
    const runner = new ExecFileRunner();
    const drivers = new Map<string, StorageDriver>();
    for (const pool of config.pools) {
      const driver = createDriver(pool, runner);
      await driver.probe();
      drivers.set(pool.id, driver);
    }
    const world = await buildWorld(engine, zfs);
    const client = new ChaosClient(`http://127.0.0.1:${String(port)}`, TEST_TOKEN, violations);
    let offsetMs = 0;
    const operations = new ChaosOperations({
      client,
      prng,
      world,
      violations,
      docker: engine.docker,
      dataRoot: engine.dataRoot,
      tick: async (hours) => {
        offsetMs += hours * 3_600_000;
        const reply = await life?.tick(offsetMs);
        if (reply?.error !== undefined) violations.add('background-run-failed', reply.error);
        return reply !== undefined;
      },
    });
    const startMs: number[] = [];
    const start = async (): Promise<ServiceLife> => {
      const next = await startServiceLife(bundle, configFile, logFile, offsetMs);
      startMs.push(next.startMs);
      return next;
    };
    life = await start();
    for (const [name, quiesce] of [['c0', 'none'], ['c3', 'pause'], ['c7', 'stop'], ['c8', 'none']] as const) {
      const made = await client.call('POST', `/containers/${name}/schedules`, { cron: '0 * * * *', expiry: 1, keep_min: 1, quiesce, alias_template: `sched-{n}` });
      if (made.status !== 201) throw new Error(`schedule for ${name}: ${String(made.status)} ${JSON.stringify(made.body)}`);
    }
    process.stdout.write(`chaos: set up in ${String(Math.round((Date.now() - started) / 1000))} s\n`);

    const figures: GateFigures = { unmountedAtKill: 0, restoresCutOld: 0, restoresCutNew: 0, createsCutKept: 0, createsCutGone: 0 };
    let kills = 0;
    let recoveries = 0;
    let recoveredActions = 0;
    let killsDuringStartup = 0;
    let paused = false;
    let stopped = false;
    let inFlight = 0;
    let dockerdRestarted = false;
    let serviceDown = false;
    const phases = new Map<string, number>();
    const loopStart = Date.now();
    const deadline = loopStart + minutes * 60_000;
    const worker = async (): Promise<void> => {
      while (!stopped) {
        if (paused) {
          await sleep(20);
          continue;
        }
        inFlight += 1;
        try {
          await operations.runOne();
        } catch (error) {
          violations.add('driver-error', error instanceof Error ? (error.stack ?? error.message) : String(error));
        } finally {
          inFlight -= 1;
        }
      }
    };
    const pool = Array.from({ length: workers }, () => worker());
    const quiet = async (): Promise<void> => {
      paused = true;
      while (inFlight > 0) await sleep(20);
    };

    while (Date.now() < deadline && kills < maxKills) {
      paused = false;
      if (restartDockerd && !dockerdRestarted && Date.now() > loopStart + (deadline - loopStart) / 2) {
        dockerdRestarted = true;
        await restartDocker(engine, world.containers.map((c) => c.name), client);
      }
      // The long form lets more operations run between kills; the bounded form needs its kills per minute.
      await sleep(minutes >= 10 ? prng.int(200, 5_000) : prng.int(100, 1_500));
      violations.where = `[kill ${String(kills + 1)}] `;
      let mark = Date.now();
      const lap = (phase: string): void => {
        phases.set(phase, (phases.get(phase) ?? 0) + Date.now() - mark);
        mark = Date.now();
      };
      // No new operations from here on: those in flight are the ones the kill cuts.
      paused = true;
      operations.kills += 1;
      await life.kill();
      kills += 1;
      await quiet();
      lap('settle');
      await checkAfterKill(world, operations, violations, figures);
      lap('check after kill');
      if (prng.chance(0.15)) {
        // A second kill while the restart is still recovering: recovery itself must be restartable.
        await startAndKill(bundle, configFile, logFile, offsetMs, prng.int(300, 3_000));
        killsDuringStartup += 1;
        await checkAfterKill(world, operations, violations, figures);
        lap('kill during start-up');
      }
      try {
        life = await start();
      } catch (error) {
        // A service that cannot start after a kill is the worst outcome there is: record it, keep its log
        // and try once more (a second failure ends the run with the figures so far).
        violations.add('service-does-not-start', `${String(error)}: ${await logTail(logFile)}`);
        await copyFile(logFile, join(logDir, `service-${String(seed)}-kill-${String(kills)}.log`)).catch(() => undefined);
        try {
          life = await start();
        } catch {
          serviceDown = true;
          break;
        }
      }
      lap('restart');
      // The harness's own stopped siblings first: not cowsnap's to start (see owedSiblingStarts).
      await operations.startOwedSiblings();
      const actions = life.startup.operations.length + life.startup.storage.length;
      if (actions > 0) recoveries += 1;
      recoveredActions += actions;
      await checkAfterRecovery({ world, operations, violations, figures, docker: engine.docker, databasePath: config.databasePath, drivers });
      lap('check after recovery');
      if (kills % 10 === 0) process.stdout.write(`chaos: ${String(kills)} kills, ${String(violations.total)} violations, ${String(Math.round((Date.now() - started) / 1000))} s\n`);
    }
    violations.where = '[end] ';
    if (serviceDown) process.stdout.write('chaos: the service did not start twice in a row; the run ends here\n');
    stopped = true;
    await quiet();
    await Promise.all(pool);

    const sum = (test: (outcome: string) => boolean): number =>
      [...operations.counts].filter(([key]) => test(key.slice(key.lastIndexOf(' ') + 1))).reduce((total, [, count]) => total + count, 0);
    const opsTotal = sum((outcome) => /^\d+$/.test(outcome) || outcome === 'done');
    const opsCut = sum((outcome) => outcome === 'cut');
    const lines = [
      `chaos figures (seed ${String(seed)}, ${new Date().toISOString()}, ${String(Math.round((Date.now() - started) / 1000))} s wall, ${String(Math.round((Date.now() - loopStart) / 1000))} s under the killer)`,
      `  operations run:         ${String(opsTotal)} answered, ${String(opsCut)} cut by a kill (by kind and outcome below)`,
      ...[...operations.counts].sort(([a], [b]) => a.localeCompare(b)).map(([key, count]) => `    ${key.padEnd(30)} ${String(count)}`),
      `  kills survived:         ${String(kills)} (plus ${String(killsDuringStartup)} during start-up recovery)${dockerdRestarted ? ' and one dockerd restart' : ''}`,
      `  recoveries:             ${String(recoveries)} restarts found work to finish or undo (${String(recoveredActions)} actions)`,
      `  restores cut by a kill: ${String(figures.restoresCutNew)} ended restored, ${String(figures.restoresCutOld)} ended old`,
      `  creates cut by a kill:  ${String(figures.createsCutKept)} kept, ${String(figures.createsCutGone)} removed`,
      `  zfs unmounted at a kill (remounted by recovery): ${String(figures.unmountedAtKill)}`,
      `  per kill (ms, mean):    ${[...phases].map(([phase, ms]) => `${phase} ${String(Math.round(ms / Math.max(1, kills)))}`).join(', ')}`,
      `  service start (ms):     p50 ${String(percentile(startMs, 0.5))}, max ${String(Math.max(...startMs))}`,
      `  answers by status:      ${[...client.statusCounts].sort(([a], [b]) => a - b).map(([s, n]) => `${String(s)}: ${String(n)}`).join(', ')}`,
      `  snapshots at the end:   ${String(countRecords(config.databasePath))} records`,
      `  invariant violations:   ${String(violations.total)}`,
      ...violations.summary().map((line) => `    ${line}`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    // Kept after every run (the state directory goes with the teardown): violations and timings are read from it.
    const kept = join(logDir, `service-${String(seed)}.log`);
    await copyFile(logFile, kept).catch(() => undefined);
    process.stdout.write(`chaos: the service log is kept at ${kept}\n`);
    if (violations.total > 0) return 1;
    if (kills < minKills) {
      process.stdout.write(`chaos: 0 violations, but only ${String(kills)} kills (at least ${String(minKills)} wanted): the machine was slow\n`);
      return 2;
    }
    return 0;
  } finally {
    await life?.stop().catch(() => undefined);
    if (bundleFile !== '') await rm(bundleFile, { force: true });
    await engine?.destroy().catch((error: unknown) => process.stderr.write(`teardown: ${String(error)}\n`));
    await zfs?.destroy().catch((error: unknown) => process.stderr.write(`teardown: ${String(error)}\n`));
  }
}

async function logTail(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter((line) => line.trim() !== '').slice(-6).join(' | ').slice(-1500);
}

function countRecords(databasePath: string): number {
  const db = new Database(databasePath, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM snapshots').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** The long form's dockerd restart while the service runs: Docker unreachable answers 503 meanwhile. */
async function restartDocker(engine: TestDockerEngine, containers: string[], client: ChaosClient): Promise<void> {
  const dir = dirname(engine.socketPath);
  const daemon = { dataRoot: engine.dataRoot, execRoot: join(dir, 'exec'), socketPath: engine.socketPath, pidFile: join(dir, 'docker.pid'), logFile: join(dir, 'dockerd.log') };
  process.stdout.write('chaos: restarting dockerd\n');
  client.dockerDown = true;
  await stopPrivateDockerd(daemon);
  await startPrivateDockerd(daemon);
  // The containers were stopped by dockerd, not by cowsnap: the driver starts them again.
  for (const name of containers) await engine.docker.getContainer(name).start().catch(() => undefined);
  setTimeout(() => {
    client.dockerDown = false;
  }, 10_000);
}

process.exitCode = await main();
