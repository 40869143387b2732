import { mkdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { machineInfo } from './machine.js';

/** Writes bench/results/<date>T<hhmm>-<host>-<name>.json with the machine beside the figures. */
export async function writeResults(name: string, figures: unknown): Promise<string> {
  const dir = join(import.meta.dirname, '..', 'results');
  await mkdir(dir, { recursive: true });
  // Date and time in the name: a second run the same day must not overwrite the first.
  const stamp = new Date().toISOString().slice(0, 16).replace(':', '');
  const file = join(dir, `${stamp}-${hostname()}-${name}.json`);
  await writeFile(file, `${JSON.stringify({ machine: machineInfo(), figures }, null, 2)}\n`);
  return file;
}
