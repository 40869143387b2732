import { spawnSync } from 'node:child_process';
import { cpus, hostname, release, totalmem } from 'node:os';

function firstLine(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return `${result.stdout}${result.stderr}`.split('\n').find((line) => line.trim() !== '')?.trim() ?? 'unknown';
}

/** What the figures were measured on: they mean nothing without it. */
export function machineInfo(): Record<string, string | number> {
  return {
    host: hostname(),
    date: new Date().toISOString(),
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    kernel: release(),
    node: process.version,
    btrfs: firstLine('btrfs', ['--version']),
    dockerd: firstLine('dockerd', ['--version']),
  };
}
