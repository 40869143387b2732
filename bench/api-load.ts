/**
 * Case 6: API throughput and latency under 50 connections (autocannon) for list and get, and the
 * service's memory (RSS) idle and under that load. The service runs as its own process (`cowsnap serve`),
 * so the RSS is its own; dockerd, the pool and the load generator are outside it.
 *   node --import tsx bench/api-load.ts [--seconds 10] [--snapshots 100]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { TEST_TOKEN, testServiceConfig } from '../test/support/cowsnap-service.js';
import { registerTeardown } from '../test/support/cleanup.js';
import { createDockerEngine } from '../test/support/docker-engine.js';
import { writeResults } from './support/results.js';
import { freePort } from '../test/support/free-port.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, snapshots: { type: 'string', default: '100' } } });
const seconds = Number(values.seconds);


async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 'NaN');
  return Math.round((kb / 1024) * 10) / 10;
}

async function load(url: string): Promise<{ requestsPerSec: number; p50: number; p99: number; errors: number; peakRssMiB: number }> {
  let peak = 0;
  const pid = service.pid ?? 0;
  const sampler = setInterval(() => {
    void rssMiB(pid).then((value) => (peak = Math.max(peak, value)));
  }, 200);
  const result = await autocannon({ url, connections: 50, duration: seconds, headers: { authorization: `Bearer ${TEST_TOKEN}` } });
  clearInterval(sampler);
  return {
    requestsPerSec: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
    peakRssMiB: peak,
  };
}

const engine = await createDockerEngine();
const port = await freePort();
const config = testServiceConfig(engine);
const configFile = join(config.stateDir, 'config.json');
await writeFile(configFile, JSON.stringify({ ...config, listen: `127.0.0.1:${port}`, logLevel: 'warn' }));
const service: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--config', configFile, 'serve'], { stdio: 'inherit' });
const registration = registerTeardown('bench service', () => Promise.resolve(), () => service.kill('SIGKILL'));
const base = `http://127.0.0.1:${port}/api/v1`;
try {
  for (let i = 0; i < 150 && !(await fetch(`${base}/health`).then((r) => r.ok, () => false)); i += 1) await new Promise((r) => setTimeout(r, 200));
  const container = await engine.docker.createContainer({ Image: engine.image, Cmd: ['sleep', '100000'], name: 'loaded' });
  await container.start();
  let first = '';
  for (let i = 0; i < Number(values.snapshots); i += 1) {
    const response = await fetch(`${base}/containers/loaded/snapshots`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
      body: '{}',
    });
    const body = (await response.json()) as { data: { snapshot: { name: string } } };
    if (i === 0) first = body.data.snapshot.name;
  }
  await new Promise((r) => setTimeout(r, 2000));
  const idleRss = await rssMiB(service.pid ?? 0);
  const list = await load(`${base}/containers/loaded/snapshots?limit=50`);
  const get = await load(`${base}/containers/loaded/snapshots/${first}`);
  const figures = { connections: 50, seconds, snapshots: Number(values.snapshots), idleRssMiB: idleRss, list, get };
  console.log(JSON.stringify(figures, null, 2));
  console.log(`results: ${await writeResults('api-load', figures)}`);
} finally {
  service.kill('SIGTERM');
  await new Promise((resolve) => service.once('exit', resolve));
  await registration.release();
  await engine.destroy();
}
