/**
 * cowsnap through its API next to what operators do without it, on the same containers in the same run:
 *   node --import tsx bench/api-bench.ts [--sizes 0.1,1] [--scale 10,100,1000] [--slow-runs 3]
 * Real private dockerd (btrfs storage driver on a loop pool), real service, real HTTP. For each size the
 * container's writable layer holds that much random data plus 10,000 small files. Prints a table and
 * writes bench/results/<date>-<host>.json; append the printed markdown to bench/README.md.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import type Docker from 'dockerode';
import { ExecFileRunner } from '../storage-drivers/common/command-runner.js';
import { startTestService, type TestService } from '../test/support/cowsnap-service.js';
import { createDockerEngine, type TestDockerEngine } from '../test/support/docker-engine.js';
import { layerPath } from '../test/support/docker-exec.js';
import { scratchDir } from '../test/support/scratch.js';
import { writeRandomFile, writeSmallFiles } from './support/fill.js';
import { round, summarize, timed, type Summary } from './support/stats.js';
import { writeResults } from './support/results.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const LOOP = ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'];
const runner = new ExecFileRunner();

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '0.1,1' },
    scale: { type: 'string', default: '10,100,1000' },
    'slow-runs': { type: 'string', default: '3' },
    cases: { type: 'string', default: 'sizes,space,scale' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const scalePoints = values.scale.split(',').map(Number);
const slowRuns = Number(values['slow-runs']);
const cases = new Set(values.cases.split(','));

interface SizeResult {
  readonly sizeGiB: number;
  readonly apiSnapshot: Summary;
  readonly dockerCommit: Summary;
  readonly dockerExport: Summary;
  readonly cpReflink: Summary;
  readonly cpFull: Summary;
  readonly restore: { total: Summary; swap: Summary; stop: Summary; start: Summary };
  readonly copy: Summary;
  readonly commitAndRun: Summary;
}

async function api(service: TestService, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await service.api(method, path, body);
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.data as Record<string, unknown>;
}

async function sync(engine: TestDockerEngine): Promise<void> {
  await runner.run('btrfs', ['filesystem', 'sync', engine.pool.mountPoint]);
}

async function benchSize(engine: TestDockerEngine, service: TestService, sizeGiB: number, exportDir: string): Promise<SizeResult> {
  const name = `bench-${String(sizeGiB).replace('.', '_')}`;
  const container = await engine.docker.createContainer({ Image: engine.image, Cmd: LOOP, name });
  await container.start();
  const layer = await layerPath(engine.dataRoot, container.id);
  await writeRandomFile(join(layer, 'data.bin'), Math.round(sizeGiB * GiB));
  await writeSmallFiles(join(layer, 'small'), 10_000);
  await sync(engine);

  const apiSnapshot: number[] = [];
  const dockerCommit: number[] = [];
  const dockerExport: number[] = [];
  const cpReflink: number[] = [];
  const cpFull: number[] = [];
  const snapshotNames: string[] = [];
  const takeSnapshot = async (): Promise<void> => {
    apiSnapshot.push(await timed(async () => {
      const data = await api(service, 'POST', `/containers/${name}/snapshots`, {});
      snapshotNames.push((data.snapshot as { name: string }).name);
    }));
  };
  // Interleaved: each slow tool runs between API snapshots of the same data.
  for (let run = 0; run < slowRuns; run += 1) {
    await takeSnapshot();
    let image: Docker.Image | undefined;
    dockerCommit.push(await timed(async () => {
      const committed = (await container.commit({ repo: `${name}-commit`, tag: String(run) })) as { Id: string };
      image = engine.docker.getImage(committed.Id);
    }));
    await image?.remove({ force: true });
    await takeSnapshot();
    const file = join(exportDir, `${name}.tar`);
    dockerExport.push(await timed(async () => pipeline(await container.export(), createWriteStream(file))));
    await rm(file, { force: true });
    await takeSnapshot();
    const target = join(engine.pool.mountPoint, `cp-${name}`);
    cpReflink.push(await timed(() => runner.run('cp', ['-a', layer, target])));
    await rm(target, { recursive: true, force: true });
    cpFull.push(await timed(async () => {
      await runner.run('cp', ['-a', '--reflink=never', layer, target]);
      await sync(engine);
    }));
    await rm(target, { recursive: true, force: true });
  }
  while (apiSnapshot.length < 20) await takeSnapshot();

  const total: number[] = [];
  const swap: number[] = [];
  const stop: number[] = [];
  const start: number[] = [];
  for (let run = 0; run < 5; run += 1) {
    const data = await api(service, 'PATCH', `/containers/${name}/snapshots/${snapshotNames[0] ?? ''}`);
    const durations = data.durations as { stop_ms: number; swap_ms: number; start_ms: number };
    total.push(data.duration_ms as number);
    swap.push(durations.swap_ms);
    stop.push(durations.stop_ms);
    start.push(durations.start_ms);
  }

  const copy: number[] = [];
  const commitAndRun: number[] = [];
  for (let run = 0; run < slowRuns; run += 1) {
    const copyName = `${name}-copy-${run}`;
    copy.push(await timed(() => api(service, 'POST', `/containers/${name}/copy`, { name: copyName, source_snapshot: snapshotNames[0] })));
    await engine.docker.getContainer(copyName).remove({ force: true });
    const runName = `${name}-run-${run}`;
    let image = '';
    commitAndRun.push(await timed(async () => {
      image = ((await container.commit({ repo: `${name}-run`, tag: String(run) })) as { Id: string }).Id;
      const started = await engine.docker.createContainer({ Image: image, Cmd: LOOP, name: runName });
      await started.start();
    }));
    await engine.docker.getContainer(runName).remove({ force: true });
    await engine.docker.getImage(image).remove({ force: true });
  }

  for (const snapshot of snapshotNames) await api(service, 'DELETE', `/containers/${name}/snapshots/${snapshot}`);
  await container.remove({ force: true });
  return {
    sizeGiB,
    apiSnapshot: summarize(apiSnapshot),
    dockerCommit: summarize(dockerCommit),
    dockerExport: summarize(dockerExport),
    cpReflink: summarize(cpReflink),
    cpFull: summarize(cpFull),
    restore: { total: summarize(total), swap: summarize(swap), stop: summarize(stop), start: summarize(start) },
    copy: summarize(copy),
    commitAndRun: summarize(commitAndRun),
  };
}

/**
 * Case 4: space. In a 1 GiB container after a snapshot: (a) a new 10 MiB file — the pool grows by it and the
 * snapshot's exclusive size does not (deleting the snapshot would free nothing); (b) a 10 MiB file the
 * snapshot holds is replaced — its old blocks now belong to the snapshot alone, so its exclusive size grows
 * by about 10 MiB. (Overwriting part of a larger file moves less: btrfs frees an extent only when all of it
 * is unreferenced.)
 */
async function benchSpace(engine: TestDockerEngine, service: TestService): Promise<Record<string, number>> {
  const container = await engine.docker.createContainer({ Image: engine.image, Cmd: LOOP, name: 'bench-space' });
  await container.start();
  const layer = await layerPath(engine.dataRoot, container.id);
  await writeRandomFile(join(layer, 'data.bin'), GiB);
  await writeRandomFile(join(layer, 'ten.bin'), 10 * MiB);
  await settle(engine);
  const snapshot = (await api(service, 'POST', '/containers/bench-space/snapshots', {})).snapshot as { name: string; size: number };
  const size = async (): Promise<number> =>
    ((await api(service, 'GET', `/containers/bench-space/snapshots/${snapshot.name}`)).snapshot as { size: number }).size;
  await settle(engine);
  const usedBefore = await poolUsed(engine);
  await writeRandomFile(join(layer, 'new.bin'), 10 * MiB);
  await settle(engine);
  const usedAfterNew = await poolUsed(engine);
  const exclusiveAfterNew = await size();
  await rm(join(layer, 'ten.bin'));
  await writeRandomFile(join(layer, 'ten.bin'), 10 * MiB);
  await settle(engine);
  const exclusiveAfterReplace = await size();
  await container.remove({ force: true });
  return {
    writtenBytes: 10 * MiB,
    exclusiveAtCreate: snapshot.size,
    exclusiveAfterNewFile: exclusiveAfterNew,
    poolUsedBefore: usedBefore,
    poolUsedAfterNewFile: usedAfterNew,
    exclusiveAfterReplacingHeldFile: exclusiveAfterReplace,
  };
}

/** Commits the transaction and waits for the btrfs cleaner, so space figures are not moving. */
async function settle(engine: TestDockerEngine): Promise<void> {
  await sync(engine);
  await runner.run('btrfs', ['subvolume', 'sync', engine.pool.mountPoint]);
}

async function poolUsed(engine: TestDockerEngine): Promise<number> {
  const fs = await statfs(engine.pool.mountPoint);
  return (fs.blocks - fs.bfree) * fs.bsize;
}

/** Case 5: create and list latency with N snapshots already on one container. */
async function benchScale(engine: TestDockerEngine, service: TestService): Promise<{ snapshots: number; create: Summary; list: Summary }[]> {
  const container = await engine.docker.createContainer({ Image: engine.image, Cmd: LOOP, name: 'bench-scale' });
  await container.start();
  const results: { snapshots: number; create: Summary; list: Summary }[] = [];
  let count = 0;
  for (const point of scalePoints) {
    const creates: number[] = [];
    while (count < point) {
      const ms = await timed(() => api(service, 'POST', '/containers/bench-scale/snapshots', {}));
      count += 1;
      if (point - count < 10) creates.push(ms);
    }
    const lists: number[] = [];
    for (let i = 0; i < 20; i += 1) lists.push(await timed(() => api(service, 'GET', '/containers/bench-scale/snapshots?limit=50')));
    results.push({ snapshots: point, create: summarize(creates), list: summarize(lists) });
  }
  return results;
}

function markdown(sizesResults: SizeResult[], space: Partial<Record<string, number>>, scale: { snapshots: number; create: Summary; list: Summary }[]): string {
  const ms = (s: Summary): string => `${s.p50} / ${s.p95}`;
  const lines = sizesResults.length === 0 ? [] : [
    '| size | API snapshot p50/p95 (n=20) | docker commit | docker export | cp -a (reflink) | cp -a --reflink=never | commit ÷ snapshot (p50) |',
    '|---|---|---|---|---|---|---|',
    ...sizesResults.map((r) => `| ${r.sizeGiB} GiB | ${ms(r.apiSnapshot)} | ${ms(r.dockerCommit)} | ${ms(r.dockerExport)} | ${ms(r.cpReflink)} | ${ms(r.cpFull)} | ${round(r.dockerCommit.p50 / r.apiSnapshot.p50)}× |`),
    '',
    '| size | restore total p50/p95 (n=5) | of which swap | stop | start | copy to running container | docker commit + run | ratio (p50) |',
    '|---|---|---|---|---|---|---|---|',
    ...sizesResults.map((r) => `| ${r.sizeGiB} GiB | ${ms(r.restore.total)} | ${ms(r.restore.swap)} | ${ms(r.restore.stop)} | ${ms(r.restore.start)} | ${ms(r.copy)} | ${ms(r.commitAndRun)} | ${round(r.commitAndRun.p50 / r.copy.p50)}× |`),
    '',
  ];
  if (space.exclusiveAtCreate !== undefined) {
    lines.push(
    `Space (1 GiB container, after a snapshot): snapshot exclusive ${String(space.exclusiveAtCreate)} B at creation; a new 10 MiB file → pool used +${round(((space.poolUsedAfterNewFile ?? 0) - (space.poolUsedBefore ?? 0)) / MiB)} MiB, snapshot exclusive ${String(space.exclusiveAfterNewFile)} B; a held 10 MiB file replaced → snapshot exclusive ${String(space.exclusiveAfterReplacingHeldFile)} B (${round(((space.exclusiveAfterReplacingHeldFile ?? 0) / (10 * MiB)) * 100)} % of 10 MiB).`,
      '',
    );
  }
  if (scale.length > 0) {
    lines.push(
      '| snapshots on the container | create p50/p95 (last 10) | list (limit 50) p50/p95 |',
      '|---|---|---|',
      ...scale.map((s) => `| ${s.snapshots} | ${ms(s.create)} | ${ms(s.list)} |`),
    );
  }
  return lines.join('\n');
}

const engine = await createDockerEngine({ poolSizeMiB: Math.ceil(Math.max(...sizes) * 4 * 1024) + 8192 });
const service = await startTestService({ engine });
try {
  const exportDir = scratchDir('export');
  await mkdir(exportDir, { recursive: true });
  const sizeResults: SizeResult[] = [];
  for (const size of cases.has('sizes') ? sizes : []) {
    console.error(`size ${size} GiB ...`);
    sizeResults.push(await benchSize(engine, service, size, exportDir));
  }
  console.error('space ...');
  const space = cases.has('space') ? await benchSpace(engine, service) : {};
  console.error('scale ...');
  const scale = cases.has('scale') ? await benchScale(engine, service) : [];
  const table = markdown(sizeResults, space, scale);
  const file = await writeResults('api', { sizes: sizeResults, space, scale });
  console.log(table);
  console.log(`\nresults: ${file}`);
} finally {
  await service.close();
  await engine.destroy();
}
