/**
 * Issue #17 goal 5 in detail: the built service's RSS idle and under goal 2's loads (50 connections on
 * /health, one snapshot's GET and the list, limit 50) for several sets of Node/V8 flags, interleaved in
 * one run on the same data, each load next to the /health floor of the same start. With --report, one more
 * start per variant writes a breakdown after a full GC (heap used, external, code space, CommonJS modules
 * loaded at idle by package). As root:
 *   node --import tsx bench/memory-profile.ts [--variants='--max-semi-space-size=4;--max-semi-space-size=4 --v8-pool-size=1']
 *     [--rounds 2] [--seconds 5] [--snapshots 100] [--idle 3] [--late 10,45] [--after 20] [--report] [--no-build]
 * Variants are separated by ';' (an empty one is Node's defaults; MALLOC_*=value tokens set the service's environment;
 * `installed` is systemd/node-memory.env's settings, e.g. `installed --v8-pool-size=1`); a variant may start with `<dir>|` to run
 * another checkout's build (e.g. main's, for a before/after in one run: `/tmp/main|--max-semi-space-size=4`), or with
 * `<file>.js|` another entry file (e.g. a copy of an earlier build kept inside this checkout, so node_modules resolves:
 * `.cache/before/dist/src/cli/main.js|installed`).
 * The load average is printed beside every figure (a shared machine). Removes everything it made.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { TEST_TOKEN, testServiceConfig } from '../test/support/cowsnap-service.js';
import { createDockerEngine } from '../test/support/docker-engine.js';
import { freePort } from '../test/support/free-port.js';
import { buildDist, startDistService, type DistService } from './support/dist-service.js';
import { memoryReportNodeArgs } from './support/memory-report.js';
import { readNodeMemorySettings } from './support/node-memory-settings.js';
import { loadOf } from './support/perf-floors.js';
import { loadAverage } from './support/process-cpu.js';

const { values } = parseArgs({
  options: {
    variants: { type: 'string', default: 'installed' },
    rounds: { type: 'string', default: '1' },
    seconds: { type: 'string', default: '5' },
    snapshots: { type: 'string', default: '100' },
    report: { type: 'boolean', default: false },
    // Seconds after start-up before the idle RSS is read.
    idle: { type: 'string', default: '3' },
    // Seconds after start-up, without any request before, for more idle readings, comma-separated (e.g.
    // '10,45': after cowsnap's one GC at start-up + 6 s, after V8's memory reducer); 0 skips them.
    late: { type: 'string', default: '0' },
    // Seconds of quiet after the loads before RSS is read again (does it go back down?); 0 skips it.
    after: { type: 'string', default: '0' },
    'no-build': { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const variants = values.variants.split(';').map((variant) => variant.trim());
const MiB = 1024 * 1024;
const mib = (bytes: number): number => Math.round((bytes / MiB) * 10) / 10;

interface MemoryReport {
  readonly memory: NodeJS.MemoryUsage;
  readonly spaces: Record<string, { used: number; size: number; physical: number }>;
  readonly cjs: string[];
}

/** Starts the service with `nodeArgs` (COWSNAP_BENCH_NODE_ARGS is read by startDistService). */
async function start(config: ReturnType<typeof testServiceConfig>, port: number, variant: string): Promise<DistService> {
  const [root, args] = variant.includes('|') ? (variant.split('|') as [string, string]) : [undefined, variant];
  // NAME=value tokens (e.g. MALLOC_ARENA_MAX=2) go to the service's environment, the rest to node; the
  // token `installed` stands for systemd/node-memory.env's settings (as systemd and the quick start run it).
  const installed = readNodeMemorySettings();
  const tokens = args
    .split(' ')
    .filter((token) => token !== '')
    .flatMap((token) => (token === 'installed' ? [...installed.nodeArgs, ...Object.entries(installed.environment).map(([name, value]) => `${name}=${value}`)] : [token]));
  for (const name of Object.keys(process.env)) if (name.startsWith('MALLOC_')) Reflect.deleteProperty(process.env, name);
  for (const token of tokens.filter((t) => /^[A-Z_]+=/.test(t))) process.env[token.slice(0, token.indexOf('='))] = token.slice(token.indexOf('=') + 1);
  process.env.COWSNAP_BENCH_NODE_ARGS = tokens.filter((t) => !/^[A-Z_]+=/.test(t)).join(' ');
  if (root === undefined) delete process.env.COWSNAP_BENCH_DIST_MAIN;
  else process.env.COWSNAP_BENCH_DIST_MAIN = /\.m?js$/.test(root) ? resolve(root) : join(root, 'dist', 'src', 'cli', 'main.js');
  return startDistService(config, port);
}

/** RSS with its anonymous and file-backed parts (`/proc/<pid>/status`), e.g. "95.1 MiB (51.2 + 43.9)". */
async function rssParts(pid: number): Promise<string> {
  const status = await readFile(`/proc/${String(pid)}/status`, 'utf8');
  const field = (name: string): number => Math.round((Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 'NaN') / 1024) * 10) / 10;
  return `${String(field('VmRSS'))} MiB (${String(field('RssAnon'))} + ${String(field('RssFile'))})`;
}

const settle = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Packages by CommonJS files loaded (node_modules/<pkg>/... or @scope/pkg). */
function byPackage(files: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const file of files) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(file);
    const name = match?.[1] ?? '(own)';
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]).map(([name, n]) => `${name} ${String(n)}`).join(', ');
}

async function report(config: ReturnType<typeof testServiceConfig>, port: number, variant: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'cowsnap-memory-'));
  process.env.COWSNAP_MEMORY_REPORT = join(dir, 'report.json');
  const probe = memoryReportNodeArgs();
  const withProbe = variant.includes('|') ? variant.replace('|', `|${probe} `) : `${probe} ${variant}`;
  const service = await start(config, port, withProbe);
  try {
    await settle(3000);
    process.kill(service.pid, 'SIGUSR2');
    await settle(1000);
    const found = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as MemoryReport;
    const { memory, spaces } = found;
    const code = spaces.code_space?.used ?? 0;
    console.log(
      `[report "${variant}"] after a full GC: RSS ${String(mib(memory.rss))} MiB, heap used ${String(mib(memory.heapUsed))} / total ${String(mib(memory.heapTotal))}, ` +
        `external ${String(mib(memory.external))} (array buffers ${String(mib(memory.arrayBuffers))}), code space ${String(mib(code))}, load ${String(loadAverage())}`,
    );
    console.log(`  heap spaces (used/physical MiB): ${Object.entries(spaces).map(([name, s]) => `${name} ${String(mib(s.used))}/${String(mib(s.physical))}`).join(', ')}`);
    console.log(`  CommonJS files loaded: ${String(found.cjs.length)}: ${byPackage(found.cjs)}`);
  } finally {
    await service.stop();
    delete process.env.COWSNAP_MEMORY_REPORT;
    await rm(dir, { recursive: true, force: true });
  }
}

const engine = await createDockerEngine();
const config = testServiceConfig(engine);
const port = await freePort();
try {
  if (!values['no-build']) await buildDist();
  const headers = { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' };
  let first = '';
  const seeding = await start(config, port, '');
  try {
    const container = await engine.docker.createContainer({ Image: engine.image, Cmd: ['sleep', '100000'], name: 'loaded' });
    await container.start();
    for (let i = 0; i < Number(values.snapshots); i += 1) {
      const response = await fetch(`${seeding.base}/containers/loaded/snapshots`, { method: 'POST', headers, body: '{}' });
      const body = (await response.json()) as { data: { snapshot: { name: string } } };
      if (i === 0) first = body.data.snapshot.name;
    }
  } finally {
    await seeding.stop();
  }
  const after = Number(values.after);
  const lates = values.late.split(',').map(Number).filter((at) => at > 0);
  console.log(`| variant | round | idle RSS (anon + file) | RSS ${lates.join(' / ')} s after start | /health req/s | GET req/s (÷ /health) | list req/s (÷ /health) | GET / list p99 | GET / list CPU µs per request | peak RSS | RSS ${String(after)} s after (anon + file) | load |`);
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (let round = 1; round <= Number(values.rounds); round += 1) {
    for (const variant of variants) {
      const service = await start(config, port, variant);
      try {
        await settle(Number(values.idle) * 1000);
        const idle = await rssParts(service.pid);
        const lateIdle: string[] = [];
        let waited = Number(values.idle);
        for (const at of lates) {
          await settle((at - waited) * 1000);
          waited = at;
          lateIdle.push(await rssParts(service.pid));
        }
        const health = await loadOf(`${service.base}/health`, seconds, service.pid);
        const get = await loadOf(`${service.base}/containers/loaded/snapshots/${first}`, seconds, service.pid, TEST_TOKEN);
        const list = await loadOf(`${service.base}/containers/loaded/snapshots?limit=50`, seconds, service.pid, TEST_TOKEN);
        const errors = health.errors + get.errors + list.errors;
        const ratio = (value: number): string => (value / health.requestsPerSec).toFixed(2);
        const peak = Math.max(health.peakRssMiB, get.peakRssMiB, list.peakRssMiB);
        let quiet = '';
        if (after > 0) {
          await settle(after * 1000);
          quiet = await rssParts(service.pid);
        }
        console.log(
          `| \`${variant === '' ? '(defaults)' : variant}\` | ${String(round)} | ${idle} | ${lateIdle.join(' / ')} | ${String(Math.round(health.requestsPerSec))} | ` +
            `${String(Math.round(get.requestsPerSec))} (${ratio(get.requestsPerSec)}) | ${String(Math.round(list.requestsPerSec))} (${ratio(list.requestsPerSec)}) | ` +
            `${String(get.p99)} / ${String(list.p99)} ms | ${String(get.cpuMicrosPerRequest)} / ${String(list.cpuMicrosPerRequest)} | ${String(peak)} MiB${errors > 0 ? ` (${String(errors)} errors)` : ''} | ${quiet} | ${String(loadAverage())} |`,
        );
      } finally {
        await service.stop();
      }
    }
  }
  if (values.report) for (const variant of variants) await report(config, port, variant);
} finally {
  await engine.destroy();
  await rm(config.stateDir, { recursive: true, force: true });
}
