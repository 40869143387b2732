import { randomBytes } from 'node:crypto';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const MiB = 1024 * 1024;

/** Random (incompressible) data in one file, written in 4 MiB chunks. */
export async function writeRandomFile(path: string, bytes: number): Promise<void> {
  const handle = await open(path, 'w');
  try {
    for (let written = 0; written < bytes; written += 4 * MiB) {
      await handle.write(randomBytes(Math.min(4 * MiB, bytes - written)));
    }
  } finally {
    await handle.close();
  }
}

/** `count` small files of 1 KiB in folders of 100, like a package tree. */
export async function writeSmallFiles(root: string, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    const dir = join(root, `d${Math.floor(i / 100)}`);
    if (i % 100 === 0) await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `f${i}`), randomBytes(1024));
  }
}
