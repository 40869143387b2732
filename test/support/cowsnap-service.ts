import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import type { CowsnapConfig, PoolConfig } from '../../src/config/config.js';
import { ManualClock } from '../../src/core/clock.js';
import { startService, type RunningService, type ServiceOptions } from '../../src/service.js';
import type { TestDockerEngine } from './docker-engine.js';
import { registerTeardown } from './cleanup.js';
import { scratchDir } from './scratch.js';
import type { TestZfsPool } from './zfs-pool.js';

export interface ApiResponse {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers: Headers;
}

export interface TestService {
  readonly url: string;
  readonly token: string;
  readonly clock: ManualClock;
  readonly running: RunningService;
  readonly config: CowsnapConfig;
  /** A JSON request to /api/v1 with the token (or `token: null` for none, a string for a wrong one). */
  api(method: string, path: string, body?: unknown, options?: { token?: string | null }): Promise<ApiResponse>;
  /** A request with a raw body and content type, for malformed input. */
  raw(method: string, path: string, body: string, contentType: string): Promise<ApiResponse>;
  close(): Promise<void>;
}

export const TEST_TOKEN = 'test-token-0123456789abcdef';

/** The configuration a test service runs with: the engine's pool (Docker's data root) and an optional ZFS pool. */
export function testServiceConfig(engine: TestDockerEngine, zfsPool?: TestZfsPool): CowsnapConfig {
  const state = scratchDir('service');
  const pools: PoolConfig[] = [{ id: 'docker-pool', driver: 'btrfs', path: engine.pool.mountPoint }];
  if (zfsPool !== undefined) pools.push({ id: 'tank', driver: 'zfs', dataset: zfsPool.name });
  return {
    listen: { host: '127.0.0.1', port: 0 },
    stateDir: state,
    databasePath: join(state, 'cowsnap.db'),
    keyFile: join(state, 'secret.key'),
    tokenFile: join(state, 'token'),
    token: TEST_TOKEN,
    dockerSocket: engine.socketPath,
    pools,
    remotes: [],
    reaperSchedule: '* * * * *',
    stopTimeoutSeconds: 2,
    logLevel: 'silent',
  };
}

/** The real service (real SQLite, drivers, Docker, HTTP on 127.0.0.1) started in this process. */
export async function startTestService(options: {
  engine: TestDockerEngine;
  zfsPool?: TestZfsPool;
  clock?: ManualClock;
  config?: CowsnapConfig;
  /** More service options (e.g. reaper tuning); clock and a zero lock wait are set here. */
  serviceOptions?: Omit<ServiceOptions, 'clock'>;
}): Promise<TestService> {
  const clock = options.clock ?? new ManualClock(new Date());
  const config = options.config ?? testServiceConfig(options.engine, options.zfsPool);
  const logger = pino({ level: process.env.COWSNAP_TEST_LOG ?? 'silent' });
  const running = await startService(config, logger, { lockWaitMs: 0, ...options.serviceOptions, clock });
  const registration = registerTeardown(
    `cowsnap service ${running.url}`,
    async () => {
      await running.close();
      await rm(config.stateDir, { recursive: true, force: true });
    },
    () => undefined,
  );
  const request = async (method: string, path: string, body: string | undefined, headers: Record<string, string>): Promise<ApiResponse> => {
    const init: RequestInit = { method, headers };
    if (body !== undefined) init.body = body;
    const response = await fetch(`${running.url}/api/v1${path}`, init);
    const text = await response.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      parsed = { text };
    }
    return { status: response.status, body: parsed, headers: response.headers };
  };
  return {
    url: running.url,
    token: running.token,
    clock,
    running,
    config,
    api(method, path, body, apiOptions = {}) {
      const headers: Record<string, string> = {};
      const token = apiOptions.token === undefined ? running.token : apiOptions.token;
      if (token !== null) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      return request(method, path, body === undefined ? undefined : JSON.stringify(body), headers);
    },
    raw(method, path, body, contentType) {
      return request(method, path, body, { authorization: `Bearer ${running.token}`, 'content-type': contentType });
    },
    close: () => registration.release(),
  };
}
