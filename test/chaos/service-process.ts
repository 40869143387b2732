import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { StartupReport } from '../../src/core/startup-recovery.js';
import { registerTeardown } from '../support/cleanup.js';
import type { TickReply, TickRequest } from './chaos-service-main.js';

const ENTRY = fileURLToPath(new URL('./chaos-service-main.ts', import.meta.url));
/**
 * Inside the repository, so the bundle's external imports (better-sqlite3, ssh2) resolve to node_modules;
 * one per run, so two runs side by side never restart from a bundle the other is rewriting.
 */
const BUNDLE = fileURLToPath(new URL(`../../.cache/chaos/chaos-service-${String(process.pid)}.mjs`, import.meta.url));

/**
 * The service entry bundled once to one JavaScript file: a restart then costs ~0.6 s of CPU instead of a
 * TypeScript transpile of the whole service per kill (~3 s of CPU, 6 s and more on a loaded 2-core VM,
 * which would leave room for few kills in the CI run). Same source, same behaviour.
 */
export async function bundleServiceEntry(): Promise<string> {
  await build({
    entryPoints: [ENTRY],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Native modules stay outside; the rest is bundled, which halves the load time again (fewer files).
    external: ['better-sqlite3', 'ssh2', 'cpu-features', 'zstd-napi'],
    // Bundled CommonJS dependencies call require(); an ES module has none of its own.
    banner: { js: "import { createRequire as chaosCreateRequire } from 'node:module'; const require = chaosCreateRequire(import.meta.url);" },
    outfile: BUNDLE,
    logLevel: 'error',
  });
  return BUNDLE;
}

/** One life of the service process: started, answering, then SIGKILLed (or stopped at the end). */
export interface ServiceLife {
  readonly startup: StartupReport;
  readonly startMs: number;
  /** Scheduler run + reaper pass at virtual time `offsetMs`; undefined when the process died first. */
  tick(offsetMs: number): Promise<TickReply | undefined>;
  kill(): Promise<void>;
  stop(): Promise<void>;
  readonly alive: boolean;
}

let tickCounter = 0;

/**
 * The service's process group: the service and the btrfs/zfs/mount commands it runs. A SIGKILL hits the
 * service alone, as a crash does; the commands it was waiting for go on, as they do under systemd
 * (systemd/cowsnap.service, KillMode=mixed): the unit is restarted only once its control group is empty.
 * So the next life starts when the group is gone, and never races the last life's commands.
 */
function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits for the commands the killed service left running to end; SIGKILLs them after `capMs` (systemd: TimeoutStopSec). */
async function groupGone(pid: number | undefined, capMs = 30_000): Promise<void> {
  if (pid === undefined) return;
  const until = Date.now() + capMs;
  while (groupAlive(pid)) {
    if (Date.now() > until) killGroup(pid);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Starts the bundled chaos-service-main.ts with the config file; its log is appended to `logFile`. */
export async function startServiceLife(bundle: string, configFile: string, logFile: string, offsetMs: number): Promise<ServiceLife> {
  const started = Date.now();
  const log = openSync(logFile, 'a');
  const child: ChildProcess = spawn(process.execPath, [bundle, configFile], {
    env: { ...process.env, CHAOS_CLOCK_OFFSET_MS: String(offsetMs) },
    stdio: ['ignore', log, log, 'ipc'],
    detached: true,
  });
  closeSync(log);
  const registration = registerTeardown('chaos service process', () => Promise.resolve(), () => {
    killGroup(child.pid);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    resolve();
  })).then(() => groupGone(child.pid));
  void exited.then(() => registration.release());
  const ticks = new Map<number, (reply: TickReply | undefined) => void>();
  void exited.then(() => {
    for (const resolve of ticks.values()) resolve(undefined);
    ticks.clear();
  });
  const startup = await new Promise<StartupReport>((resolve, reject) => {
    let timedOut = false;
    // As systemd's TimeoutStartSec: a life that does not come up is killed, and the commands it left
    // running end, before anyone starts the next one (two lives recovering one state at once was seed 31's
    // second failed start).
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, 120_000);
    child.on('message', (message: { ready?: string; startup?: StartupReport; tickDone?: number }) => {
      if (message.ready !== undefined && message.startup !== undefined) {
        clearTimeout(timer);
        resolve(message.startup);
      } else if (message.tickDone !== undefined) {
        ticks.get(message.tickDone)?.(message as TickReply);
        ticks.delete(message.tickDone);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(timedOut ? `the service did not come up within 120 s (killed; log: ${logFile})` : `the service exited during start-up (code ${String(child.exitCode)}; log: ${logFile})`));
    });
  });
  const life: ServiceLife = {
    startup,
    startMs: Date.now() - started,
    get alive() {
      return child.exitCode === null && child.signalCode === null;
    },
    tick(offset) {
      if (!life.alive) return Promise.resolve(undefined);
      tickCounter += 1;
      const request: TickRequest = { tick: tickCounter, offsetMs: offset };
      const answer = new Promise<TickReply | undefined>((resolve) => ticks.set(request.tick, resolve));
      child.send(request, (error) => {
        if (error !== null) ticks.get(request.tick)?.(undefined);
      });
      return answer;
    },
    async kill() {
      if (life.alive) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (life.alive) child.kill('SIGTERM');
      await exited;
    },
  };
  return life;
}

/** Starts the service and SIGKILLs it after `afterMs`, ready or not: a kill in the middle of start-up recovery. */
export async function startAndKill(bundle: string, configFile: string, logFile: string, offsetMs: number, afterMs: number): Promise<void> {
  const log = openSync(logFile, 'a');
  const child = spawn(process.execPath, [bundle, configFile], {
    env: { ...process.env, CHAOS_CLOCK_OFFSET_MS: String(offsetMs) },
    stdio: ['ignore', log, log, 'ipc'],
    detached: true,
  });
  closeSync(log);
  const registration = registerTeardown('chaos service process', () => Promise.resolve(), () => {
    killGroup(child.pid);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    resolve();
  })).then(() => groupGone(child.pid));
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, afterMs))]);
  child.kill('SIGKILL');
  await exited;
  await registration.release();
}
