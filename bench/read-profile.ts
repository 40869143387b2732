/**
 * A quick look at the read paths of the built service (issue #17, goal 2) with a CPU profile: one
 * container, `--snapshots` snapshots, then autocannon on /health, one snapshot's GET and the list (limit
 * 50), /metrics scraped in sequence, idle RSS; the service's V8 profile summarised by self time. As root:
 *   node --import tsx bench/read-profile.ts [--seconds 5] [--snapshots 100] [--no-build] [--no-profile]
 * Short on purpose (a shared machine); the load average is printed beside every figure. Removes all it made.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { TEST_TOKEN } from '../test/support/cowsnap-service.js';
import { rssMiB } from './support/dist-service.js';
import { LOADED_CONTAINER, withLoadedReadService } from './support/loaded-read-service.js';
import { loadOf } from './support/perf-floors.js';
import { loadAverage } from './support/process-cpu.js';
import { summarize, timed } from './support/stats.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    snapshots: { type: 'string', default: '100' },
    'no-build': { type: 'boolean', default: false },
    'no-profile': { type: 'boolean', default: false },
    /** Which loads to run: health, get, list. */
    cases: { type: 'string', default: 'health,get,list' },
  },
});
const seconds = Number(values.seconds);

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
  readonly children?: number[];
}
interface Profile {
  readonly nodes: ProfileNode[];
  readonly samples: number[];
}

/** Self time by function (top 40) and by package, as shares of all samples. */
function summariseProfile(profile: Profile): void {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  const byPackage = new Map<string, number>();
  for (const id of profile.samples) {
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined) continue;
    const where = frame.url.replace(/^file:\/\//, '').replace(/^.*node_modules\//, 'nm:').replace(/^.*\/dist\//, '');
    const key = `${frame.functionName || '(anonymous)'} ${where}:${String(frame.lineNumber + 1)}`;
    self.set(key, (self.get(key) ?? 0) + 1);
    const pkg = where.startsWith('nm:') ? where.split('/').slice(0, where.startsWith('nm:@') ? 2 : 1).join('/') : where === '' ? frame.functionName : where.split('/').slice(0, 2).join('/');
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + 1);
  }
  const total = profile.samples.length;
  const show = (map: Map<string, number>, count: number): void => {
    for (const [key, n] of [...map].sort((a, b) => b[1] - a[1]).slice(0, count)) console.log(`${((100 * n) / total).toFixed(1).padStart(5)}%  ${key}`);
  };
  console.log('\n-- self time by package/file --');
  show(byPackage, 30);
  console.log('\n-- self time by function --');
  show(self, 40);
}

const profileDir = values['no-profile'] ? undefined : await mkdtemp(join(tmpdir(), 'cowsnap-read-profile-'));
if (profileDir !== undefined) process.env.COWSNAP_BENCH_CPU_PROF = profileDir;
try {
  await withLoadedReadService({ build: !values['no-build'], snapshots: Number(values.snapshots) }, async ({ service, firstSnapshot, createMs }) => {
    const headers = { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' };
    console.log(`create p50 ${String(summarize(createMs).p50)} ms (n=${String(createMs.length)}), load ${String(loadAverage())}`);
    console.log(`idle RSS ${String(await rssMiB(service.pid))} MiB, load ${String(loadAverage())}`);
    const cases = [
      ['health', '/health', `${service.base}/health`, undefined],
      ['get', 'GET one', `${service.base}/containers/${LOADED_CONTAINER}/snapshots/${firstSnapshot}`, TEST_TOKEN],
      ['list', 'list 50', `${service.base}/containers/${LOADED_CONTAINER}/snapshots?limit=50`, TEST_TOKEN],
    ] as const;
    const chosen = values.cases.split(',');
    for (const [key, what, url, token] of cases) {
      if (!chosen.includes(key)) continue;
      const figures = await loadOf(url, seconds, service.pid, token);
      console.log(`${what}: ${String(Math.round(figures.requestsPerSec))} req/s, p50 ${String(figures.p50)} p99 ${String(figures.p99)} ms, errors ${String(figures.errors)}, peak RSS ${String(figures.peakRssMiB)} MiB, load ${String(loadAverage())}`);
    }
    const metricsUrl = service.base.replace(/\/api\/v1$/, '/metrics');
    const scrapes: number[] = [];
    const healths: number[] = [];
    for (let i = 0; i < 50; i += 1) {
      scrapes.push(await timed(() => fetch(metricsUrl, { headers }).then((r) => r.text())));
      healths.push(await timed(() => fetch(`${service.base}/health`).then((r) => r.text())));
    }
    console.log(`/metrics p50 ${String(summarize(scrapes).p50)} ms (/health ${String(summarize(healths).p50)} ms), load ${String(loadAverage())}`);
  });
  // The service wrote its profile when it stopped.
  if (profileDir !== undefined) {
    const [file] = (await readdir(profileDir)).filter((name) => name.endsWith('.cpuprofile'));
    if (file !== undefined) summariseProfile(JSON.parse(await readFile(join(profileDir, file), 'utf8')) as Profile);
  }
} finally {
  if (profileDir !== undefined) await rm(profileDir, { recursive: true, force: true });
}
