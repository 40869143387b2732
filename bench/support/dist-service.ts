/**
 * The service as operators run it: the built JavaScript (`node dist/src/cli/main.js serve`) in its own
 * process, so its RSS and start-up time are its own (dockerd, the pool and the load generator are outside).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildDistBundle, DIST_ENTRY } from '../../scripts/build-dist.js';
import type { CowsnapConfig } from '../../src/config/config.js';
import { registerTeardown } from '../../test/support/cleanup.js';
import { readNodeMemorySettings } from './node-memory-settings.js';

const ROOT = join(import.meta.dirname, '..', '..');
export const DIST_MAIN = join(ROOT, DIST_ENTRY);

/** Builds dist/ as `npm run build` does (the web console is not needed by these benches). */
export async function buildDist(): Promise<void> {
  await buildDistBundle(ROOT);
  if (!existsSync(DIST_MAIN)) throw new Error(`the build left no ${DIST_MAIN}`);
}


export async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${String(pid)}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 'NaN');
  return Math.round((kb / 1024) * 10) / 10;
}

/**
 * The benchmarks seed thousands of snapshots with one key, faster than the default per-key limit for
 * changing requests (600/min) allows; reads were never limited, so the figures do not change.
 */
const NO_RATE_LIMIT = { perMinute: 0, burst: 1 };

export interface DistService {
  readonly base: string;
  readonly pid: number;
  /** From spawn to the first 200 of GET /health (start-up recovery included). */
  readonly startupMs: number;
  stop(): Promise<void>;
}

/** Starts `node dist/src/cli/main.js serve` on `config` (written next to its state) and waits for /health. */
export async function startDistService(config: CowsnapConfig, port: number): Promise<DistService> {
  const configFile = join(config.stateDir, 'bench-config.json');
  await writeFile(configFile, JSON.stringify({ ...config, listen: `127.0.0.1:${String(port)}`, logLevel: 'warn', rateLimit: NO_RATE_LIMIT }));
  const started = performance.now();
  // COWSNAP_BENCH_CPU_PROF=<dir>: the service writes a V8 CPU profile there when it exits.
  const profile = process.env.COWSNAP_BENCH_CPU_PROF;
  // By default the service runs as systemd and the quick start run it: the flags and malloc settings of
  // systemd/node-memory.env. COWSNAP_BENCH_NODE_ARGS="--max-semi-space-size=2 ..." (even empty: node's
  // defaults) replaces them, for comparing settings; the bench's own environment (MALLOC_*) is inherited.
  // Flags go to the service only (NODE_OPTIONS would also change the bench's autocannon client).
  const override = process.env.COWSNAP_BENCH_NODE_ARGS;
  const installed = override === undefined ? readNodeMemorySettings() : { nodeArgs: override.split(' ').filter((arg) => arg !== ''), environment: {} };
  const nodeArgs = [...installed.nodeArgs, ...(profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profile}`])];
  // COWSNAP_BENCH_DIST_MAIN=<other checkout>/dist/src/cli/main.js: compare another build in the same run.
  const main = process.env.COWSNAP_BENCH_DIST_MAIN ?? DIST_MAIN;
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, main, '--config', configFile, 'serve'], {
    env: { ...process.env, ...installed.environment },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
  const registration = registerTeardown('bench dist service', async () => {
    child.kill('SIGTERM');
    await exited;
  }, () => child.kill('SIGKILL'));
  const base = `http://127.0.0.1:${String(port)}/api/v1`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the service exited with ${String(child.exitCode)} during start-up`);
    if (await fetch(`${base}/health`).then((r) => r.ok, () => false)) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { base, pid: child.pid ?? 0, startupMs: performance.now() - started, stop: () => registration.release() };
}
