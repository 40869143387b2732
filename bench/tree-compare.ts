/**
 * Memory of the tree comparison (the diff where `zfs diff` cannot serve: zfs-fuse, or two snapshots in
 * different restore lineages): two copies of a tree of `--dirs` × `--files` small files, one file added,
 * compared with storage-drivers/zfs/zfs-tree-diff.ts; prints the peak heap (sampled every 5 ms) and the
 * time. Before Session 10 the comparison listed both trees whole; it now walks them side by side. Plain
 * directories under /var/tmp (no pool needed: the comparison reads mounted trees). Removes what it made.
 *   node --import tsx bench/tree-compare.ts [--dirs 100] [--files 500]
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { compareTrees } from '../storage-drivers/zfs/zfs-tree-diff.js';

const { values } = parseArgs({ options: { dirs: { type: 'string', default: '100' }, files: { type: 'string', default: '500' } } });
const dirs = Number(values.dirs);
const files = Number(values.files);
const base = await mkdtemp('/var/tmp/cowsnap-tree-compare-');
try {
  const before = join(base, 'before');
  for (let d = 0; d < dirs; d += 1) {
    await mkdir(join(before, `d${String(d)}`), { recursive: true });
    await Promise.all(Array.from({ length: files }, (_, f) => writeFile(join(before, `d${String(d)}`, `f${String(f)}`), 'x')));
  }
  // cp -a keeps timestamps to the nanosecond, as a ZFS clone does: only the added file differs.
  await promisify(execFile)('cp', ['-a', before, join(base, 'after')]);
  await writeFile(join(base, 'after', 'd0', 'added'), 'new');
  let peak = process.memoryUsage().heapUsed;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 5);
  const started = performance.now();
  const changes = await compareTrees(before, join(base, 'after'));
  clearInterval(sampler);
  const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
  console.log(`tree compare: ${String(dirs * files)} files per tree, ${String(changes.length)} change(s); peak heap ${mib(peak)} MiB; ${String(Math.round(performance.now() - started))} ms`);
} finally {
  await rm(base, { recursive: true, force: true });
}
