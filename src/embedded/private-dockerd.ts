import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'node:child_process';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import Docker from '../runtime/dockerode.js';
import { isAlive } from './process-alive.js';

/**
 * A dockerd of our own: btrfs storage driver, data root on a cowsnap pool, its own socket, exec root and
 * pid file. It never touches a system Docker, and two of them on one machine do not fight over docker0.
 */
export interface PrivateDockerdOptions {
  readonly dataRoot: string;
  readonly execRoot: string;
  readonly socketPath: string;
  readonly pidFile: string;
  readonly logFile: string;
  readonly startTimeoutMs?: number;
}

export interface PrivateDockerd {
  readonly socketPath: string;
  readonly pidFile: string;
  readonly pid: number;
  readonly docker: Docker;
}


async function readPid(pidFile: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(pidFile, 'utf8')).trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}


async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(100);
  }
  return check();
}

async function answersPing(docker: Docker): Promise<boolean> {
  try {
    await docker.ping();
    return true;
  } catch {
    return false;
  }
}

/** Starts dockerd, or reuses the one already running from the same pid file. */
export async function startPrivateDockerd(options: PrivateDockerdOptions): Promise<PrivateDockerd> {
  const docker = new Docker({ socketPath: options.socketPath });
  const running = await readPid(options.pidFile);
  if (running !== undefined && isAlive(running) && (await answersPing(docker))) {
    return { socketPath: options.socketPath, pidFile: options.pidFile, pid: running, docker };
  }
  await mkdir(options.dataRoot, { recursive: true });
  await mkdir(options.execRoot, { recursive: true });
  const log = await open(options.logFile, 'a', 0o600);
  const child = spawn(
    'dockerd',
    [
      '--storage-driver',
      'btrfs',
      '--data-root',
      options.dataRoot,
      '--exec-root',
      options.execRoot,
      '--host',
      `unix://${options.socketPath}`,
      '--pidfile',
      options.pidFile,
      '--bridge=none',
      '--iptables=false',
      '--ip-masq=false',
    ],
    // Its own process group: a Ctrl-C meant for us must not kill it before we stop it in order.
    { detached: true, stdio: ['ignore', log.fd, log.fd] },
  );
  await log.close();
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `exit code ${String(code)}, signal ${String(signal)}`));
  child.once('error', (error) => (exited = error.message));
  child.unref();
  const up = await waitUntil(async () => exited !== undefined || (await answersPing(docker)), options.startTimeoutMs ?? 60_000);
  if (exited !== undefined || !up) {
    if (child.pid !== undefined && isAlive(child.pid)) process.kill(child.pid, 'SIGKILL');
    const tail = (await readFile(options.logFile, 'utf8').catch(() => '')).split('\n').slice(-15).join('\n');
    throw new Error(`dockerd did not start (${exited ?? 'timed out'}); last log lines:\n${tail}`);
  }
  if (child.pid === undefined) throw new Error('dockerd started without a pid');
  return { socketPath: options.socketPath, pidFile: options.pidFile, pid: child.pid, docker };
}

/**
 * Stops the daemon and waits until it and its containerd are gone, so the pool under it can be unmounted.
 * With `removeContainers`, containers are force-removed first (tests); otherwise dockerd stops them itself.
 */
export async function stopPrivateDockerd(
  options: Pick<PrivateDockerdOptions, 'socketPath' | 'pidFile' | 'execRoot'>,
  { removeContainers = false }: { removeContainers?: boolean } = {},
): Promise<void> {
  const pid = await readPid(options.pidFile);
  if (pid === undefined || !isAlive(pid)) {
    await rm(options.pidFile, { force: true });
    return;
  }
  const docker = new Docker({ socketPath: options.socketPath });
  if (removeContainers) {
    const containers = await docker.listContainers({ all: true }).catch(() => []);
    await Promise.all(
      containers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)),
    );
  }
  process.kill(pid, 'SIGTERM');
  if (!(await waitUntil(() => Promise.resolve(!isAlive(pid)), 60_000))) {
    process.kill(pid, 'SIGKILL');
    await waitUntil(() => Promise.resolve(!isAlive(pid)), 10_000);
  }
  // dockerd's containerd lives in the exec root; it normally leaves with dockerd.
  const containerdPid = await readPid(`${options.execRoot}/containerd/containerd.pid`);
  if (containerdPid !== undefined && isAlive(containerdPid)) {
    process.kill(containerdPid, 'SIGTERM');
    await waitUntil(() => Promise.resolve(!isAlive(containerdPid)), 10_000);
  }
  await rm(options.pidFile, { force: true });
}
