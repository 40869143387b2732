/** A cowsnap HTTP app over fake services, with its log lines captured in memory. */
import { Writable } from 'node:stream';
import pino from 'pino';
import supertest from 'supertest';
import { createApp, type AppDeps, type CowsnapApp } from '../../../src/http/app.js';
import { FakeServices } from './fake-services.js';

export const TOKEN = 'test-token-0123456789abcdef';
export const AUTH = { Authorization: `Bearer ${TOKEN}` };

export interface TestApp {
  readonly app: CowsnapApp;
  readonly services: FakeServices;
  readonly logs: Record<string, unknown>[];
  readonly http: ReturnType<typeof supertest>;
}

export function testApp(options: Partial<Pick<AppDeps, 'health' | 'metricsRegistry' | 'extraRoutes'>> = {}): TestApp {
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const services = new FakeServices();
  const app = createApp({
    snapshots: services.snapshots,
    containers: services.containers,
    token: TOKEN,
    logger: pino({ level: 'debug' }, sink),
    ...options,
  });
  return { app, services, logs, http: supertest(app.callback()) };
}
