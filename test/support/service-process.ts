import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerTeardown } from './cleanup.js';
import { TEST_TOKEN, testServiceConfig } from './cowsnap-service.js';
import type { TestDockerEngine } from './docker-engine.js';
import { freePort } from './free-port.js';

/** The service entry with a crash checkpoint (what `cowsnap serve` runs, plus COWSNAP_CRASH_AT). */
const ENTRY = fileURLToPath(new URL('./crash-service-main.ts', import.meta.url));

/**
 * The real service as its own process (crash-service-main.ts: `cowsnap serve` with a crash checkpoint),
 * so a test can kill it with SIGKILL at a named crash point (COWSNAP_CRASH_AT) and start it again on the
 * same database, as a host crash and reboot would.
 */
export interface ServiceProcess {
  /** Starts the service and waits until it answers; `crashAt` makes it kill itself there. */
  start(crashAt?: string): Promise<ChildProcess>;
  /** SIGTERM and wait (a clean shutdown). */
  stop(): Promise<void>;
  /** Resolves with the signal that ended the current process. */
  exited(): Promise<NodeJS.Signals | null>;
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
}


export async function serviceProcess(engine: TestDockerEngine): Promise<ServiceProcess> {
  const port = await freePort();
  const config = testServiceConfig(engine);
  const baseUrl = `http://127.0.0.1:${port}/api/v1`;
  const configFile = join(config.stateDir, 'config.json');
  await writeFile(configFile, JSON.stringify({ ...config, listen: `127.0.0.1:${port}` }));
  let child: ChildProcess | undefined;
  let exit: Promise<NodeJS.Signals | null> = Promise.resolve(null);

  return {
    async start(crashAt) {
      const env: NodeJS.ProcessEnv = { ...process.env, COWSNAP_LOG_LEVEL: 'warn' };
      if (crashAt !== undefined) env.COWSNAP_CRASH_AT = crashAt;
      else delete env.COWSNAP_CRASH_AT;
      const proc = spawn(process.execPath, ['--import', 'tsx', ENTRY, configFile], {
        env,
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      const registration = registerTeardown('cowsnap serve process', () => Promise.resolve(), () => proc.kill('SIGKILL'));
      exit = new Promise((resolve) => proc.once('exit', (_code, signal) => {
        void registration.release();
        resolve(signal);
      }));
      child = proc;
      for (let attempt = 0; attempt < 300; attempt += 1) {
        if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`cowsnap serve exited (${String(proc.exitCode ?? proc.signalCode)})`);
        const up = await fetch(`${baseUrl}/health`).then((r) => r.status < 500, () => false);
        if (up) return proc;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      throw new Error('cowsnap serve did not come up');
    },
    async stop() {
      if (child !== undefined && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exit;
      }
    },
    exited: () => exit,
    async api(method, path, body) {
      const headers: Record<string, string> = { authorization: `Bearer ${TEST_TOKEN}` };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const init: RequestInit = { method, headers };
      if (body !== undefined) init.body = JSON.stringify(body);
      const response = await fetch(`${baseUrl}${path}`, init);
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
  };
}
