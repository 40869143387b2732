import Database from 'better-sqlite3';
import type Docker from 'dockerode';
import type { StorageDriver } from '../../storage-drivers/driver.js';
import type { ChaosOperations } from './chaos-operations.js';
import { settledState } from './chaos-operations.js';
import { contentHash, type World } from './chaos-world.js';
import type { Violations } from './violations.js';

const STORAGE_NAME = /\.cs(\d+)$/;

export interface GateFigures {
  /** A zfs dataset found unmounted right after a kill (mid-swap under zfs-fuse); recovery must remount it. */
  unmountedAtKill: number;
  restoresCutOld: number;
  restoresCutNew: number;
  createsCutKept: number;
  createsCutGone: number;
}

/** What each filesystem may hold now: what it held, or, when a restore was cut, the snapshot's content. */
function allowedContent(world: World, operations: ChaosOperations): Map<string, Set<string>> {
  const allowed = new Map(world.filesystems.map((fs) => [fs.id, new Set([fs.current])]));
  for (const cut of operations.cutRestores) {
    for (const [id, hash] of cut.after) allowed.get(id)?.add(hash);
  }
  return allowed;
}

/** Right after the SIGKILL, before the restart: every filesystem whole, old or new content, never a mix. */
export async function checkAfterKill(world: World, operations: ChaosOperations, violations: Violations, figures: GateFigures): Promise<void> {
  const allowed = allowedContent(world, operations);
  const inCutRestore = new Set(operations.cutRestores.flatMap((cut) => [...cut.after.keys()]));
  const hashes = await hashAll(world);
  for (const fs of world.filesystems) {
    const actual = hashes.get(fs.id) ?? 'missing';
    if (allowed.get(fs.id)?.has(actual) === true) continue;
    if (actual === 'missing' && fs.pool === 'tank' && inCutRestore.has(fs.id)) {
      figures.unmountedAtKill += 1;
      continue;
    }
    const cuts = operations.cutRestores.map((cut) => `${cut.container}@${cut.snapshot}`).join(', ');
    violations.add(actual === 'missing' ? 'filesystem-missing-after-kill' : 'content-mixed-after-kill', `${fs.id} (${actual}; restores cut: ${cuts === '' ? 'none' : cuts})`);
  }
}

/** Every filesystem's content hash, read side by side (each is a walk of a small folder). */
async function hashAll(world: World): Promise<Map<string, string>> {
  const hashes = await Promise.all(world.filesystems.map(async (fs) => [fs.id, await contentHash(await fs.contentDir().catch(() => '/nonexistent'))] as const));
  return new Map(hashes);
}

/** A dataset the records name or the driver knows, to look for cowsnap snapshots in. */
interface RecordRow { id: number; name: string; alias: string | null; state: string; container_id: string; pool: string | null; dataset: string | null }

function readRecords(databasePath: string): RecordRow[] {
  const db = new Database(databasePath, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    return db
      .prepare('SELECT s.id, s.name, s.alias, s.state, s.container_id, f.pool, f.dataset FROM snapshots s LEFT JOIN snapshot_filesystems f ON f.snapshot_id = s.id')
      .all() as RecordRow[];
  } finally {
    db.close();
  }
}

async function recordStorageMismatches(databasePath: string, world: World, drivers: ReadonlyMap<string, StorageDriver>): Promise<{ problems: string[]; rows: RecordRow[] }> {
  const rows = readRecords(databasePath);
  const problems: string[] = [];
  const datasets = new Map<string, { pool: string; dataset: string }>();
  for (const fs of world.filesystems) datasets.set(`${fs.pool}\u0000${fs.dataset}`, { pool: fs.pool, dataset: fs.dataset });
  for (const row of rows) {
    if (row.pool !== null && row.dataset !== null) datasets.set(`${row.pool}\u0000${row.dataset}`, { pool: row.pool, dataset: row.dataset });
  }
  const onDisk = new Set<string>();
  const ids = new Set(rows.map((row) => row.id));
  const listings = await Promise.all(
    [...datasets.values()].map(async ({ pool, dataset }) => {
      const driver = drivers.get(pool);
      const listed = driver === undefined || !(await driver.datasetExists(dataset)) ? [] : await driver.listSnapshots(dataset);
      return { pool, dataset, listed };
    }),
  );
  for (const { pool, dataset, listed } of listings) {
    for (const snapshot of listed) {
      onDisk.add(`${pool}\u0000${dataset}\u0000${snapshot.name}`);
      const id = STORAGE_NAME.exec(snapshot.name)?.[1];
      if (id !== undefined && !ids.has(Number(id))) problems.push(`storage-without-record: ${pool} ${dataset}@${snapshot.name}`);
    }
  }
  for (const row of rows) {
    if (row.state === 'creating') problems.push(`record-half-made: ${row.name} (#${String(row.id)}) is still 'creating'`);
    if (row.state !== 'ready' || row.pool === null || row.dataset === null) continue;
    if (!onDisk.has(`${row.pool}\u0000${row.dataset}\u0000${row.name}.cs${String(row.id)}`)) {
      problems.push(`record-without-storage: ${row.name} (#${String(row.id)}) on ${row.pool} ${row.dataset}`);
    }
  }
  return { problems, rows };
}

/**
 * After the restart (start-up recovery done): records = storage, each filesystem old or new and each cut
 * restore all-old or all-new, every container running and not paused. Background runs the restart starts
 * (missed schedule slot, reaper) can make a mismatch for a moment, so only one that lasts counts.
 */
export async function checkAfterRecovery(deps: {
  world: World;
  operations: ChaosOperations;
  violations: Violations;
  figures: GateFigures;
  docker: Docker;
  databasePath: string;
  drivers: ReadonlyMap<string, StorageDriver>;
}): Promise<void> {
  const { world, operations, violations, figures } = deps;
  const allowed = allowedContent(world, operations);
  const actual = await hashAll(world);
  for (const fs of world.filesystems) {
    const hash = actual.get(fs.id) ?? 'missing';
    if (allowed.get(fs.id)?.has(hash) !== true) {
      violations.add(hash === 'missing' ? 'filesystem-missing-after-recovery' : 'content-not-old-nor-new-after-recovery', `${fs.id} (${hash})`);
    }
  }
  for (const cut of operations.cutRestores) {
    const sides = new Set<string>();
    for (const [id, after] of cut.after) {
      const before = cut.before.get(id);
      if (before === after) continue;
      const now = actual.get(id);
      sides.add(now === after ? 'new' : now === before ? 'old' : 'other');
    }
    if (sides.has('new') && sides.has('old')) violations.add('half-swapped', `restore of ${cut.container} to ${cut.snapshot} cut by the kill: some filesystems old, some new`);
    else if (sides.has('new')) figures.restoresCutNew += 1;
    else figures.restoresCutOld += 1;
  }
  for (const fs of world.filesystems) fs.current = actual.get(fs.id) ?? fs.current;
  operations.cutRestores.length = 0;

  const states = await Promise.all(world.containers.map(async (container) => [container.name, await settledState(deps.docker, container.name)] as const));
  for (const [name, state] of states) {
    if (state === 'running') continue;
    violations.add('container-left-stopped', `after recovery ${name} is ${state}`);
    // Reported once; the operator's fix (unpause / start) keeps it from being reported at every kill after.
    const container = deps.docker.getContainer(name);
    await (state === 'paused' ? container.unpause() : container.start()).catch(() => undefined);
  }

  let checked = await recordStorageMismatches(deps.databasePath, world, deps.drivers);
  // The same 6 s of patience as before, in shorter steps: a mismatch that clears sooner costs less.
  for (let attempt = 0; attempt < 12 && checked.problems.length > 0; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    checked = await recordStorageMismatches(deps.databasePath, world, deps.drivers);
  }
  for (const problem of checked.problems) {
    const [kind, detail] = problem.split(': ', 2);
    violations.add(kind ?? 'records-storage', detail ?? problem);
  }

  // The driver's list of known snapshots follows the records: reaped or deleted ones go, cut creates that
  // recovery kept (found by their alias) join with the content written before them.
  const ready = checked.rows.filter((row) => row.state === 'ready');
  for (const container of world.containers) {
    const names = new Set(ready.filter((row) => row.container_id === container.id).map((row) => row.name));
    world.known.set(container.name, (world.known.get(container.name) ?? []).filter((k) => names.has(k.name)));
  }
  for (const cut of operations.cutCreates) {
    const container = world.containers.find((c) => c.name === cut.container);
    const row = ready.find((r) => r.alias === cut.alias && r.container_id === container?.id);
    if (row === undefined) figures.createsCutGone += 1;
    else {
      figures.createsCutKept += 1;
      world.known.get(cut.container)?.push({ name: row.name, content: cut.content });
    }
  }
  operations.cutCreates.length = 0;
}
