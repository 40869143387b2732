/**
 * Issue #17, goal 3: what the kernel's quota-group accounting costs a snapshot once a subvolume has many,
 * and whether anything cowsnap could do reduces it. On bare loop pools (no Docker), one fresh pool per
 * way, the same source subvolume (16 MiB + 1,000 small files); `count` read-only snapshots are taken and
 * kept, the first and last 20 timed (the raw `btrfs subvolume snapshot -r` call, as the API makes it):
 *
 *   off          quotas off: the floor
 *   qgroups      quotas on (full qgroups, what a Docker pool with quotas has; cowsnap creates none of its own)
 *   inherit      quotas on, every snapshot also put in one level-1 qgroup (`snapshot -i 1/1`)
 *   no-qgroup    quotas on, each snapshot's own 0/<id> qgroup destroyed right after it is taken (fewer qgroups)
 *   stale        quotas on, `count` snapshots taken and deleted (stale qgroups left), then 20 timed; then
 *                `btrfs qgroup clear-stale` and 20 more timed
 *   simple       simple quotas (kernel ≥ 6.7), enabled through the quota ioctl (btrfs-progs 6.2 cannot)
 *
 * As root:  node --import tsx bench/qgroup-cost.ts [--count 1000] [--ways off,qgroups,...]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ExecFileRunner } from '../storage-drivers/common/command-runner.js';
import { createBtrfsPool, type TestBtrfsPool } from '../test/support/btrfs-pool.js';
import { writeRandomFile, writeSmallFiles } from './support/fill.js';
import { loadAverage } from './support/process-cpu.js';
import { writeResults } from './support/results.js';
import { summarize, timed, type Summary } from './support/stats.js';

const WAYS = ['off', 'qgroups', 'inherit', 'no-qgroup', 'stale', 'simple'] as const;
type Way = (typeof WAYS)[number];
const { values } = parseArgs({ options: { count: { type: 'string', default: '1000' }, ways: { type: 'string', default: WAYS.join(',') } } });
const count = Number(values.count);
const ways = values.ways.split(',') as Way[];
const runner = new ExecFileRunner();
const TIMED = 20;

/**
 * BTRFS_IOC_QUOTA_CTL (_IOWR(0x94, 40, {u64 cmd; u64 status})) with BTRFS_QUOTA_CTL_ENABLE_SIMPLE_QUOTA (4):
 * Node cannot make an ioctl, Python's fcntl can.
 */
const ENABLE_SIMPLE_QUOTAS = [
  'import fcntl, os, struct, sys',
  'fd = os.open(sys.argv[1], os.O_RDONLY)',
  'fcntl.ioctl(fd, 0xC0109428, bytearray(struct.pack("QQ", 4, 0)))',
].join('\n');

interface Figures {
  readonly way: Way;
  readonly atZero: Summary;
  readonly atCount: Summary;
  readonly afterClearStale?: Summary;
  readonly qgroups: number;
  /** A snapshot's exclusive bytes once its source rewrote its 16 MiB: what deleting it would free (16 MiB). */
  readonly exclusiveAfterRewrite?: number | null;
  readonly load: number;
  readonly note?: string;
}

async function btrfs(...args: string[]): Promise<string> {
  return (await runner.run('btrfs', args)).stdout;
}

async function qgroupCount(pool: TestBtrfsPool): Promise<number> {
  const out = await btrfs('qgroup', 'show', '--raw', pool.mountPoint).catch(() => '');
  return out.split('\n').filter((line) => /^\s*\d+\/\d+\s/.test(line)).length;
}

/** A fresh subvolume of 16 MiB, one snapshot, the file rewritten: the snapshot alone holds the old 16 MiB. */
async function exclusiveAfterRewriting(pool: TestBtrfsPool): Promise<number | null> {
  const source = join(pool.mountPoint, 'rewrite');
  const snapshot = join(pool.mountPoint, 'rewrite-snapshot');
  await btrfs('subvolume', 'create', source);
  await writeRandomFile(join(source, 'file'), 16 * 1024 * 1024);
  await btrfs('subvolume', 'snapshot', '-r', source, snapshot);
  await writeRandomFile(join(source, 'file'), 16 * 1024 * 1024);
  await btrfs('filesystem', 'sync', pool.mountPoint);
  const id = (await btrfs('inspect-internal', 'rootid', snapshot)).trim();
  const out = await btrfs('qgroup', 'show', '--raw', pool.mountPoint).catch(() => '');
  const row = out.split('\n').find((line) => line.trim().startsWith(`0/${id} `));
  const exclusive = row?.trim().split(/\s+/)[2];
  return exclusive === undefined ? null : Number(exclusive);
}

async function measure(way: Way): Promise<Figures> {
  const pool = await createBtrfsPool({ sizeMiB: 4096, quotas: way !== 'off' && way !== 'simple' });
  try {
    const mnt = pool.mountPoint;
    if (way === 'simple') await runner.run('python3', ['-c', ENABLE_SIMPLE_QUOTAS, mnt]);
    const source = join(mnt, 'data');
    await btrfs('subvolume', 'create', source);
    await writeRandomFile(join(source, 'file'), 16 * 1024 * 1024);
    await writeSmallFiles(join(source, 'small'), 1000);
    await btrfs('filesystem', 'sync', mnt);
    if (way === 'inherit') await btrfs('qgroup', 'create', '1/1', mnt);
    const snapshot = (i: number): Promise<number> => {
      const target = join(mnt, `s${String(i)}`);
      return timed(() => btrfs('subvolume', 'snapshot', '-r', ...(way === 'inherit' ? ['-i', '1/1'] : []), source, target));
    };
    const first: number[] = [];
    const last: number[] = [];
    let note: string | undefined;
    for (let i = 0; i < count; i += 1) {
      const ms = await snapshot(i);
      if (i < TIMED) first.push(ms);
      if (i >= count - TIMED) last.push(ms);
      if (way === 'no-qgroup' && note === undefined) {
        const id = (await btrfs('inspect-internal', 'rootid', join(mnt, `s${String(i)}`))).trim();
        await btrfs('qgroup', 'destroy', `0/${id}`, mnt).catch((error: unknown) => {
          note = `qgroup destroy of a live snapshot refused: ${(error as Error).message.split('\n').slice(-2).join(' ').trim()}`;
        });
      }
    }
    if (way !== 'stale') {
      const qgroups = await qgroupCount(pool);
      const exclusiveAfterRewrite = way === 'off' ? null : await exclusiveAfterRewriting(pool);
      return { way, atZero: summarize(first), atCount: summarize(last), qgroups, exclusiveAfterRewrite, load: loadAverage(), ...(note !== undefined && { note }) };
    }
    for (let i = 0; i < count; i += 1) await btrfs('subvolume', 'delete', join(mnt, `s${String(i)}`));
    await btrfs('subvolume', 'sync', mnt);
    const qgroups = await qgroupCount(pool);
    const stale: number[] = [];
    for (let i = 0; i < TIMED; i += 1) stale.push(await snapshot(count + i));
    await btrfs('qgroup', 'clear-stale', mnt);
    const cleared: number[] = [];
    for (let i = 0; i < TIMED; i += 1) cleared.push(await snapshot(count + TIMED + i));
    return {
      way,
      atZero: summarize(first),
      atCount: summarize(stale),
      afterClearStale: summarize(cleared),
      qgroups,
      load: loadAverage(),
      note: `${String(count)} snapshots deleted: ${String(qgroups)} qgroups left; after ${String(TIMED)} more snapshots and clear-stale ${String(await qgroupCount(pool))}`,
    };
  } finally {
    await pool.destroy();
  }
}

const results: Figures[] = [];
for (const way of ways) {
  const figures = await measure(way).catch((error: unknown): Figures => {
    const empty = summarize([]);
    return { way, atZero: empty, atCount: empty, qgroups: 0, load: loadAverage(), note: `failed: ${(error as Error).message.slice(0, 200)}` };
  });
  results.push(figures);
  console.error(JSON.stringify(figures));
}
console.log(`| way | raw snapshot p50 at 0 | at ${String(count)} | growth | after clear-stale | qgroups | exclusive of a snapshot whose 16 MiB were rewritten | load | note |`);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of results) {
  const growth = r.atZero.p50 > 0 ? `${String(Math.round((r.atCount.p50 / r.atZero.p50) * 10) / 10)}×` : '';
  console.log(
    `| ${r.way} | ${String(r.atZero.p50)} ms | ${String(r.atCount.p50)} ms | ${growth} | ${r.afterClearStale === undefined ? '' : `${String(r.afterClearStale.p50)} ms`} | ${String(r.qgroups)} | ${r.exclusiveAfterRewrite === undefined || r.exclusiveAfterRewrite === null ? '' : `${String(Math.round(r.exclusiveAfterRewrite / 1024))} KiB`} | ${String(r.load)} | ${r.note ?? ''} |`,
  );
}
console.log(`\nresults: ${await writeResults('qgroup-cost', { count, results })}`);
