/**
 * zstd for the remote pipeline: the Debian `zstd` tool as a child process (child-process-stage.ts). On the
 * 2-core machine the zstd-napi binding did the same level-3 work in Node's main thread at ~2× the CPU the
 * tool needs, in series with encryption and HTTP; the tool runs beside them on the other core
 * (bench/README.md, "Replica push: CPU spread over both cores"). The output is plain zstd frames: streams
 * written by the binding before decode here, and the other way round (test/unit/zstd-streams.test.ts).
 * No frame checksum: every byte is already covered by the AES-GCM tags and the stream's sha256.
 */
import { ChildProcessStage } from './child-process-stage.js';

export function createCompressStream(level: number): ChildProcessStage {
  if (!Number.isInteger(level) || level < 1 || level > 19) throw new Error(`Invalid zstd level ${String(level)}`);
  return new ChildProcessStage('zstd compression', 'zstd', [`-${String(level)}`, '--no-check', '-q', '-c']);
}

export function createDecompressStream(): ChildProcessStage {
  return new ChildProcessStage('zstd decompression', 'zstd', ['-d', '-q', '-c']);
}
