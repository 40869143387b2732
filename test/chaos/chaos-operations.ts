import type Docker from 'dockerode';
import { layerPath } from '../support/docker-exec.js';
import { ChaosClient, NoAnswer, type Answer } from './chaos-client.js';
import { contentHash, tryLock, unlock, writeContent, type ChaosContainer, type Filesystem, type KnownSnapshot, type World } from './chaos-world.js';
import type { Prng } from './prng.js';
import type { Violations } from './violations.js';
import type { SnapshotJson } from '../../src/http/wire/snapshot-json.js';

/** A restore whose answer a kill cut off: each filesystem must end old or new, all of them alike. */
export interface CutRestore {
  readonly container: string;
  readonly snapshot: string;
  readonly before: ReadonlyMap<string, string>;
  readonly after: ReadonlyMap<string, string>;
}

/** A create whose answer a kill cut off: if it exists after recovery (found by alias), its content is known. */
export interface CutCreate {
  readonly container: string;
  readonly alias: string;
  readonly content: ReadonlyMap<string, string>;
}

export interface OperationDeps {
  readonly client: ChaosClient;
  readonly prng: Prng;
  readonly world: World;
  readonly violations: Violations;
  readonly docker: Docker;
  readonly dataRoot: string;
  /** Scheduler run + reaper pass after moving the service's clock forward. */
  readonly tick: (hours: number) => Promise<boolean>;
}

const WEIGHTS = {
  'create-checked': 20,
  'restore-checked': 22,
  'create-noise': 6,
  // Deletes keep the population small: start-up recovery checks every snapshot's storage (one command per
  // filesystem), so a restart slows as snapshots pile up, and the CI run has a kill budget to meet.
  delete: 24,
  update: 8,
  copy: 6,
  tick: 6,
  read: 4,
} as const;
export type OperationKind = keyof typeof WEIGHTS;

/** The driver's operations; each one checks what it can check right away and leaves the rest to the gates. */
export class ChaosOperations {
  readonly counts = new Map<string, number>();
  readonly cutRestores: CutRestore[] = [];
  readonly cutCreates: CutCreate[] = [];
  readonly copies: { name: string; id: string }[] = [];
  /**
   * Siblings the harness itself stopped for a restore and could not start again at once (name → why):
   * a kill cut the restore while zfs-fuse was still swapping the shared dataset, or dockerd was restarting.
   * Like an operator, the harness starts them once the service has recovered (startOwedSiblings); cowsnap
   * never stopped them, so it owes them nothing (seed 34, kill 110: c1 left exited, blamed on cowsnap).
   */
  readonly owedSiblingStarts = new Map<string, string>();
  /**
   * Kills so far (the runner counts them). A kill while an answered operation waits for its container to
   * settle leaves the container as the killed process had it (paused or stopped by a concurrent snapshot's
   * quiesce) until the restart recovers it: that wait cannot judge it, checkAfterRecovery does (seed
   * 700182109: a scheduled pause snapshot held c3 when the kill came, and the 6 s ran out before the restart).
   */
  kills = 0;
  private copyCounter = 0;

  constructor(private readonly deps: OperationDeps) {}

  async runOne(): Promise<void> {
    let kind = this.deps.prng.weighted(WEIGHTS);
    const container = this.deps.prng.pick(this.deps.world.containers);
    if (container === undefined) return;
    // Nothing to restore to yet (creates cut by kills, reaped, deleted): make something to restore to.
    if (kind === 'restore-checked' && (this.deps.world.known.get(container.name) ?? []).length === 0) kind = 'create-checked';
    let outcome: string;
    try {
      outcome = await this.run(kind, container);
    } catch (error) {
      if (!(error instanceof NoAnswer)) throw error;
      outcome = error.refused ? 'refused' : 'cut';
    }
    const key = `${kind} ${outcome}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  private async run(kind: OperationKind, container: ChaosContainer): Promise<string> {
    switch (kind) {
      case 'create-checked':
        return this.createChecked(container);
      case 'restore-checked':
        return this.restoreChecked(container);
      case 'create-noise': {
        const quiesce = this.deps.prng.pick(['none', 'none', 'pause', 'stop'] as const);
        return String((await this.deps.client.call('POST', `/containers/${container.name}/snapshots`, { quiesce, ...(this.deps.prng.chance(0.7) ? { expiry: 1 } : {}) })).status);
      }
      case 'delete':
        return this.deleteOne(container);
      case 'update':
        return this.updateOne(container);
      case 'copy':
        return this.copyOne(container);
      case 'tick':
        return (await this.deps.tick(this.deps.prng.int(1, 8))) ? 'done' : 'cut';
      case 'read': {
        const path = this.deps.prng.pick([`/containers`, `/containers/${container.name}`, `/containers/${container.name}/snapshots?limit=5`]) ?? '/containers';
        return String((await this.deps.client.call('GET', path)).status);
      }
    }
  }

  /** New content in every filesystem of the container (under lock), then a snapshot of it. */
  private async createChecked(container: ChaosContainer): Promise<string> {
    const { prng, client, world } = this.deps;
    if (!tryLock(container.filesystems)) return 'skipped-busy';
    try {
      const token = prng.token();
      const content = new Map<string, string>();
      for (const fs of container.filesystems) content.set(fs.id, await writeContent(fs, `${token}-${fs.id}`, prng.int(1, 3)));
      const alias = `k-${token}`;
      const body = { alias, quiesce: prng.pick(['none', 'none', 'pause', 'stop'] as const), ...(prng.chance(0.4) ? { expiry: 1 } : {}) };
      let answer: Answer;
      try {
        answer = await client.call('POST', `/containers/${container.name}/snapshots`, body);
      } catch (error) {
        if (error instanceof NoAnswer && !error.refused) this.cutCreates.push({ container: container.name, alias, content });
        throw error;
      }
      if (answer.status === 201) {
        const snapshot = (answer.body.data as { snapshot: SnapshotJson }).snapshot;
        world.known.get(container.name)?.push({ name: snapshot.name, content });
      }
      return String(answer.status);
    } finally {
      unlock(container.filesystems);
    }
  }

  /**
   * Restore to a snapshot whose content is known. For a container sharing a dataset, sometimes stop its
   * siblings first (as an operator would: a shared dataset cannot be swapped under a running sibling).
   */
  private async restoreChecked(container: ChaosContainer): Promise<string> {
    const { prng, client, world, violations, docker } = this.deps;
    const known = world.known.get(container.name) ?? [];
    const snapshot = prng.pick(known);
    if (snapshot === undefined) return 'skipped-none';
    if (!tryLock(container.filesystems)) return 'skipped-busy';
    const stopSiblings = container.siblings.length > 0 && prng.chance(0.6);
    const stopped: string[] = [];
    // An object, not a let: the flow analysis does not see the catch's assignment in the finally.
    const request = { cut: false };
    try {
      if (stopSiblings) {
        for (const sibling of container.siblings) {
          await docker.getContainer(sibling).stop({ t: 2 }).catch(() => undefined);
          stopped.push(sibling);
        }
      }
      const before = new Map(container.filesystems.map((fs) => [fs.id, fs.current]));
      let answer: Answer;
      try {
        answer = await client.call('PATCH', `/containers/${container.name}/snapshots/${snapshot.name}`, { safety_snapshot: prng.chance(0.3) });
      } catch (error) {
        if (error instanceof NoAnswer && !error.refused) {
          request.cut = true;
          this.cutRestores.push({ container: container.name, snapshot: snapshot.name, before, after: snapshot.content });
        }
        throw error;
      }
      const what = `restore ${container.name} to ${snapshot.name} -> ${String(answer.status)}`;
      if (answer.status === 200) {
        for (const fs of container.filesystems) {
          const expected = snapshot.content.get(fs.id);
          const actual = await contentHash(await fs.contentDir());
          if (actual !== expected) violations.add('restore-200-wrong-content', `${what}: ${fs.id} is not the snapshot's content (${actual === before.get(fs.id) ? 'still the old content' : actual})`);
          fs.current = actual;
        }
        const safety = (answer.body.data as { safety_snapshot?: { name: string } | null } | undefined)?.safety_snapshot;
        if (safety != null) world.known.get(container.name)?.push({ name: safety.name, content: before });
      } else {
        if (answer.status === 404) world.known.set(container.name, known.filter((k) => k !== snapshot));
        for (const fs of container.filesystems) {
          const actual = await contentHash(await fs.contentDir());
          if (actual !== fs.current) violations.add('failed-restore-changed-content', `${what}: ${fs.id} changed (${actual})`);
        }
      }
      // While dockerd restarts, whatever the answer (a 503, or a 404 that never touched the container), the
      // container may be down because dockerd stopped it: the harness starts those again, cowsnap the ones
      // it stopped itself once Docker answers. Judge it once that had time to happen (seed 34: a 404 judged
      // at once while dockerd was stopping every container).
      const killsBefore = this.kills;
      const state = await settledState(docker, container.name, client.dockerDown ? 60_000 : 6_000);
      if (state !== 'running' && this.kills === killsBefore) violations.add('container-left-stopped', `${what}: the container is ${state} after the answer`);
      return String(answer.status);
    } finally {
      await this.startSiblings(stopped, `the restore of ${container.name} to ${snapshot.name}`, request.cut || client.dockerDown);
      unlock(container.filesystems);
    }
  }

  /**
   * Starts the siblings the harness stopped for a restore. After an answered restore with Docker up a start
   * that fails is a violation (the restore left the shared dataset unusable); after a cut restore or while
   * dockerd restarts it is owed until the service has recovered (the swap may still be under way).
   */
  private async startSiblings(names: readonly string[], what: string, mayFail: boolean): Promise<void> {
    for (const name of names) {
      const error = await startContainer(this.deps.docker, name);
      if (error === undefined) continue;
      if (!mayFail) {
        this.deps.violations.add('sibling-cannot-start', `${name}, stopped by the harness for ${what} (answered), cannot start: ${error}`);
        continue;
      }
      this.owedSiblingStarts.set(name, what);
      process.stdout.write(`chaos: ${this.deps.violations.where}${name} could not start again after ${what} (cut or dockerd down): ${error}; started after the recovery\n`);
    }
  }

  /** After the restart (recovery done): the owed sibling starts; one that still fails is a violation. */
  async startOwedSiblings(): Promise<void> {
    for (const [name, what] of this.owedSiblingStarts) {
      const error = await startContainer(this.deps.docker, name);
      if (error !== undefined) this.deps.violations.add('sibling-cannot-start', `${name}, stopped by the harness for ${what}, cannot start after recovery: ${error}`);
    }
    this.owedSiblingStarts.clear();
  }

  private async listSnapshots(container: ChaosContainer): Promise<SnapshotJson[]> {
    const answer = await this.deps.client.call('GET', `/containers/${container.name}/snapshots?limit=500`);
    return answer.status === 200 ? (answer.body.data as { snapshots: SnapshotJson[] }).snapshots : [];
  }

  private async deleteOne(container: ChaosContainer): Promise<string> {
    const { prng, client, world } = this.deps;
    const snapshots = await this.listSnapshots(container);
    const victim = prng.pick(snapshots);
    if (victim === undefined) return 'skipped-none';
    const answer = await client.call('DELETE', `/containers/${container.name}/snapshots/${victim.name}`);
    if (answer.status === 200 || answer.status === 404) {
      world.known.set(container.name, (world.known.get(container.name) ?? []).filter((k) => k.name !== victim.name));
    }
    return String(answer.status);
  }

  private async updateOne(container: ChaosContainer): Promise<string> {
    const { prng, client } = this.deps;
    const target = prng.pick(await this.listSnapshots(container));
    if (target === undefined) return 'skipped-none';
    const body = prng.pick([{ expiry: 1 }, { expiry: null }, { tags: [prng.token().slice(0, 6)] }, { alias: `u-${prng.token()}` }, { alias: null }]);
    return String((await client.call('PUT', `/containers/${container.name}/snapshots/${target.name}`, body)).status);
  }

  /** A copy from a known snapshot (its content is checked in the new container) or from the current state. */
  private async copyOne(container: ChaosContainer): Promise<string> {
    const { prng, client, docker } = this.deps;
    while (this.copies.length >= 4) {
      const oldest = this.copies.shift();
      if (oldest !== undefined) await docker.getContainer(oldest.id).remove({ force: true }).catch(() => undefined);
    }
    const source: KnownSnapshot | undefined = prng.chance(0.7) ? prng.pick(this.deps.world.known.get(container.name) ?? []) : undefined;
    this.copyCounter += 1;
    const name = `cp-${container.name}-${String(this.copyCounter)}`;
    const body = { name, start: prng.chance(0.5), ...(source !== undefined ? { source_snapshot: source.name } : {}) };
    const answer = await client.call('POST', `/containers/${container.name}/copy`, body);
    if (answer.status !== 201) return String(answer.status);
    const made = (answer.body.data as { container: { id: string } }).container;
    this.copies.push({ name, id: made.id });
    if (source !== undefined) await this.checkCopyContent(container, source, made.id, name);
    return String(answer.status);
  }

  private async checkCopyContent(container: ChaosContainer, source: KnownSnapshot, copyId: string, copyName: string): Promise<void> {
    const info = await this.deps.docker.getContainer(copyId).inspect();
    const mounts = new Map(info.Mounts.map((m) => [m.Destination, m.Source]));
    for (const fs of container.filesystems) {
      let dir: string | undefined;
      if (fs.id.startsWith('rootfs:')) dir = `${await layerPath(this.deps.dataRoot, copyId)}/chaos`;
      else {
        const target = fs.id === 'zfs:shared' ? '/shared' : '/data';
        const mounted = mounts.get(target);
        if (mounted !== undefined) dir = `${mounted}/chaos`;
      }
      const actual = dir === undefined ? 'no such mount' : await contentHash(dir);
      if (actual !== source.content.get(fs.id)) {
        this.deps.violations.add('copy-wrong-content', `copy ${copyName} of ${container.name}@${source.name}: ${fs.id} holds ${actual}`);
      }
    }
  }
}

/** Starts a container; undefined when it runs (started now or already running), else Docker's message. */
async function startContainer(docker: Docker, name: string): Promise<string | undefined> {
  try {
    await docker.getContainer(name).start();
    return undefined;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 304) return undefined; // already running
    return error instanceof Error ? error.message : String(error);
  }
}

export function filesystemsOf(world: World, ids: Iterable<string>): Filesystem[] {
  const wanted = new Set(ids);
  return world.filesystems.filter((fs) => wanted.has(fs.id));
}

/**
 * The container's state once no short cowsnap operation holds it: a snapshot with quiesce pause/stop by
 * a schedule or a concurrent request may hold it stopped for a moment; only a lasting stop counts.
 */
export async function settledState(docker: Docker, name: string, waitMs = 6_000): Promise<string> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const info = await docker.getContainer(name).inspect().catch(() => undefined);
    const state = info === undefined ? 'gone' : info.State.Paused ? 'paused' : info.State.Status;
    if (state === 'running' || Date.now() > deadline) return state;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
