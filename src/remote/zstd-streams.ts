/**
 * zstd for the remote pipeline: the zstd-napi binding (libzstd in-process, streaming). It compressed
 * mixed data faster than the Debian `zstd` tool behind a pipe on our 2-core machine at levels 1 and 3
 * (bench/README.md, "zstd: binding or child process"), and needs no child process to supervise.
 */
import type { Transform } from 'node:stream';
import { CompressStream, DecompressStream } from 'zstd-napi';

export function createCompressStream(level: number): Transform {
  return new CompressStream({ compressionLevel: level, checksumFlag: false });
}

export function createDecompressStream(): Transform {
  return new DecompressStream();
}
