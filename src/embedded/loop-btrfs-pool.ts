import { setTimeout as sleep } from 'node:timers/promises';
import { mkdir, open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CommandRunner } from '../../storage-drivers/common/command-runner.js';
import { findMount, mountsUnder } from '../../storage-drivers/common/mounts.js';

/** A btrfs filesystem in a sparse file, loop-mounted: the embedded default pool and the test pools. */
export interface LoopBtrfsPool {
  readonly imagePath: string;
  readonly mountPoint: string;
}

export interface LoopBtrfsPoolOptions extends LoopBtrfsPool {
  readonly sizeBytes: number;
  /** Enable quotas (qgroups) so snapshot sizes can be measured exactly. */
  readonly quotas: boolean;
  readonly label?: string;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Creates the image and filesystem if missing, mounts it if not mounted. Safe to call again:
 * a second start reuses the same pool and its data.
 */
export async function openLoopBtrfsPool(runner: CommandRunner, options: LoopBtrfsPoolOptions): Promise<LoopBtrfsPool> {
  await mkdir(dirname(options.imagePath), { recursive: true });
  await mkdir(options.mountPoint, { recursive: true });
  if (!(await exists(options.imagePath))) {
    // A sparse file: costs only what the filesystem really writes.
    const handle = await open(options.imagePath, 'wx', 0o600);
    try {
      await handle.truncate(options.sizeBytes);
    } finally {
      await handle.close();
    }
    const label = options.label !== undefined ? ['--label', options.label] : [];
    await runner.run('mkfs.btrfs', ['-q', ...label, options.imagePath]);
  }
  const mounted = findMount(options.mountPoint);
  if (mounted === undefined) {
    await runner.run('mount', ['-o', 'loop', '-t', 'btrfs', options.imagePath, options.mountPoint]);
  } else if (mounted.fsType !== 'btrfs') {
    throw new Error(`${options.mountPoint} is already a mount point of type ${mounted.fsType}, not btrfs`);
  }
  if (options.quotas) await runner.run('btrfs', ['quota', 'enable', options.mountPoint]);
  return { imagePath: options.imagePath, mountPoint: options.mountPoint };
}

/** Unmounts everything at and below the mount point, then makes sure no loop device still holds the image. */
export async function closeLoopBtrfsPool(runner: CommandRunner, pool: LoopBtrfsPool): Promise<void> {
  for (const mount of mountsUnder(pool.mountPoint)) {
    await unmountWithRetry(runner, mount.mountPoint);
  }
  await detachLoopDevices(runner, pool.imagePath);
}

async function unmountWithRetry(runner: CommandRunner, mountPoint: string): Promise<void> {
  // A process that just exited may hold the mount for a moment; wait instead of lazily detaching,
  // which would hide a real leak.
  for (let attempt = 1; ; attempt += 1) {
    try {
      await runner.run('umount', [mountPoint]);
      return;
    } catch (error) {
      if (findMount(mountPoint) === undefined) return;
      if (attempt >= 20) throw error;
      await sleep(250);
    }
  }
}

const LOOP_RELEASE_WAIT_MS = 60_000;

/**
 * `mount -o loop` sets autoclear, but the kernel clears the device a moment after the unmount, and a
 * crash can leave one behind for good: detach what is still there and wait until none is left. The
 * moment can be long: a pool that held a thousand subvolumes with quotas on kept its device busy for
 * over 5 s after the unmount on the 2-core CI machine, so the wait is bounded by time, not attempts.
 */
export async function detachLoopDevices(runner: CommandRunner, imagePath: string): Promise<void> {
  const deadline = Date.now() + LOOP_RELEASE_WAIT_MS;
  for (;;) {
    const { stdout } = await runner.run('losetup', ['--associated', imagePath, '--noheadings', '--output', 'NAME']);
    const devices = stdout.split('\n').map((line) => line.trim()).filter((line) => line !== '');
    if (devices.length === 0) return;
    if (Date.now() > deadline) throw new Error(`loop device(s) ${devices.join(', ')} still hold ${imagePath}`);
    for (const device of devices) {
      // It may be cleared by the kernel between the listing and this call: the next listing tells.
      await runner.run('losetup', ['--detach', device]).catch(() => undefined);
    }
    await sleep(250);
  }
}
