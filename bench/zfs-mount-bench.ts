/**
 * Case 8: snapshot, restore and copy through the API for a container whose data lives on a zfs-fuse
 * dataset bind-mounted into it (0.1 and 1 GiB of random data), next to `cp -a` of the same data.
 *   node --import tsx bench/zfs-mount-bench.ts [--sizes 0.1,1] [--runs 5]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ExecFileRunner } from '../storage-drivers/common/command-runner.js';
import { startTestService } from '../test/support/cowsnap-service.js';
import { createDockerEngine } from '../test/support/docker-engine.js';
import { createZfsPool } from '../test/support/zfs-pool.js';
import { writeRandomFile } from './support/fill.js';
import { summarize, timed } from './support/stats.js';
import { writeResults } from './support/results.js';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '0.1,1' }, runs: { type: 'string', default: '5' } } });
const sizes = values.sizes.split(',').map(Number);
const runs = Number(values.runs);
const runner = new ExecFileRunner();
const LOOP = ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'];

const engine = await createDockerEngine();
const zfs = await createZfsPool({ sizeMiB: Math.ceil(Math.max(...sizes) * 3 * 1024) + 512 });
const service = await startTestService({ engine, zfsPool: zfs });
const results: Record<string, unknown>[] = [];
try {
  for (const size of sizes) {
    const label = String(size).replace('.', '_');
    const dataset = `${zfs.name}/data${label}`;
    await runner.run('zfs', ['create', dataset]);
    const path = join(zfs.mountPoint, `data${label}`);
    await writeRandomFile(join(path, 'data.bin'), Math.round(size * 1024 ** 3));
    const name = `zfsbench-${label}`;
    const container = await engine.docker.createContainer({ Image: engine.image, Cmd: LOOP, name, HostConfig: { Binds: [`${path}:/data`] } });
    await container.start();

    const snapshot: number[] = [];
    const names: string[] = [];
    for (let i = 0; i < runs; i += 1) {
      snapshot.push(await timed(async () => {
        const response = await service.api('POST', `/containers/${name}/snapshots`, {});
        if (response.status !== 201) throw new Error(JSON.stringify(response.body));
        names.push((response.body.data as { snapshot: { name: string } }).snapshot.name);
      }));
    }
    const swap: number[] = [];
    for (let i = 0; i < runs; i += 1) {
      const response = await service.api('PATCH', `/containers/${name}/snapshots/${names[0] ?? ''}`);
      if (response.status !== 200) throw new Error(JSON.stringify(response.body));
      swap.push((response.body.data as { durations: { swap_ms: number } }).durations.swap_ms);
    }
    const copy: number[] = [];
    for (let i = 0; i < runs; i += 1) {
      copy.push(await timed(async () => {
        const response = await service.api('POST', `/containers/${name}/copy`, { name: `${name}-copy-${i}`, source_snapshot: names[0] });
        if (response.status !== 201) throw new Error(JSON.stringify(response.body));
      }));
      await engine.docker.getContainer(`${name}-copy-${i}`).remove({ force: true });
    }
    const cp: number[] = [];
    for (let i = 0; i < Math.min(runs, 2); i += 1) {
      const target = join(zfs.mountPoint, `cp-${label}`);
      cp.push(await timed(() => runner.run('cp', ['-a', path, target])));
      await runner.run('rm', ['-rf', target]);
    }
    await container.remove({ force: true });
    results.push({ sizeGiB: size, apiSnapshot: summarize(snapshot), restoreSwap: summarize(swap), copy: summarize(copy), cpA: summarize(cp) });
  }
  console.log('| size | API snapshot p50/p95 | restore swap p50/p95 | copy to running container p50/p95 | cp -a p50 |');
  console.log('|---|---|---|---|---|');
  for (const r of results as { sizeGiB: number; apiSnapshot: { p50: number; p95: number }; restoreSwap: { p50: number; p95: number }; copy: { p50: number; p95: number }; cpA: { p50: number } }[]) {
    console.log(`| ${r.sizeGiB} GiB | ${r.apiSnapshot.p50} / ${r.apiSnapshot.p95} | ${r.restoreSwap.p50} / ${r.restoreSwap.p95} | ${r.copy.p50} / ${r.copy.p95} | ${r.cpA.p50} |`);
  }
  console.log(`results: ${await writeResults('zfs-mount', results)}`);
} finally {
  await service.close();
  await engine.destroy();
  await zfs.destroy();
}
