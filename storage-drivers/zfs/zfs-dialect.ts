import type { CommandRunner } from '../common/command-runner.js';
import { CommandFailedError, NotFoundError } from '../common/errors.js';
import type { ZfsCommands } from './zfs-commands.js';
import type { ZfsNames } from './zfs-names.js';

/**
 * What this machine's ZFS can do, found by trying it, never by guessing from a version string:
 * zfs-fuse (pool v23) and OpenZFS 2.x differ in subcommands and flags.
 */
export interface ZfsDialect {
  /** "zfs-2.2.2-1" from `zfs version`, or "zfs-fuse" where that subcommand does not exist. */
  readonly tool: string;
  /** Pool version number, or "-" for an OpenZFS feature-flags pool. */
  readonly poolVersion: string;
  readonly nativeDiff: boolean;
  readonly holds: boolean;
  readonly deferredDestroy: boolean;
  readonly listParsable: boolean;
  /** `zpool sync` exists (OpenZFS): waits for the pool's pending transaction group to reach disk. */
  readonly poolSync: boolean;
}

/** `zpool get version <pool>` as a table (zfs-fuse has no -H): the value is the row's third column. */
export function parseZpoolVersion(stdout: string): string {
  const row = stdout.split('\n').filter((line) => line.trim() !== '')[1];
  return row?.trim().split(/\s+/)[2] ?? 'unknown';
}

/** A subcommand the tool does not know answers "unrecognized command"; a known one just wants arguments. */
export function subcommandExists(stderr: string): boolean {
  return !/unrecognized command/i.test(stderr);
}

async function succeeds(body: () => Promise<unknown>): Promise<boolean> {
  try {
    await body();
    return true;
  } catch (error) {
    if (error instanceof CommandFailedError || (error instanceof Error && 'code' in error)) return false;
    throw error;
  }
}

async function stderrOf(runner: CommandRunner, command: string, args: readonly string[]): Promise<{ ok: boolean; text: string }> {
  try {
    const result = await runner.run(command, args);
    return { ok: true, text: `${result.stdout}${result.stderr}` };
  } catch (error) {
    if (error instanceof CommandFailedError) {
      if (error.exitCode === null && /ENOENT/.test(error.stderr)) throw new NotFoundError(`${command} is not installed (${error.stderr.trim()})`);
      return { ok: false, text: error.stderr };
    }
    throw error;
  }
}

/** Where the last probe's result is kept: a user property of cowsnap's internal dataset. */
export const DIALECT_PROPERTY = 'cowsnap:dialect';

/**
 * Probes the tools on the root dataset. Holds and deferred destroy are tried on a throwaway snapshot in
 * cowsnap's internal dataset, which must exist already. That trial costs a dataset create, a snapshot,
 * a hold and two destroys (seconds on zfs-fuse) at every start, so its result is kept on the internal
 * dataset with the tool version and pool version it was found with, and reused while both are the same
 * (an upgrade of ZFS or of the pool probes again).
 */
export async function detectDialect(runner: CommandRunner, zfs: ZfsCommands, names: ZfsNames): Promise<ZfsDialect> {
  const pool = names.root.split('/')[0] ?? names.root;
  const [version, poolVersionText, cached] = await Promise.all([
    stderrOf(runner, 'zfs', ['version']),
    stderrOf(runner, 'zpool', ['get', 'version', pool]),
    zfs.getProperty(names.internal, DIALECT_PROPERTY).catch(() => '-'),
  ]);
  const tool = version.ok ? (version.text.split('\n')[0]?.trim() ?? 'zfs') : 'zfs-fuse';
  const poolVersion = parseZpoolVersion(poolVersionText.text);
  const kept = parseKept(cached);
  if (kept?.tool === tool && kept.poolVersion === poolVersion) return kept;

  const [diff, list, sync] = await Promise.all([
    stderrOf(runner, 'zfs', ['diff']),
    stderrOf(runner, 'zfs', ['list', '-H', '-p', '-o', 'name', names.root]),
    stderrOf(runner, 'zpool', ['sync', pool]),
  ]);
  const nativeDiff = diff.ok || subcommandExists(diff.text);
  const probe = names.fresh('probe');
  await zfs.create(probe);
  let dialect: ZfsDialect;
  try {
    const snapshot = `${probe}@probe`;
    await zfs.snapshot(snapshot);
    const holds = await succeeds(async () => {
      await runner.run('zfs', ['hold', 'cowsnap-probe', snapshot]);
      await runner.run('zfs', ['release', 'cowsnap-probe', snapshot]);
    });
    const deferredDestroy = await succeeds(() => runner.run('zfs', ['destroy', '-d', snapshot]));
    dialect = { tool, poolVersion, nativeDiff, holds, deferredDestroy, listParsable: list.ok, poolSync: sync.ok };
  } finally {
    await zfs.destroy(probe, { recursive: true });
  }
  await zfs.setProperty(names.internal, DIALECT_PROPERTY, JSON.stringify(dialect));
  return dialect;
}

/** The kept probe result, when it is one (anything else probes again). */
function parseKept(value: string): ZfsDialect | undefined {
  try {
    const parsed = JSON.parse(value) as Partial<ZfsDialect> | null;
    if (parsed === null || typeof parsed !== 'object' || typeof parsed.tool !== 'string' || typeof parsed.poolVersion !== 'string') return undefined;
    const flags = [parsed.nativeDiff, parsed.holds, parsed.deferredDestroy, parsed.listParsable, parsed.poolSync];
    if (!flags.every((flag) => typeof flag === 'boolean')) return undefined;
    return parsed as ZfsDialect;
  } catch {
    return undefined;
  }
}

export function describeDialect(dialect: ZfsDialect): string {
  const features = [
    dialect.nativeDiff ? 'zfs diff' : 'no zfs diff',
    dialect.holds ? 'holds' : 'no holds',
    dialect.deferredDestroy ? 'destroy -d' : 'no destroy -d',
    dialect.listParsable ? 'list -p' : 'no list -p',
    dialect.poolSync ? 'zpool sync' : 'no zpool sync',
  ];
  return `${dialect.tool} (pool v${dialect.poolVersion}; ${features.join(', ')})`;
}
