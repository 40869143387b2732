import { mkdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** All test resources live below this folder, so a sweep and a leak check can find them by path. */
export const TEST_ROOT = process.env.COWSNAP_TEST_ROOT ?? join(tmpdir(), 'cowsnap-test');

/** Pools created by tests carry this prefix, so leftovers can be told from anything else on the machine. */
export const ZPOOL_PREFIX = 'cowsnaptest';

let processDir: string | undefined;
let counter = 0;

/** This test process's own folder: `p<pid>`; the sweep removes it once the pid is gone. */
export function testProcessDir(): string {
  if (processDir === undefined) {
    processDir = join(TEST_ROOT, `p${process.pid}`);
    mkdirSync(processDir, { recursive: true });
    writeFileSync(join(processDir, 'owner'), `${process.pid}\n${process.argv.slice(1).join(' ')}\n`);
    // Tests that never register a teardown still leave no folder; a non-empty one stays for the leak check.
    const dir = processDir;
    process.once('exit', () => {
      rmSync(join(dir, 'owner'), { force: true });
      try {
        rmdirSync(dir);
      } catch {
        // Not empty: teardowns (or the leak check) deal with what is left.
      }
    });
  }
  return processDir;
}

/** A fresh, unique folder for one resource. */
export function scratchDir(kind: string): string {
  counter += 1;
  const dir = join(testProcessDir(), `${kind}-${counter}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function uniqueZpoolName(): string {
  counter += 1;
  return `${ZPOOL_PREFIX}-${process.pid}-${counter}`;
}

/** This process's folder if it made one (never creates it). */
export function existingTestProcessDir(): string | undefined {
  return processDir;
}

/** Called last at process exit, after every teardown ran: the folder should hold only the owner file. */
export function removeTestProcessDir(): void {
  if (processDir !== undefined) rmSync(processDir, { recursive: true, force: true });
}
