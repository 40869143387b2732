/**
 * Do many event-stream clients slow the API? On the real service (private dockerd on a loop btrfs pool,
 * SQLite, HTTP):
 *   node --import tsx bench/sse-subscribers.ts [--subscribers 100] [--rounds 60]
 * Measures, with no subscriber and then with `subscribers` SSE clients connected (in a child process, each
 * receiving every event): GET /health, a snapshot list, and snapshot create (each create emits two events
 * that go to every client), one after another for `rounds` rounds; and how long after a create answered
 * the last client had its `succeeded` event. Everything it starts is torn down, also on Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { machineInfo } from './support/machine.js';
import { writeResults } from './support/results.js';
import { summarize, timed, type Summary } from './support/stats.js';
import { startTestService, type TestService } from '../test/support/cowsnap-service.js';
import { createDockerEngine } from '../test/support/docker-engine.js';

interface Phase {
  readonly health: Summary;
  readonly list: Summary;
  readonly create: Summary;
  readonly lastClientLagMs?: Summary;
}

async function ok(response: Promise<{ status: number; body: unknown }>, expected: number): Promise<void> {
  const { status, body } = await response;
  if (status !== expected) throw new Error(`answered ${String(status)}: ${JSON.stringify(body)}`);
}

async function phase(service: TestService, rounds: number, lagOf?: (createdAt: number) => Promise<number>): Promise<Phase> {
  const health: number[] = [];
  const list: number[] = [];
  const create: number[] = [];
  const lags: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    health.push(await timed(() => ok(service.api('GET', '/health'), 200)));
    list.push(await timed(() => ok(service.api('GET', '/containers/bench/snapshots?limit=20'), 200)));
    create.push(await timed(() => ok(service.api('POST', '/containers/bench/snapshots', {}), 201)));
    if (lagOf !== undefined) lags.push(await lagOf(Date.now()));
  }
  return { health: summarize(health), list: summarize(list), create: summarize(create), ...(lagOf !== undefined && { lastClientLagMs: summarize(lags) }) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { subscribers: { type: 'string', default: '100' }, rounds: { type: 'string', default: '60' } } });
  const subscribers = Number(values.subscribers);
  const rounds = Number(values.rounds);
  const engine = await createDockerEngine();
  const service = await startTestService({ engine });
  try {
    const container = await engine.docker.createContainer({ Image: engine.image, Cmd: ['sleep', '100000'], name: 'bench' });
    await container.start();
    await phase(service, 5); // warm-up
    const without = await phase(service, rounds);

    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/support/sse-subscribers-child.ts', service.url, service.token, String(subscribers)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout });
    // Lines may come before they are asked for (an event can reach the clients before the create answers).
    const queued: Record<string, unknown>[] = [];
    const waiting: ((line: Record<string, unknown>) => void)[] = [];
    lines.on('line', (line) => {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      const waiter = waiting.shift();
      if (waiter === undefined) queued.push(parsed);
      else waiter(parsed);
    });
    const next = (): Promise<Record<string, unknown>> => {
      const line = queued.shift();
      return line === undefined ? new Promise((resolve) => waiting.push(resolve)) : Promise.resolve(line);
    };
    await next(); // all connected
    // The create answered at `createdAt`; the child says when its last client got the succeeded event.
    const lagOf = async (createdAt: number): Promise<number> => {
      const line = await next();
      return Math.max(0, Number(line['at']) - createdAt);
    };
    const withSubscribers = await phase(service, rounds, lagOf);
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));

    const figures = { machine: machineInfo(), subscribers, rounds, without, withSubscribers };
    console.log(JSON.stringify(figures, null, 2));
    console.log(`results: ${await writeResults('sse-subscribers', figures)}`);
  } finally {
    await service.close();
    await engine.destroy();
  }
}

await main();
