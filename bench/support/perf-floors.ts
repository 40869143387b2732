/**
 * The floors of bench/perf-goals.ts: what the kernel or a trivial route costs on the same machine in the
 * same run, so each goal's figure can be read as a ratio even on a loaded machine.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { ExecFileRunner } from '../../storage-drivers/common/command-runner.js';
import { createBtrfsPool } from '../../test/support/btrfs-pool.js';
import { rssMiB } from './dist-service.js';
import { summarize, timed, type Summary } from './stats.js';

const runner = new ExecFileRunner();

/**
 * `btrfs subvolume snapshot -r` of `source`, timed, then deleted again (n times); the data is synced first.
 * After each delete it waits until the kernel has dropped the deleted subvolume (`btrfs subvolume sync`):
 * with quotas on, that drop walks the back references of every block the snapshots share, and whatever
 * commits next (the API create timed right after this floor, or the next floor snapshot) paid for it.
 * With `keep`, nothing is deleted (so nothing is dropped: at 1,000 snapshots with quotas on each drop costs
 * ~0.9 s, goal 3's floor paid 20 of them and more); each call is preceded by an untimed
 * `btrfs filesystem sync`, so it does not pay for what an earlier operation left to commit. The snapshots
 * stay under `scratch` (removed with the pool).
 */
export async function rawSnapshots(source: string, scratch: string, n: number, options: { keep?: boolean } = {}): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i += 1) {
    if (options.keep === true) {
      const target = join(scratch, `raw-kept-${String(keptSerial++)}`);
      await runner.run('btrfs', ['filesystem', 'sync', scratch]);
      times.push(await timed(() => runner.run('btrfs', ['subvolume', 'snapshot', '-r', source, target])));
      continue;
    }
    const target = join(scratch, `raw-floor-${String(i)}`);
    times.push(await timed(() => runner.run('btrfs', ['subvolume', 'snapshot', '-r', source, target])));
    await runner.run('btrfs', ['subvolume', 'delete', target]);
    await runner.run('btrfs', ['subvolume', 'sync', scratch]);
  }
  return times;
}
let keptSerial = 0;

export interface BarePoolFigures {
  readonly quotas: 'off' | 'on';
  /** Raw snapshot of a small subvolume with no snapshot yet, and after `count` snapshots. */
  readonly atZero: Summary;
  readonly atCount: Summary;
  readonly count: number;
}

/**
 * Goal 3's floor: a bare pool (no Docker) with quotas off or on; `count` read-only snapshots of one
 * subvolume kept, the first and last 20 timed.
 */
export async function barePoolSnapshots(quotas: boolean, count: number): Promise<BarePoolFigures> {
  const pool = await createBtrfsPool({ sizeMiB: 2048, quotas });
  try {
    const source = join(pool.mountPoint, 'data');
    await runner.run('btrfs', ['subvolume', 'create', source]);
    await runner.run('dd', ['if=/dev/urandom', `of=${join(source, 'file')}`, 'bs=1M', 'count=16', 'status=none']);
    const first: number[] = [];
    const last: number[] = [];
    for (let i = 0; i < count; i += 1) {
      const ms = await timed(() => runner.run('btrfs', ['subvolume', 'snapshot', '-r', source, join(pool.mountPoint, `s${String(i)}`)]));
      if (i < 20) first.push(ms);
      if (i >= count - 20) last.push(ms);
    }
    return { quotas: quotas ? 'on' : 'off', atZero: summarize(first), atCount: summarize(last), count };
  } finally {
    await pool.destroy();
  }
}

/** Whether this kernel + btrfs-progs can enable simple quotas (squota); the tool's answer when not. */
export async function simpleQuotaSupport(): Promise<string> {
  const pool = await createBtrfsPool({ sizeMiB: 512, quotas: false });
  try {
    await runner.run('btrfs', ['quota', 'enable', '--simple', pool.mountPoint]);
    return 'supported';
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    return `not supported here: ${text.split('\n').find((line) => /unrecognized|invalid|usage|error/i.test(line))?.trim() ?? text.slice(0, 120)}`;
  } finally {
    await pool.destroy();
  }
}

export interface LoadFigures {
  readonly requestsPerSec: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  readonly peakRssMiB: number;
  /** The service's CPU time (user + system) per answered request: steadier than req/s on a shared machine. */
  readonly cpuMicrosPerRequest: number;
}

/** CPU seconds (user + system) `pid` has used so far. */
function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** autocannon, 50 connections, sampling the service's RSS every 200 ms. */
export async function loadOf(url: string, seconds: number, pid: number, token?: string): Promise<LoadFigures> {
  let peak = 0;
  const sampler = setInterval(() => {
    void rssMiB(pid).then((value) => (peak = Math.max(peak, value)), () => undefined);
  }, 200);
  const cpuBefore = cpuSecondsOf(pid);
  try {
    const result = await autocannon({ url, connections: 50, duration: seconds, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
    const cpuMicrosPerRequest = Math.round(((cpuSecondsOf(pid) - cpuBefore) * 1e6) / Math.max(1, result.requests.total));
    return { requestsPerSec: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx, peakRssMiB: peak, cpuMicrosPerRequest };
  } finally {
    clearInterval(sampler);
  }
}
