/**
 * The btrfs calls cowsnap makes through libbtrfsutil (storage-drivers/btrfs/btrfs-util.ts) next to the CLI
 * calls they replaced, on one bare loop pool (quotas on) holding `--count` snapshots of a small subvolume
 * with two nested subvolumes: the nested probe, the read-only snapshot, the size read, and how long the
 * event loop stalls during snapshots (koffi's async form vs calling the same C function inline). Also the RSS
 * that loading koffi and the library adds. As root:
 *   node --import tsx bench/btrfs-util-calls.ts [--count 1000] [--n 20]
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { BtrfsCommands } from '../storage-drivers/btrfs/btrfs-commands.js';
import { loadBtrfsUtilLibrary } from '../storage-drivers/btrfs/btrfs-util-library.js';
import { ExecFileRunner } from '../storage-drivers/common/command-runner.js';
import { withBtrfsPool } from '../test/support/btrfs-pool.js';
import { writeSmallFiles } from './support/fill.js';
import { loadAverage } from './support/process-cpu.js';
import { writeResults } from './support/results.js';
import { round, summarize, timed } from './support/stats.js';

const { values } = parseArgs({ options: { count: { type: 'string', default: '1000' }, n: { type: 'string', default: '20' } } });
const count = Number(values.count);
const n = Number(values.n);
const runner = new ExecFileRunner();
const rows: { what: string; cli: number | string; library: number | string; load: number }[] = [];
function row(what: string, cli: number | string, library: number | string): void {
  rows.push({ what, cli: typeof cli === 'number' ? round(cli) : cli, library: typeof library === 'number' ? round(library) : library, load: loadAverage() });
  console.error(`${what}: CLI ${String(cli)} | library ${String(library)}`);
}

function rssMiB(): number {
  global.gc?.();
  return process.memoryUsage().rss / 1024 / 1024;
}

const before = rssMiB();
loadBtrfsUtilLibrary();
const after = rssMiB();
row('RSS added by loading koffi + libbtrfsutil (MiB, this process)', '', after - before);

const btrfs = new BtrfsCommands(runner);
await withBtrfsPool(async (pool) => {
  const ds = join(pool.mountPoint, 'ds');
  await btrfs.createSubvolume(ds);
  await writeSmallFiles(join(ds, 'small'), 1000);
  await btrfs.createSubvolume(join(ds, 'nested-a'));
  await btrfs.createSubvolume(join(ds, 'nested-a', 'nested-b'));
  await writeFile(join(ds, 'nested-a', 'f'), 'x');
  const snapshots = join(pool.mountPoint, 'snapshots');

  const measure = async (label: string): Promise<void> => {
    const probeCli: number[] = [];
    const probeLib: number[] = [];
    const snapCli: number[] = [];
    const snapLib: number[] = [];
    const sizeCli: number[] = [];
    const sizeLib: number[] = [];
    const id = await btrfs.rootId(ds);
    for (let i = 0; i < n; i += 1) {
      probeCli.push(await timed(() => runner.run('btrfs', ['subvolume', 'list', '-o', ds])));
      probeLib.push(await timed(() => btrfs.subvolumesBelow(ds)));
      // Kept, not deleted: with quotas on, dropping a deleted subvolume whose blocks 1,000 snapshots share
      // costs the next commits up to a second (the kernel's backref walks), whoever commits next pays it.
      const cliTarget = join(pool.mountPoint, `cli-${label}-${String(i)}`);
      snapCli.push(await timed(() => runner.run('btrfs', ['subvolume', 'snapshot', '-r', ds, cliTarget])));
      const libTarget = join(pool.mountPoint, `lib-${label}-${String(i)}`);
      snapLib.push(await timed(() => btrfs.snapshot(ds, libTarget, true)));
      const cliSize = (): Promise<number> => timed(async () => {
        await runner.run('btrfs', ['filesystem', 'sync', pool.mountPoint]);
        await runner.run('btrfs', ['qgroup', 'show', '--raw', '-f', ds]);
      });
      const libSize = (): Promise<number> => timed(async () => {
        await btrfs.sync(pool.mountPoint);
        await btrfs.qgroup(ds, id);
      });
      // Alternating which goes first: the first sync after a snapshot pays that snapshot's commit work.
      if (i % 2 === 0) {
        sizeCli.push(await cliSize());
        sizeLib.push(await libSize());
      } else {
        sizeLib.push(await libSize());
        sizeCli.push(await cliSize());
      }
    }
    row(`nested probe p50 ms (\`subvolume list -o\` vs iterator), at ${label} snapshots`, summarize(probeCli).p50, summarize(probeLib).p50);
    row(`read-only snapshot p50 ms (CLI vs create_snapshot), at ${label} snapshots`, summarize(snapCli).p50, summarize(snapLib).p50);
    row(`size read p50 ms (\`filesystem sync\` + \`qgroup show -f\` vs sync + quota-tree search), at ${label} snapshots`, summarize(sizeCli).p50, summarize(sizeLib).p50);
  };

  await measure('0');
  for (let i = 0; i < count; i += 1) await btrfs.snapshot(ds, join(snapshots, String(i)), true);
  await measure(String(count));

  // Event-loop stall during snapshots: koffi's async form (worker thread) vs the same call inline.
  const lib = loadBtrfsUtilLibrary();
  const stall = async (inline: boolean): Promise<number> => {
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    histogram.enable();
    for (let i = 0; i < n; i += 1) {
      const target = join(pool.mountPoint, `stall-${String(inline)}-${String(i)}`);
      if (inline) lib.createSnapshot(ds, target, 2, null, null);
      else await btrfs.snapshot(ds, target, true);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    histogram.disable();
    return histogram.max / 1e6;
  };
  row(`event-loop max delay during ${String(n)} snapshots, ms (inline call vs async form)`, await stall(true), await stall(false));
}, { sizeMiB: 2048, quotas: true });

console.log('| what | CLI / inline | libbtrfsutil | load (1 min) |\n|---|---|---|---|');
for (const r of rows) console.log(`| ${r.what} | ${String(r.cli)} | ${String(r.library)} | ${String(r.load)} |`);
console.log(`\nresults: ${await writeResults('btrfs-util-calls', { count, n, rows })}`);
