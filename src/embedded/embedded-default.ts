/**
 * The quick start (design.md §6): with no pool configured, cowsnap makes its own — a sparse-file btrfs
 * pool under the state dir, a private dockerd whose data root is on it, a busybox image and a demo
 * container — so `cowsnap up` shows snapshots working on a bare machine. Everything is reused on the
 * next start; `stopEmbedded` stops dockerd (containers stay) and unmounts the pool.
 */
import { join } from 'node:path';
import type Docker from 'dockerode';
import type { CommandRunner } from '../../storage-drivers/common/command-runner.js';
import type { CowsnapConfig } from '../config/config.js';
import { importBusyboxImage } from './busybox-image.js';
import { closeLoopBtrfsPool, openLoopBtrfsPool } from './loop-btrfs-pool.js';
import { startPrivateDockerd, stopPrivateDockerd } from './private-dockerd.js';

export const EMBEDDED_POOL_ID = 'embedded';
export const DEMO_CONTAINER = 'cowsnap-demo';
export const EMBEDDED_IMAGE = 'cowsnap/busybox:latest';
/** Sparse: the file costs only what is written, so a generous ceiling is free. */
const DEFAULT_POOL_BYTES = 10 * 1024 ** 3;

export interface EmbeddedLayout {
  readonly dir: string;
  readonly imagePath: string;
  readonly mountPoint: string;
  readonly dataRoot: string;
  readonly execRoot: string;
  readonly socketPath: string;
  readonly pidFile: string;
  readonly logFile: string;
  /** pid of the `cowsnap up` process, so `cowsnap down` from another shell can stop it in order. */
  readonly upPidFile: string;
}

export function embeddedLayout(stateDir: string): EmbeddedLayout {
  const dir = join(stateDir, 'embedded');
  const mountPoint = join(dir, 'pool');
  return {
    dir,
    imagePath: join(dir, 'pool.img'),
    mountPoint,
    dataRoot: join(mountPoint, 'docker'),
    // Short: containerd puts sockets under the exec root, and unix socket paths are limited to 108 bytes.
    execRoot: join(dir, 'run'),
    socketPath: join(dir, 'docker.sock'),
    pidFile: join(dir, 'dockerd.pid'),
    logFile: join(dir, 'dockerd.log'),
    upPidFile: join(dir, 'up.pid'),
  };
}

export interface EmbeddedEnvironment {
  readonly layout: EmbeddedLayout;
  readonly docker: Docker;
  /** The configuration the service runs with: the given one, pointed at the embedded pool and dockerd. */
  readonly config: CowsnapConfig;
  readonly demoContainerId: string;
}

export interface StartEmbeddedOptions {
  readonly runner: CommandRunner;
  readonly poolSizeBytes?: number;
  readonly log?: (line: string) => void;
}

export async function startEmbedded(base: CowsnapConfig, options: StartEmbeddedOptions): Promise<EmbeddedEnvironment> {
  const log = options.log ?? ((): void => undefined);
  const layout = embeddedLayout(base.stateDir);
  log(`pool: ${layout.imagePath} on ${layout.mountPoint}`);
  await openLoopBtrfsPool(options.runner, {
    imagePath: layout.imagePath,
    mountPoint: layout.mountPoint,
    sizeBytes: options.poolSizeBytes ?? DEFAULT_POOL_BYTES,
    // Exact snapshot sizes need qgroups.
    quotas: true,
    label: 'cowsnap-embedded',
  });
  try {
    log(`dockerd: ${layout.socketPath} (log ${layout.logFile})`);
    const dockerd = await startPrivateDockerd(layout);
    await importBusyboxImage(dockerd.docker, options.runner, EMBEDDED_IMAGE);
    const demoContainerId = await ensureDemoContainer(dockerd.docker);
    log(`demo container: ${DEMO_CONTAINER} (${demoContainerId.slice(0, 12)})`);
    const config: CowsnapConfig = {
      ...base,
      dockerSocket: layout.socketPath,
      pools: [{ id: EMBEDDED_POOL_ID, driver: 'btrfs', path: layout.mountPoint }],
    };
    return { layout, docker: dockerd.docker, config, demoContainerId };
  } catch (error) {
    // Half a start is worse than none: leave the machine as it was (the pool file stays for next time).
    await stopEmbedded(base.stateDir, options.runner).catch(() => undefined);
    throw error;
  }
}

/** Stops dockerd (it stops the containers; they are not removed) and unmounts the pool. Safe to repeat. */
export async function stopEmbedded(stateDir: string, runner: CommandRunner): Promise<void> {
  const layout = embeddedLayout(stateDir);
  await stopPrivateDockerd(layout);
  await closeLoopBtrfsPool(runner, { imagePath: layout.imagePath, mountPoint: layout.mountPoint });
}

/** The demo container: a few files to snapshot and a heartbeat log that keeps changing. */
async function ensureDemoContainer(docker: Docker): Promise<string> {
  const existing = docker.getContainer(DEMO_CONTAINER);
  const inspected = await existing.inspect().catch(() => undefined);
  if (inspected !== undefined) {
    if (!inspected.State.Running) await existing.start();
    return inspected.Id;
  }
  const script = [
    'mkdir -p /data/www',
    '[ -f /data/www/index.html ] || echo "<h1>hello from cowsnap-demo</h1>" > /data/www/index.html',
    '[ -f /data/notes.txt ] || printf "1. take a snapshot\\n2. break something\\n3. restore\\n" > /data/notes.txt',
    // As PID 1 the shell ignores SIGTERM unless it traps it: without this every stop (restore, quiesce
    // "stop") would wait the whole stop timeout. `sleep & wait` lets the trap run at once.
    "trap 'exit 0' TERM",
    'while true; do date -u >> /data/heartbeat.log; sleep 30 & wait $!; done',
  ].join('; ');
  const container = await docker.createContainer({
    name: DEMO_CONTAINER,
    Image: EMBEDDED_IMAGE,
    Cmd: ['sh', '-c', script],
    Labels: { 'io.cowsnap.demo': 'true' },
    // The private dockerd has no bridge; the demo needs no network.
    HostConfig: { NetworkMode: 'none' },
  });
  await container.start();
  return container.id;
}
