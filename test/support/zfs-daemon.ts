import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_ROOT, ZPOOL_PREFIX } from './scratch.js';
import { isAlive } from '../../src/embedded/process-alive.js';

/**
 * zfs-fuse is one daemon per machine, shared by every test process that needs ZFS. Each user leaves a
 * file named after its pid; the last one out stops the daemon, but only if a test started it.
 */
const USERS_DIR = join(TEST_ROOT, 'zfs-users');
const LOCK_DIR = join(TEST_ROOT, 'zfs.lock');
export const ZFS_FUSE_PIDFILE = join(TEST_ROOT, 'zfs-fuse.pid');


function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function withLock<T>(body: () => T): T {
  mkdirSync(TEST_ROOT, { recursive: true });
  for (let attempt = 0; ; attempt += 1) {
    try {
      mkdirSync(LOCK_DIR);
      break;
    } catch {
      // A lock older than a minute belongs to a process that died holding it.
      if (existsSync(LOCK_DIR) && Date.now() - statSync(LOCK_DIR).mtimeMs > 60_000) rmSync(LOCK_DIR, { recursive: true, force: true });
      if (attempt > 1200) throw new Error(`could not take ${LOCK_DIR}`);
      sleepSync(50);
    }
  }
  try {
    return body();
  } finally {
    rmdirSync(LOCK_DIR);
  }
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function zfsFuseRunning(): boolean {
  return spawnSync('pgrep', ['-x', 'zfs-fuse'], { stdio: 'ignore' }).status === 0;
}

function liveUsers(): number[] {
  if (!existsSync(USERS_DIR)) return [];
  return readdirSync(USERS_DIR)
    .map((name) => Number.parseInt(name, 10))
    .filter((pid) => Number.isInteger(pid) && isAlive(pid));
}

function waitForDaemon(): void {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if (spawnSync('zpool', ['list', '-H'], { stdio: 'ignore' }).status === 0) return;
    sleepSync(100);
  }
  throw new Error('zfs-fuse did not answer `zpool list` within 20 s');
}

/** Makes sure zfs-fuse runs and counts this process as a user. */
export function acquireZfsFuse(): void {
  withLock(() => {
    mkdirSync(USERS_DIR, { recursive: true });
    writeFileSync(join(USERS_DIR, String(process.pid)), '');
    if (!zfsFuseRunning()) {
      execFileSync('zfs-fuse', ['--pidfile', ZFS_FUSE_PIDFILE], { stdio: 'ignore' });
    }
    waitForDaemon();
    destroyPoolsOfDeadProcesses();
  });
}

/**
 * zfs-fuse re-imports the pools it remembers when it starts; pools of test processes that died before
 * destroying them come back FAULTED (their files are gone). Now that the daemon answers, remove them.
 */
function destroyPoolsOfDeadProcesses(): void {
  const listing = spawnSync('zpool', ['list', '-H', '-o', 'name'], { encoding: 'utf8' });
  for (const name of listing.stdout.split('\n').map((line) => line.trim())) {
    const owner = new RegExp(`^${ZPOOL_PREFIX}-(\\d+)-\\d+$`).exec(name)?.[1];
    if (owner !== undefined && !isAlive(Number(owner))) spawnSync('zpool', ['destroy', '-f', name], { stdio: 'ignore' });
  }
}

/** Drops this process's use; stops the daemon when it was ours and nobody else uses it. */
export function releaseZfsFuse(): void {
  withLock(() => {
    rmSync(join(USERS_DIR, String(process.pid)), { force: true });
    if (liveUsers().length > 0) return;
    stopOurZfsFuse();
  });
}

/** Stops zfs-fuse if a test started it (its pid file is ours). A system zfs-fuse is left alone. */
export function stopOurZfsFuse(): void {
  const pid = readPid(ZFS_FUSE_PIDFILE);
  if (pid === undefined || !isAlive(pid)) {
    rmSync(ZFS_FUSE_PIDFILE, { force: true });
    return;
  }
  process.kill(pid, 'SIGTERM');
  for (let attempt = 0; attempt < 300 && isAlive(pid); attempt += 1) sleepSync(100);
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(ZFS_FUSE_PIDFILE, { force: true });
}
