/**
 * What changed in a container's recorded configuration between two snapshots (or a snapshot and now):
 * image, command, entrypoint, working dir, user, labels, and the *names* of environment variables that
 * were added, removed or changed. Environment values are secrets (design.md §4): never in the result.
 */
import type { RecordedContainerConfig } from './model.js';

export interface ValueChange<T> {
  readonly before: T;
  readonly after: T;
}

export interface ConfigDiff {
  readonly changed: boolean;
  readonly image: ValueChange<string> | null;
  readonly cmd: ValueChange<string[] | null> | null;
  readonly entrypoint: ValueChange<string[] | null> | null;
  readonly workingDir: ValueChange<string> | null;
  readonly user: ValueChange<string> | null;
  readonly labels: { readonly added: string[]; readonly removed: string[]; readonly changed: string[] };
  /** Names only. */
  readonly env: { readonly added: string[]; readonly removed: string[]; readonly changed: string[] };
}

function change<T>(before: T, after: T): ValueChange<T> | null {
  return JSON.stringify(before) === JSON.stringify(after) ? null : { before, after };
}

/** `KEY=value` entries → name → value (a later duplicate wins, as in Docker). */
function envMap(env: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const entry of env) {
    const at = entry.indexOf('=');
    map.set(at < 0 ? entry : entry.slice(0, at), at < 0 ? '' : entry.slice(at + 1));
  }
  return map;
}

function keyChanges(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): { added: string[]; removed: string[]; changed: string[] } {
  const added = [...after.keys()].filter((k) => !before.has(k)).sort();
  const removed = [...before.keys()].filter((k) => !after.has(k)).sort();
  const changed = [...after.keys()].filter((k) => before.has(k) && before.get(k) !== after.get(k)).sort();
  return { added, removed, changed };
}

export function diffConfig(before: RecordedContainerConfig, after: RecordedContainerConfig): ConfigDiff {
  const labels = keyChanges(new Map(Object.entries(before.labels)), new Map(Object.entries(after.labels)));
  const env = keyChanges(envMap(before.env), envMap(after.env));
  const result = {
    image: change(before.image, after.image),
    cmd: change(before.cmd, after.cmd),
    entrypoint: change(before.entrypoint, after.entrypoint),
    workingDir: change(before.workingDir, after.workingDir),
    user: change(before.user, after.user),
    labels,
    env,
  };
  const lists = [labels, env].flatMap((l) => [l.added, l.removed, l.changed]);
  const changed = [result.image, result.cmd, result.entrypoint, result.workingDir, result.user].some((c) => c !== null) || lists.some((l) => l.length > 0);
  return { changed, ...result };
}
