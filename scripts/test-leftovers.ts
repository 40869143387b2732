/**
 * Finds what test processes left behind on this machine: `sweep` removes leftovers of dead test
 * processes (a run killed with SIGKILL), `check` fails when any are found (the end of `npm test`).
 * Resources of test processes that are still alive belong to a concurrent run and are left alone.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readMounts } from '../storage-drivers/common/mounts.js';
import { killDockerTreeSync } from '../test/support/kill-docker-tree.js';
import { TEST_ROOT, ZPOOL_PREFIX } from '../test/support/scratch.js';
import { stopOurZfsFuse, ZFS_FUSE_PIDFILE } from '../test/support/zfs-daemon.js';
import { isAlive } from '../src/embedded/process-alive.js';


function run(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return result.status === 0 ? result.stdout : '';
}

function deadProcessDirs(): string[] {
  if (!existsSync(TEST_ROOT)) return [];
  return readdirSync(TEST_ROOT)
    .filter((name) => /^p\d+$/.test(name) && !isAlive(Number(name.slice(1))))
    .map((name) => join(TEST_ROOT, name));
}

function isLiveOwner(path: string): boolean {
  const match = /\/p(\d+)(\/|$)/.exec(path.slice(TEST_ROOT.length));
  return match?.[1] !== undefined && isAlive(Number(match[1]));
}

interface Leftovers {
  daemons: { pid: number; what: string }[];
  mounts: string[];
  loops: { device: string; file: string }[];
  zpools: string[];
  zfsFuse: boolean;
  dirs: string[];
}

function findLeftovers(): Leftovers {
  const daemons: { pid: number; what: string }[] = [];
  for (const line of run('ps', ['-eo', 'pid=,args=']).split('\n')) {
    const match = /^\s*(\d+)\s+(.*)$/.exec(line);
    if (match?.[1] === undefined || match[2] === undefined) continue;
    const args = match[2];
    if (args.includes(TEST_ROOT) && /(^|\/)(dockerd|containerd|containerd-shim[\w-]*|ceph-mon|ceph-osd|radosgw)\s/.test(args) && !isLiveOwner(args.slice(args.indexOf(TEST_ROOT)))) {
      daemons.push({ pid: Number(match[1]), what: args.slice(0, 160) });
    }
  }
  const mounts = readMounts()
    .map((m) => m.mountPoint)
    .filter((mountPoint) => mountPoint.startsWith(`${TEST_ROOT}/`) && !isLiveOwner(mountPoint))
    .sort((a, b) => b.length - a.length);
  const loops = run('losetup', ['--list', '--noheadings', '--output', 'NAME,BACK-FILE'])
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields): fields is [string, string] => fields.length >= 2 && fields[1]?.startsWith(`${TEST_ROOT}/`) === true)
    .filter(([, file]) => !isLiveOwner(file))
    .map(([device, file]) => ({ device, file }));
  const zpools = run('zpool', ['list', '-H', '-o', 'name'])
    .split('\n')
    .map((name) => name.trim())
    .filter((name) => name.startsWith(`${ZPOOL_PREFIX}-`))
    .filter((name) => !isAlive(Number(name.split('-')[1])));
  const zfsPid = existsSync(ZFS_FUSE_PIDFILE) ? Number(readFileSync(ZFS_FUSE_PIDFILE, 'utf8').trim()) : NaN;
  const usersDir = join(TEST_ROOT, 'zfs-users');
  const zfsUsers = existsSync(usersDir) ? readdirSync(usersDir).filter((name) => isAlive(Number(name))) : [];
  const zfsFuse = Number.isInteger(zfsPid) && isAlive(zfsPid) && zfsUsers.length === 0;
  return { daemons, mounts, loops, zpools, zfsFuse, dirs: deadProcessDirs() };
}

function describe(leftovers: Leftovers): string[] {
  return [
    ...leftovers.daemons.map((d) => `process ${d.pid}: ${d.what}`),
    ...leftovers.mounts.map((m) => `mount ${m}`),
    ...leftovers.loops.map((l) => `loop device ${l.device} -> ${l.file}`),
    ...leftovers.zpools.map((p) => `zpool ${p}`),
    ...(leftovers.zfsFuse ? [`zfs-fuse started by tests (pid file ${ZFS_FUSE_PIDFILE})`] : []),
    ...leftovers.dirs.map((d) => `folder ${d}`),
  ];
}

/**
 * Pids in a mount namespace other than ours that have one of these devices mounted: orphaned container
 * processes. Our own namespace is excluded, where a still-mounted device is simply unmounted.
 */
function processesUsingDevices(devices: readonly string[]): number[] {
  if (devices.length === 0) return [];
  const ownNamespace = readlinkSync('/proc/self/ns/mnt');
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let mountinfo: string;
    try {
      if (readlinkSync(`/proc/${entry}/ns/mnt`) === ownNamespace) continue;
      mountinfo = readFileSync(`/proc/${entry}/mountinfo`, 'utf8');
    } catch {
      continue;
    }
    if (devices.some((device) => mountinfo.includes(` ${device} `))) pids.push(Number(entry));
  }
  return pids;
}

async function sweep(): Promise<void> {
  const found = findLeftovers();
  // Containers of a killed run's dockerd hold its pool busy from their mount namespaces: they go first.
  for (const dir of found.dirs) killDockerTreeSync(dir);
  for (const { pid } of found.daemons) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  // Container processes orphaned earlier keep a loop device busy from their own mount namespace.
  const holders = processesUsingDevices(found.loops.map((l) => l.device));
  for (const pid of holders) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  if (found.daemons.length + holders.length > 0) await new Promise((resolve) => setTimeout(resolve, 1000));
  for (const pool of found.zpools) spawnSync('zpool', ['destroy', '-f', pool], { stdio: 'inherit' });
  for (const mountPoint of found.mounts) spawnSync('umount', [mountPoint], { stdio: 'inherit' });
  for (const { device } of found.loops) spawnSync('losetup', ['--detach', device], { stdio: 'inherit' });
  if (found.zfsFuse) stopOurZfsFuse();
  // Users of zfs-fuse that died without saying so.
  const usersDir = join(TEST_ROOT, 'zfs-users');
  if (existsSync(usersDir)) {
    for (const name of readdirSync(usersDir)) if (!isAlive(Number(name))) rmSync(join(usersDir, name), { force: true });
  }
  const left = findLeftovers();
  for (const dir of left.dirs) {
    // Only once nothing is mounted below it: rm -r must never walk into a live filesystem.
    if (!left.mounts.some((m) => m.startsWith(`${dir}/`))) rmSync(dir, { recursive: true, force: true });
  }
  const removed = describe(found);
  if (removed.length > 0) console.log(`swept leftovers of earlier test runs:\n  ${removed.join('\n  ')}`);
}

function check(): void {
  const leftovers = describe(findLeftovers());
  if (leftovers.length === 0) {
    console.log('leak check: no mounts, loop devices, zpools, dockerd, zfs-fuse or Ceph daemons left by the tests');
    return;
  }
  console.error(`leak check FAILED: the tests left behind:\n  ${leftovers.join('\n  ')}`);
  process.exitCode = 1;
}

/** After an interruption: give test processes up to a minute to finish their own teardown first. */
async function waitForTestProcesses(): Promise<void> {
  const deadline = Date.now() + 60_000;
  const live = (): string[] =>
    existsSync(TEST_ROOT) ? readdirSync(TEST_ROOT).filter((name) => /^p\d+$/.test(name) && isAlive(Number(name.slice(1)))) : [];
  while (live().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 500));
}

const mode = process.argv[2];
if (mode === 'sweep' && process.argv[3] === '--wait') {
  await waitForTestProcesses();
  await sweep();
} else if (mode === 'sweep') await sweep();
else if (mode === 'check') check();
else {
  console.error('usage: test-leftovers.ts sweep [--wait] | check');
  process.exitCode = 2;
}
