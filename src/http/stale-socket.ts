/**
 * A unix socket file left by a crash makes listen() fail with EADDRINUSE, so it is removed first — but
 * only when it is a socket: a misconfigured `listen` pointing at the database, a config file or a
 * symlink must never delete that file.
 */
import { lstat, rm } from 'node:fs/promises';

export async function removeStaleSocket(path: string): Promise<void> {
  let stats;
  try {
    stats = await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (!stats.isSocket()) {
    throw new Error(`listen: ${path} exists and is not a unix socket; refusing to remove it (choose another socket path)`);
  }
  await rm(path, { force: true });
}
