import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';

const MiB = 1024 * 1024;

/**
 * One MiB that looks like what containers hold: log and config lines (compressible, varying numbers
 * and words so zstd cannot cheat with one repeated line), or random bytes (already compressed media,
 * keys, packed archives).
 */
export function mixedMiB(index: number, randomShare = 0.5): Buffer {
  if ((index * 0.618033988749895) % 1 < randomShare) return randomBytes(MiB);
  const base = textBase();
  const offset = ((index * 7919) % 3001) * 1024;
  const block = Buffer.from(base.subarray(offset, offset + MiB));
  // A stamp every 4 KiB: no two blocks are equal, so repetition across blocks cannot flatter zstd.
  for (let at = 0; at < MiB; at += 4096) block.write(`#${String(index)}:${String(at)}#`, at, 'latin1');
  return block;
}

let cachedText: Buffer | undefined;

/** 4 MiB of log-like lines, made once (building lines per MiB made the generator the bottleneck). */
function textBase(): Buffer {
  if (cachedText !== undefined) return cachedText;
  const words = ['GET', 'POST', '/api/v1/orders', '/health', 'user', 'session', 'INFO', 'WARN', 'db', 'cache', 'miss', 'hit', 'latency_ms'];
  const lines: string[] = [];
  let size = 0;
  let seed = 17;
  const next = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed;
  };
  while (size < 4 * MiB) {
    const line = `2026-11-28T05:${String(next() % 60).padStart(2, '0')}:${String(next() % 60).padStart(2, '0')}.${String(next() % 1000)}Z ${words[next() % words.length] ?? ''} ${words[next() % words.length] ?? ''} id=${next().toString(16)} took=${String(next() % 5000)}ms\n`;
    lines.push(line);
    size += line.length;
  }
  cachedText = Buffer.from(lines.join('')).subarray(0, 4 * MiB);
  return cachedText;
}

/** Writes `mib` MiB of mixed data to `path`. */
export async function writeMixedFile(path: string, mib: number, randomShare = 0.5): Promise<void> {
  const handle = await open(path, 'w');
  try {
    for (let i = 0; i < mib; i += 1) await handle.write(mixedMiB(i, randomShare));
  } finally {
    await handle.close();
  }
}
