import { forEachOutputLine } from '../common/child-stream.js';
import { mkdir, rename } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CommandRunner } from '../common/command-runner.js';
import type { DriverWarn } from '../driver-registration.js';
import { CommandFailedError } from '../common/errors.js';
import { isBusy, isNotFound, toZfsError } from './zfs-errors.js';
import { withDependentClonesUnmounted } from './zfs-rename-around-clones.js';

/** One row of `zfs get -H -p -o name,property,value,source`. */
export interface PropertyRow {
  readonly name: string;
  readonly property: string;
  readonly value: string;
  readonly source: string;
}

/** `zfs get -H -p -o name,property,value,source` output; "-" is ZFS's word for "no value". */
export function parsePropertyRows(stdout: string): PropertyRow[] {
  const rows: PropertyRow[] = [];
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    const [name, property, value, source] = line.split('\t');
    if (name === undefined || property === undefined || value === undefined) continue;
    rows.push({ name, property, value, source: source ?? '-' });
  }
  return rows;
}

/** Rows grouped by name: name → property → row. */
export function groupRows(rows: readonly PropertyRow[]): Map<string, Map<string, PropertyRow>> {
  const byName = new Map<string, Map<string, PropertyRow>>();
  for (const row of rows) {
    let props = byName.get(row.name);
    if (props === undefined) byName.set(row.name, (props = new Map<string, PropertyRow>()));
    props.set(row.property, row);
  }
  return byName;
}

/** `zfs list -H -o name,origin` output → origin snapshot → its clones (zfs-fuse has no `clones` property). */
export function parseOrigins(stdout: string): Map<string, string[]> {
  const clones = new Map<string, string[]>();
  for (const line of stdout.split('\n')) {
    const [name, origin] = line.split('\t');
    if (name === undefined || name === '' || origin === undefined || origin === '-' || origin === '') continue;
    clones.set(origin, [...(clones.get(origin) ?? []), name]);
  }
  return clones;
}

// zfs-fuse reports a dataset busy for a moment after unmount or a fresh write; it clears within a
// fraction of a second, so retries start short and back off, giving up after about 6 s in all.
const BUSY_DELAYS_MS = [25, 50, 100, 200, 400, 800, 1000, 1000, 1000, 1000];
// ... 6 s of wall clock, attempts included: a failed zfs-fuse rename itself takes 1.5–5 s, so counting only the
// delays made one busy rename cost ~30 s, and a start-up recovery of a few such renames 140 s (chaos seed 31),
// past systemd's start timeout. No new attempt starts once this much time has gone.
const BUSY_BUDGET_MS = 6_000;

export interface ZfsCommandsOptions {
  /** zfs-fuse: a dataset is renamed with the mounted clones of its snapshots unmounted (zfs-rename-around-clones.ts). */
  readonly unmountClonesToRename?: () => Promise<boolean>;
  /** Where a clone a rename left unmounted is reported (the service's warn log). */
  readonly warn?: DriverWarn | undefined;
  /** For tests: the clock and the wait of the busy retries. */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<unknown>;
}

/** One thin wrapper per `zfs` call, machine-readable output only (`-H -p`), errors typed. */
export class ZfsCommands {
  constructor(
    private readonly runner: CommandRunner,
    private readonly options: ZfsCommandsOptions = {},
  ) {}

  async zfs(what: string, args: readonly string[]): Promise<string> {
    try {
      return (await this.runner.run('zfs', args)).stdout;
    } catch (error) {
      throw toZfsError(error, what);
    }
  }

  /**
   * `zfs diff` between a snapshot and a later one (or the dataset), a line at a time: its output grows with
   * the number of changed files, so it is never held whole. `onLine` throwing stops the command.
   */
  async diffLines(older: string, newer: string, onLine: (line: string) => void): Promise<void> {
    try {
      await forEachOutputLine('zfs', ['diff', '-F', '-H', older, newer], onLine);
    } catch (error) {
      throw toZfsError(error, `diff ${older}`);
    }
  }

  /** Retries while zfs-fuse says "dataset is busy" for a moment after unmount or writes. */
  private async zfsRetryBusy(what: string, args: readonly string[]): Promise<string> {
    const now = this.options.now ?? Date.now;
    const wait = this.options.sleep ?? sleep;
    const started = now();
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.zfs(what, args);
      } catch (error) {
        const delay = BUSY_DELAYS_MS[attempt];
        if (!isBusy(error) || delay === undefined || now() - started + delay > BUSY_BUDGET_MS) throw error;
        await wait(delay);
      }
    }
  }

  async datasetExists(name: string): Promise<boolean> {
    try {
      await this.zfs(`look up ${name}`, ['list', '-H', '-o', 'name', name]);
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  async getProperty(name: string, property: string): Promise<string> {
    return (await this.zfs(`read ${property} of ${name}`, ['get', '-H', '-p', '-o', 'value', property, name])).trim();
  }

  /** Properties of the given datasets; `depth` adds descendants (1 = their snapshots and children, 'all'). */
  async getProperties(names: readonly string[], properties: readonly string[], depth?: number | 'all'): Promise<PropertyRow[]> {
    if (names.length === 0) return [];
    const recurse = depth === undefined ? [] : depth === 'all' ? ['-r'] : ['-r', '-d', String(depth)];
    const args = ['get', '-H', '-p', '-o', 'name,property,value,source', ...recurse, properties.join(','), ...names];
    return parsePropertyRows(await this.zfs(`read properties of ${names.join(', ')}`, args));
  }

  /** Names of `types` (filesystem, snapshot, ...) at or below `name`, in ZFS's order (snapshots: oldest first). */
  async list(name: string, types: string, depth?: number): Promise<string[]> {
    const recurse = depth === undefined ? ['-r'] : ['-r', '-d', String(depth)];
    const out = await this.zfs(`list ${name}`, ['list', '-H', '-o', 'name', '-t', types, ...recurse, name]);
    return out.split('\n').filter((line) => line !== '');
  }

  /** origin snapshot → clones, for the whole pool (clones can live anywhere in it). */
  async getClones(pool: string): Promise<Map<string, string[]>> {
    return parseOrigins(await this.zfs(`list clones in ${pool}`, ['list', '-H', '-o', 'name,origin', '-t', 'filesystem,volume', '-r', pool]));
  }

  async create(name: string, properties: Readonly<Record<string, string>> = {}): Promise<void> {
    await this.zfs(`create ${name}`, ['create', ...propertyArgs(properties), name]);
  }

  async snapshot(snapshot: string, properties: Readonly<Record<string, string>> = {}): Promise<void> {
    await this.zfs(`snapshot ${snapshot}`, ['snapshot', ...propertyArgs(properties), snapshot]);
  }

  async clone(snapshot: string, target: string, properties: Readonly<Record<string, string>> = {}): Promise<void> {
    await this.zfs(`clone ${snapshot} to ${target}`, ['clone', ...propertyArgs(properties), snapshot, target]);
  }

  /**
   * zfs-fuse renames, then unmounts and remounts what depends on the renamed dataset; when a remount fails
   * ("cannot mount ...: busy", "directory is not empty") the command fails although the rename is done (and a
   * retry then finds nothing to rename). So a failure is checked: `from` gone and `to` there is a rename done.
   * What it could not mount stays unmounted; the callers mount what they need (ensureMounted).
   * On zfs-fuse a dataset (not a snapshot) is renamed with its mounted dependent clones unmounted around it.
   */
  async rename(from: string, to: string): Promise<void> {
    const rename = async (): Promise<void> => {
      try {
        await this.zfsRetryBusy(`rename ${from} to ${to}`, ['rename', from, to]);
      } catch (error) {
        if ((await this.datasetExists(from)) || !(await this.datasetExists(to))) throw error;
      }
    };
    if (from.includes('@') || this.options.unmountClonesToRename === undefined || !(await this.options.unmountClonesToRename())) {
      await rename();
      return;
    }
    // Left unmounted, the clone's container sees its bare (empty) folder: an operator must hear of it.
    for (const left of await withDependentClonesUnmounted(this, from, rename)) {
      this.options.warn?.(
        { dataset: left.dataset, renamed: from, to, error: left.error },
        'zfs-fuse: a clone unmounted for a rename could not be mounted again; it stays unmounted (its container sees an empty folder) until mounted again (zfs mount)',
      );
    }
  }

  async destroy(name: string, options: { recursive?: boolean; deferred?: boolean } = {}): Promise<void> {
    const flags = [...(options.recursive === true ? ['-r'] : []), ...(options.deferred === true ? ['-d'] : [])];
    await this.zfsRetryBusy(`destroy ${name}`, ['destroy', ...flags, name]);
  }

  async mount(name: string): Promise<void> {
    await this.zfs(`mount ${name}`, ['mount', name]);
  }

  async unmount(name: string): Promise<void> {
    await this.zfsRetryBusy(`unmount ${name}`, ['unmount', name]);
  }

  /**
   * Mounts the dataset unless it is mounted already or is not meant to be (canmount=off, no mountpoint).
   * zfs-fuse says "mountpoint or dataset is busy" for a moment after an unmount or rename: retried.
   * With `moveAside`, a mountpoint folder that is not empty (something wrote into it while the dataset was
   * not mounted: a container Docker started at boot bind-mounts the empty folder) is renamed aside, kept
   * with its files, and the dataset is mounted on a fresh folder; the result names the folder kept.
   * (zfs-fuse's own overlay mount, `zfs mount -O`, crashes the daemon: never used.)
   */
  async ensureMounted(name: string, options: { moveAside?: boolean } = {}): Promise<{ mounted: boolean; movedAside?: string }> {
    const rows = await this.getProperties([name], ['mounted', 'canmount', 'mountpoint']);
    const value = (property: string): string | undefined => rows.find((row) => row.property === property)?.value;
    const mountpoint = value('mountpoint');
    if (value('mounted') === 'yes' || value('canmount') === 'off' || mountpoint === undefined || !mountpoint.startsWith('/')) return { mounted: false };
    try {
      await this.zfsRetryBusy(`mount ${name}`, ['mount', name]);
      return { mounted: true };
    } catch (error) {
      if (/already mounted/i.test(errorText(error))) return { mounted: false };
      if (options.moveAside !== true || !/not empty/i.test(errorText(error))) throw error;
      const aside = `${mountpoint}.cowsnap-moved-aside-${String(Date.now())}`;
      await rename(mountpoint, aside);
      await mkdir(mountpoint, { recursive: true });
      await this.zfsRetryBusy(`mount ${name}`, ['mount', name]);
      return { mounted: true, movedAside: aside };
    }
  }

  /** Unmounts the dataset if it is mounted. */
  async ensureUnmounted(name: string): Promise<void> {
    if ((await this.getProperty(name, 'mounted')) === 'yes') await this.unmount(name);
  }

  async setProperty(name: string, property: string, value: string): Promise<void> {
    await this.zfs(`set ${property} on ${name}`, ['set', `${property}=${value}`, name]);
  }

  async inheritProperty(name: string, property: string): Promise<void> {
    await this.zfs(`clear ${property} on ${name}`, ['inherit', property, name]);
  }

  async promote(name: string): Promise<void> {
    await this.zfsRetryBusy(`promote ${name}`, ['promote', name]);
  }

  async rollback(snapshot: string): Promise<void> {
    await this.zfsRetryBusy(`roll back to ${snapshot}`, ['rollback', snapshot]);
  }

  /** Properties set on the dataset itself (not inherited, not defaults). */
  async localProperties(name: string): Promise<Map<string, string>> {
    const rows = parsePropertyRows(
      await this.zfs(`read local properties of ${name}`, ['get', '-H', '-p', '-o', 'name,property,value,source', '-s', 'local', 'all', name]),
    );
    return new Map(rows.map((row) => [row.property, row.value]));
  }
}

/** A failure's message with the stderr of the command behind it (typed errors keep it as their cause). */
function errorText(error: unknown): string {
  if (error instanceof CommandFailedError) return `${error.message}\n${error.stderr}`;
  if (!(error instanceof Error)) return String(error);
  return error.cause === undefined ? error.message : `${error.message}\n${errorText(error.cause)}`;
}

function propertyArgs(properties: Readonly<Record<string, string>>): string[] {
  return Object.entries(properties).flatMap(([key, value]) => ['-o', `${key}=${value}`]);
}
