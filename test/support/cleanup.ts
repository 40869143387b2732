import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { parseMountInfo } from '../../storage-drivers/common/mounts.js';
import { killDockerTreeSync } from './kill-docker-tree.js';
import { existingTestProcessDir, removeTestProcessDir } from './scratch.js';

/**
 * Everything a test process creates (mounts, pools, daemons, files) registers its teardown here.
 * Teardowns run in reverse order after the test that made them, and, as a last resort, when the
 * process is interrupted (SIGINT/SIGTERM) or ends with something still registered.
 */
interface Teardown {
  readonly label: string;
  readonly run: () => Promise<void>;
  /** Synchronous version for signal handlers, where async work may never finish. */
  readonly runSync: () => void;
}

const pending: Teardown[] = [];
let handlersInstalled = false;

function runAllSync(): void {
  while (pending.length > 0) {
    const teardown = pending.pop();
    if (teardown === undefined) break;
    try {
      teardown.runSync();
    } catch (error) {
      process.stderr.write(`cleanup of ${teardown.label} failed: ${String(error)}\n`);
    }
  }
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: tearing down ${pending.length} test resource(s)\n`);
      runAllSync();
      process.exit(130);
    });
  }
  process.once('exit', () => {
    runAllSync();
    // A catch-all for anything a teardown missed: nothing of this process may outlive it.
    const dir = existingTestProcessDir();
    if (dir !== undefined) {
      killDockerTreeSync(dir);
      unmountUnderSync(dir);
      detachLoopsUnderSync(dir);
    }
    removeTestProcessDir();
  });
}

export interface Registration {
  /** Runs the teardown now (once) and forgets it. */
  release(): Promise<void>;
}

export function registerTeardown(label: string, run: () => Promise<void>, runSync: () => void): Registration {
  installHandlers();
  const teardown: Teardown = { label, run, runSync };
  pending.push(teardown);
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      const index = pending.indexOf(teardown);
      if (index >= 0) pending.splice(index, 1);
      await run();
    },
  };
}

/** For sync teardowns: run a command and ignore failure (best effort while the process is dying). */
export function runQuietly(command: string, args: readonly string[]): void {
  spawnSync(command, [...args], { stdio: 'ignore', timeout: 60_000 });
}

/** Unmounts everything at or below `dir`, deepest first (sync, for interrupted runs). */
export function unmountUnderSync(dir: string): void {
  const mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
  const points = parseMountInfo(mountinfo)
    .map((m) => m.mountPoint)
    .filter((point) => point === dir || point.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const point of points) runQuietly('umount', [point]);
}

/** Detaches loop devices whose image file lies at or below `dir` (sync, for interrupted runs). */
export function detachLoopsUnderSync(dir: string): void {
  const listing = spawnSync('losetup', ['--list', '--noheadings', '--output', 'NAME,BACK-FILE'], { encoding: 'utf8' }).stdout;
  for (const line of listing.split('\n')) {
    const [device, file] = line.trim().split(/\s+/);
    if (device !== undefined && file?.startsWith(`${dir}/`) === true) runQuietly('losetup', ['--detach', device]);
  }
}

/**
 * Last-resort teardown of an embedded state dir (`cowsnap up` in a test) when the test process is exiting:
 * kill the service, its private dockerd tree, unmount and detach everything below, remove the dir.
 */
export function forceTeardownEmbeddedSync(stateDir: string, servicePid: number | undefined): void {
  if (servicePid !== undefined) runQuietly('kill', ['-9', String(servicePid)]);
  killDockerTreeSync(stateDir);
  unmountUnderSync(stateDir);
  detachLoopsUnderSync(stateDir);
  rmSync(stateDir, { recursive: true, force: true });
}
