/**
 * The service's own CPU time per request on the read paths (issue #17, goal 2): /health, one snapshot's
 * GET and the list (limit 50), `--requests` each at 50 connections, from the service's utime + stime in
 * /proc. Unlike req/s this hardly depends on what else the shared 2-core machine runs, so two builds or
 * settings can be compared in one sitting (COWSNAP_BENCH_DIST_MAIN=<other>/dist/src/cli/main.js for another
 * build, COWSNAP_LIST_CACHE_PAGES=0 for the uncached list). As root:
 *   node --import tsx bench/read-cpu.ts [--requests 3000] [--snapshots 100] [--no-build]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { TEST_TOKEN } from '../test/support/cowsnap-service.js';
import { LOADED_CONTAINER, withLoadedReadService } from './support/loaded-read-service.js';
import { loadAverage } from './support/process-cpu.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '3000' }, snapshots: { type: 'string', default: '100' }, 'no-build': { type: 'boolean', default: false } } });
const requests = Number(values.requests);

/** utime + stime of `pid` in clock ticks (100 a second). */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

await withLoadedReadService({ build: !values['no-build'], snapshots: Number(values.snapshots) }, async ({ service, firstSnapshot }) => {
  const cases = [
    ['/health', `${service.base}/health`, false],
    ['GET one', `${service.base}/containers/${LOADED_CONTAINER}/snapshots/${firstSnapshot}`, true],
    ['list 50', `${service.base}/containers/${LOADED_CONTAINER}/snapshots?limit=50`, true],
  ] as const;
  for (const [what, url, auth] of cases) {
    // A warm-up of a tenth, then the timed requests.
    await autocannon({ url, connections: 50, amount: Math.ceil(requests / 10), headers: auth ? { authorization: `Bearer ${TEST_TOKEN}` } : {} });
    const before = cpuTicks(service.pid);
    const result = await autocannon({ url, connections: 50, amount: requests, headers: auth ? { authorization: `Bearer ${TEST_TOKEN}` } : {} });
    const microseconds = ((cpuTicks(service.pid) - before) * 10_000) / requests;
    console.log(`${what}: ${String(Math.round(microseconds))} µs of service CPU a request (${String(requests)} requests, ${String(Math.round(result.requests.average))} req/s, errors ${String(result.errors + result.non2xx)}), load ${String(loadAverage())}`);
  }
});
