import { mkdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { machineInfo } from './machine.js';

/** Writes bench/results/<date>-<host>-<name>.json with the machine beside the figures. */
export async function writeResults(name: string, figures: unknown): Promise<string> {
  const dir = join(import.meta.dirname, '..', 'results');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${new Date().toISOString().slice(0, 10)}-${hostname()}-${name}.json`);
  await writeFile(file, `${JSON.stringify({ machine: machineInfo(), figures }, null, 2)}\n`);
  return file;
}
