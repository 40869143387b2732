/**
 * A preload for the service in bench/memory-profile.ts: on SIGUSR2 it writes, after a full GC (the service
 * runs with --expose-gc), process.memoryUsage(), V8's heap spaces and the CommonJS modules loaded so far
 * (every npm dependency the service loads at idle is CommonJS) to the file named by COWSNAP_MEMORY_REPORT.
 * Handed to node as a data: URL (`--import data:text/javascript,...`) so the measured process runs plain
 * JavaScript, without tsx and its loader thread.
 */
const PRELOAD = `
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { getHeapSpaceStatistics } from 'node:v8';
const target = process.env.COWSNAP_MEMORY_REPORT;
const require = createRequire(process.cwd() + '/');
if (target !== undefined) {
  process.on('SIGUSR2', () => {
    if (typeof globalThis.gc === 'function') globalThis.gc();
    const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, { used: s.space_used_size, size: s.space_size, physical: s.physical_space_size }]));
    writeFileSync(target, JSON.stringify({ memory: process.memoryUsage(), spaces, cjs: Object.keys(require.cache) }));
  });
}
`;

/** Node arguments that install the preload (one token each, no spaces: the bench splits on spaces). */
export function memoryReportNodeArgs(): string {
  return `--expose-gc --import=data:text/javascript,${encodeURIComponent(PRELOAD)}`;
}
