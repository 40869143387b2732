/**
 * Issue #17 goals 4 and 6 at 100 and at `containers × perContainer` snapshots, each figure next to its floor
 * from the same run (the load average beside it). As root:
 *   node --import tsx bench/many-snapshots.ts [--containers 100] [--per-container 100] [--no-build] [--seed-without-quotas]
 * One snapshot per container is made through the API (the templates); the rest are seeded directly
 * (support/direct-seed.ts: the service's own store code + the raw btrfs call in the driver's layout), so
 * 10,000 take minutes, not the ~100 the API needs. Then the service must start on that state, list it and
 * restore one seeded snapshot, or the run fails. Everything it creates is removed at the end.
 */
import { rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import pino from 'pino';
import { startService } from '../src/service.js';
import { ReaperQueries } from '../src/store/reaper-queries.js';
import { testServiceConfig } from '../test/support/cowsnap-service.js';
import { callService as call } from './support/service-call.js';
import { createDockerEngine } from '../test/support/docker-engine.js';
import { freePort } from '../test/support/free-port.js';
import { buildDist, startDistService, type DistService } from './support/dist-service.js';
import { seedDirectly } from './support/direct-seed.js';
import { loadAverage } from './support/process-cpu.js';
import { writeResults } from './support/results.js';
import { round, summarize, timed, type Summary } from './support/stats.js';

const { values } = parseArgs({
  options: {
    containers: { type: 'string', default: '100' },
    'per-container': { type: 'string', default: '100' },
    'no-build': { type: 'boolean', default: false },
    /** Quotas off while seeding directly, on again (waited rescan) before measuring: support/direct-seed.ts. */
    'seed-without-quotas': { type: 'boolean', default: false },
  },
});
const containers = Number(values.containers);
const perContainer = Number(values['per-container']);
const LIST_SQL = 'SELECT * FROM snapshots WHERE container_id = ? ORDER BY created_at DESC, id DESC LIMIT 50';

interface Figures {
  readonly snapshots: number;
  readonly load: number;
  readonly startupMs: number;
  readonly list: Summary;
  readonly listSql: Summary;
  readonly health: Summary;
  readonly metrics: Summary;
  readonly reaper: Summary;
  readonly reaperSql: Summary;
  readonly inProcessStartupMs: number;
  readonly recovery: Record<string, unknown>;
}

async function sequential(times: number, body: () => Promise<unknown>): Promise<Summary> {
  const all: number[] = [];
  for (let i = 0; i < times; i += 1) all.push(await timed(body));
  return summarize(all);
}

function syncSummary(times: number, body: () => unknown): Summary {
  const all: number[] = [];
  for (let i = 0; i < times; i += 1) {
    const started = performance.now();
    body();
    all.push(performance.now() - started);
  }
  return summarize(all);
}

const engine = await createDockerEngine({ poolSizeMiB: 8192 });
const config = testServiceConfig(engine);
const port = await freePort();
let service: DistService | undefined;

/** The raw SQLite floors: the list's page query and the reaper's query, on their own connection. */
function sqlFloors(containerId: string): { listSql: Summary; reaperSql: Summary } {
  const db = new BetterSqlite3(config.databasePath, { readonly: true });
  try {
    const list = db.prepare(LIST_SQL);
    const reaper = new ReaperQueries(db);
    return { listSql: syncSummary(50, () => list.all(containerId)), reaperSql: syncSummary(50, () => reaper.listReapable(new Date(), 50)) };
  } finally {
    db.close();
  }
}

/** Start-up in this process with the recovery log, then reaper passes with nothing due. */
async function inProcess(): Promise<{ startupMs: number; reaper: Summary; recovery: Record<string, unknown> }> {
  let recovery: Record<string, unknown> = {};
  const logger = pino({ level: 'info' }, {
    write(line: string) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (entry.msg === 'start-up recovery done') recovery = { probeMs: entry.probeMs, recoveryMs: entry.recoveryMs };
    },
  });
  const started = performance.now();
  const running = await startService(config, logger, { lockWaitMs: 0 });
  const startupMs = performance.now() - started;
  try {
    await running.reaper.run(); // after the start-up pass, so the timed ones are alone
    return { startupMs, reaper: await sequential(10, () => running.reaper.run()), recovery };
  } finally {
    await running.close();
  }
}

async function measure(snapshots: number, containerId: string): Promise<Figures> {
  const distService = await startDistService(config, port);
  service = distService;
  const list = await sequential(30, () => call(distService, 'GET', '/containers/c0/snapshots?limit=50'));
  const health = await sequential(50, () => fetch(`${distService.base}/health`).then((r) => r.text()));
  const metrics = await sequential(50, () => call(distService, 'GET', '/metrics'));
  await distService.stop();
  service = undefined;
  const floors = sqlFloors(containerId);
  const local = await inProcess();
  return {
    snapshots,
    load: loadAverage(),
    startupMs: distService.startupMs,
    list,
    health,
    metrics,
    ...floors,
    reaper: local.reaper,
    inProcessStartupMs: local.startupMs,
    recovery: local.recovery,
  };
}

try {
  if (!values['no-build']) {
    console.error('building dist/ ...');
    await buildDist();
  }
  const seedStarted = performance.now();
  const ids: string[] = [];
  for (let c = 0; c < containers; c += 1) {
    const container = await engine.docker.createContainer({ Image: engine.image, Cmd: ['sleep', '3600'], name: `c${String(c)}` });
    ids.push(container.id);
  }
  const first = await startDistService(config, port);
  service = first;
  for (let c = 0; c < containers; c += 1) await call(first, 'POST', `/containers/c${String(c)}/snapshots`, {});
  await new Promise((resolve) => setTimeout(resolve, 3000)); // the background size measurements
  await first.stop();
  service = undefined;
  const apiSeedMs = performance.now() - seedStarted;

  const few = await measure(containers, ids[0] ?? '');
  console.error(`at ${String(containers)}: ${JSON.stringify(few)}`);

  console.error(`seeding ${String(containers * (perContainer - 1))} more directly ...`);
  const directStarted = performance.now();
  const made = await seedDirectly({ databasePath: config.databasePath, keyFile: config.keyFile, poolMountPoint: engine.pool.mountPoint, extraPerContainer: perContainer - 1, withoutQuotas: values['seed-without-quotas'] });
  const directSeedMs = performance.now() - directStarted;

  const many = await measure(containers + made, ids[0] ?? '');
  console.error(`at ${String(containers + made)}: ${JSON.stringify(many)}`);

  // Faithful or the figures mean nothing: the service lists the seeded state and restores a seeded snapshot.
  const check = await startDistService(config, port);
  service = check;
  // The list answers an array, or an object holding it (whichever the envelope does): take the first array.
  const page = await call(check, 'GET', `/containers/c0/snapshots?limit=${String(perContainer)}`);
  const listed = (Array.isArray(page) ? page : (Object.values(page as object).find((v) => Array.isArray(v)) ?? [])) as { name: string }[];
  if (listed.length !== perContainer) throw new Error(`c0 lists ${String(listed.length)} snapshots, expected ${String(perContainer)}`);
  const seeded = listed[Math.floor(listed.length / 2)]?.name ?? '';
  const restoreMs = await timed(() => call(check, 'PATCH', `/containers/c0/snapshots/${seeded}`, {}));
  await check.stop();
  service = undefined;

  const ratio = (a: number, b: number): string => `${String(round(a / Math.max(b, 0.001)))}×`;
  const rows = [
    ['list (limit 50) p50, API', few.list.p50, many.list.p50, `raw page query ${String(round(few.listSql.p50))} / ${String(round(many.listSql.p50))}`],
    ['reaper pass, nothing due, p50 of 10 (in process)', few.reaper.p50, many.reaper.p50, `its query ${String(round(few.reaperSql.p50))} / ${String(round(many.reaperSql.p50))}`],
    ['/metrics scrape p50', few.metrics.p50, many.metrics.p50, `/health ${String(round(few.health.p50))} / ${String(round(many.health.p50))}`],
    ['start-up of dist/ to the first 200 of /health', few.startupMs, many.startupMs, ''],
    ['start-up in process (startService)', few.inProcessStartupMs, many.inProcessStartupMs, JSON.stringify(many.recovery)],
  ] as const;
  const table = [
    `| what | at ${String(few.snapshots)} | at ${String(many.snapshots)} | ratio | floor (same run, few / many) |`,
    '|---|---|---|---|---|',
    ...rows.map(([what, a, b, floor]) => `| ${what} | ${String(round(a))} ms | ${String(round(b))} ms | ${ratio(b, a)} | ${floor} |`),
  ].join('\n');
  console.log(table);
  console.log(`${values['seed-without-quotas'] ? 'seeded with quotas off, then quotas on + rescan (in the seeding time); ' : ''}load ${String(few.load)} / ${String(many.load)}; API seeding of ${String(containers)} templates ${String(round(apiSeedMs / 1000))} s; direct seeding of ${String(made)} ${String(round(directSeedMs / 1000))} s; restore of seeded ${seeded} ${String(round(restoreMs))} ms`);
  console.log(`results: ${await writeResults('many-snapshots', { containers, perContainer, apiSeedMs, directSeedMs, restoreMs, few, many })}`);
} finally {
  await service?.stop();
  await engine.destroy();
  await rm(config.stateDir, { recursive: true, force: true });
}
