import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * `mkdir -p` that reports the real errno. Node's recursive mkdir turns a full filesystem (ENOSPC) into
 * ENOENT on some paths, which would read as "not found" instead of "pool full".
 */
export async function ensureDir(path: string): Promise<void> {
  try {
    await mkdir(path);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'EEXIST') return;
    if (code !== 'ENOENT' || dirname(path) === path) throw error;
    await ensureDir(dirname(path));
    await mkdir(path).catch((again: unknown) => {
      if ((again as { code?: string }).code !== 'EEXIST') throw again;
    });
  }
}
