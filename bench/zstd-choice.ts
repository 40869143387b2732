/**
 * Which zstd to use in the remote pipeline: the Debian `zstd` tool as a child process, or the
 * zstd-napi binding in-process. Compresses the same ~1 GiB of mixed data (half log-like text, half
 * random) at levels 1 and 3, each way, and reports MiB/s, ratio and the CPU time of this process.
 *   node --import tsx bench/zstd-choice.ts [--mib 1024]
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CompressStream } from 'zstd-napi';
import { writeMixedFile } from './support/mixed-data.js';
import { writeResults } from './support/results.js';

const MiB = 1024 * 1024;
const mib = Number(process.argv[process.argv.indexOf('--mib') + 1] ?? 1024) || 1024;

function counter(): { sink: Writable; bytes: () => number } {
  let bytes = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      callback();
    },
  });
  return { sink, bytes: () => bytes };
}

async function viaCli(file: string, level: number): Promise<number> {
  const child = spawn('zstd', [`-${String(level)}`, '-c', '-q'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const out = counter();
  const exited = new Promise<void>((resolve, reject) => child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`zstd exited ${String(code)}`)))));
  await Promise.all([pipeline(createReadStream(file, { highWaterMark: 4 * MiB }), child.stdin), pipeline(child.stdout, out.sink), exited]);
  return out.bytes();
}

async function viaBinding(file: string, level: number): Promise<number> {
  const out = counter();
  await pipeline(createReadStream(file, { highWaterMark: 4 * MiB }), new CompressStream({ compressionLevel: level }), out.sink);
  return out.bytes();
}

const dir = await mkdtemp(join(tmpdir(), 'cowsnap-zstd-bench-'));
try {
  const file = join(dir, 'mixed.bin');
  await writeMixedFile(file, mib);
  const figures: Record<string, unknown>[] = [];
  for (const level of [1, 3]) {
    for (const [name, run] of [['zstd CLI (child process)', viaCli], ['zstd-napi (in-process)', viaBinding]] as const) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const stored = await run(file, level);
      const seconds = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const row = {
        way: name,
        level,
        mibPerSecond: Math.round((mib / seconds) * 10) / 10,
        ratio: Math.round((mib * MiB / stored) * 100) / 100,
        nodeCpuSeconds: Math.round(((cpu.user + cpu.system) / 1e6) * 10) / 10,
        seconds: Math.round(seconds * 10) / 10,
      };
      figures.push(row);
      console.log(JSON.stringify(row));
    }
  }
  console.log(`results: ${await writeResults('zstd-choice', { mib, figures })}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
