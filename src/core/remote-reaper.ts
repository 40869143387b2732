/**
 * The remote reaper (issue 12): deletes replicas whose remote expiry has passed, by the rules of
 * remote-retention.ts, and records why each expired replica it keeps is kept (`why` in listings).
 *
 * Listing cost stays bounded: the local replicas table is the index. A tick reads from SQLite only the
 * (container, remote) groups that have an expired replica; the bucket is asked only for a group where
 * something is to be deleted, and then only that container's prefix, to learn of replicas this host does
 * not know (they may depend on ours; they are left alone). Replicas this host did not push are never
 * deleted here: whoever pushed them (another host, or a person) manages them.
 */
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { RemoteRegistry } from './remote-registry.js';
import type { ReplicaKey, ReplicaRecord, ReplicaStorePort } from './replica.js';
import { allManifests } from './replica-service.js';
import { decideRetention, type RetentionDecision, type RetentionEntry } from './remote-retention.js';
import type { ReplicaManifest } from './remote-port.js';

export interface ExpiredGroup {
  readonly containerId: string;
  readonly remoteId: string;
}

export interface RetentionQueriesPort {
  /** (container, remote) pairs with at least one replica expired at `now`, in order, after `after`. */
  expiredGroups(now: Date, limit: number, after?: ExpiredGroup): ExpiredGroup[];
  setKeptBecause(key: ReplicaKey, why: string | null): void;
  /** The schedule's keep_min; undefined when the schedule is gone (then keep_min no longer applies). */
  keepMinOf(scheduleId: number): number | undefined;
}

export interface RemoteReapReport {
  readonly groups: number;
  readonly deleted: number;
  /** Expired replicas kept, with the reason (also stored as their `why`). */
  readonly keptPastExpiry: number;
  readonly bucketListings: number;
  readonly failed: { readonly containerId: string; readonly snapshot: string; readonly remote: string; readonly error: string }[];
}

export interface RemoteReaperObserver {
  remoteReaped(remoteId: string, deleted: number, failed: number): void;
}

const GROUPS_PER_QUERY = 200;
/**
 * Containers worked on at once. Within one container deletes go one by one (children before parents);
 * different containers are independent, and each delete is a few S3 round trips that mostly wait.
 */
const DEFAULT_CONCURRENCY = 4;

export class RemoteReaper {
  private stopping = false;
  private observer: RemoteReaperObserver | undefined;
  /** Replicas being deleted now: the parent planner must not pick them (see withoutReaping). */
  private readonly deleting = new Set<string>();

  constructor(
    private readonly deps: {
      readonly queries: RetentionQueriesPort;
      readonly replicas: Pick<ReplicaStorePort, 'listReplicasOfContainer' | 'deleteReplicaRecord'>;
      readonly remotes: RemoteRegistry;
      readonly clock: Clock;
      readonly logger: Logger;
      readonly concurrency?: number;
    },
  ) {}

  /** Metrics are built after the reaper (they read the schedules it helps protect); set them here. */
  observeWith(observer: RemoteReaperObserver): void {
    this.observer = observer;
  }

  stop(): void {
    this.stopping = true;
  }

  /** A method, not the field: stop() may be called during any await of a run. */
  private stopped(): boolean {
    return this.stopping;
  }

  isBeingDeleted(key: ReplicaKey): boolean {
    return this.deleting.has(keyString(key));
  }

  /** One pass over every group with something expired. Callers serialize runs (BackgroundJob). */
  async reap(): Promise<RemoteReapReport> {
    const now = this.deps.clock.now();
    const report = { groups: 0, deleted: 0, keptPastExpiry: 0, bucketListings: 0, failed: [] as RemoteReapReport['failed'][number][] };
    let after: ExpiredGroup | undefined;
    while (!this.stopping) {
      const groups = this.deps.queries.expiredGroups(now, GROUPS_PER_QUERY, after);
      after = groups.at(-1);
      if (after === undefined) break;
      let next = 0;
      const worker = async (): Promise<void> => {
        for (let group = groups[next++]; group !== undefined && !this.stopped(); group = groups[next++]) {
          report.groups += 1;
          try {
            await this.reapGroup(group, now, report);
          } catch (error) {
            // The remote is unreachable or refused a listing: the group waits for the next run.
            this.deps.logger.warn({ err: error, container: group.containerId, remote: group.remoteId }, 'remote retention skipped a container');
          }
          // Let HTTP requests in between groups: better-sqlite3 calls are synchronous.
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, this.deps.concurrency ?? DEFAULT_CONCURRENCY) }, worker));
    }
    return report;
  }

  private async reapGroup(group: ExpiredGroup, now: Date, report: { deleted: number; keptPastExpiry: number; bucketListings: number; failed: RemoteReapReport['failed'][number][] }): Promise<void> {
    const remote = this.deps.remotes.find(group.remoteId);
    if (remote === undefined) return; // no longer configured: nothing can be deleted there
    const records = this.deps.replicas.listReplicasOfContainer(group.containerId, group.remoteId);
    let decisions = this.decide(records.map(fromRecord), now);
    if (decisions.some((d) => d.action === 'delete')) {
      // Before deleting, the bucket's truth about this container: parents as the manifests say, and
      // replicas this host does not know, which may depend on ours.
      const manifests = await allManifests(remote, group.containerId);
      report.bucketListings += 1;
      decisions = this.decide(withManifests(records, manifests), now);
    }
    for (const decision of decisions) {
      const record = records.find((r) => r.snapshotName === decision.snapshotName);
      if (record === undefined) continue;
      const key = { containerId: group.containerId, snapshotName: decision.snapshotName, remoteId: group.remoteId };
      if (decision.action === 'keep') {
        this.deps.queries.setKeptBecause(key, decision.why);
        if (decision.why !== null) report.keptPastExpiry += 1;
        continue;
      }
      if (this.stopping) return;
      this.deleting.add(keyString(key));
      try {
        // Asked again right before: an upload that started since may use any replica as its parent.
        const current = this.deps.replicas.listReplicasOfContainer(group.containerId, group.remoteId);
        if (current.some((r) => r.state === 'uploading')) return;
        await remote.deleteReplica(group.containerId, decision.snapshotName);
        this.deps.replicas.deleteReplicaRecord(key);
        report.deleted += 1;
        this.observer?.remoteReaped(group.remoteId, 1, 0);
        this.deps.logger.info({ container: group.containerId, snapshot: decision.snapshotName, remote: group.remoteId, expiredAt: record.expiresAt }, 'expired replica deleted from the remote');
      } catch (error) {
        // Children go before parents: stop this group at the first failure so no parent goes before its child.
        this.observer?.remoteReaped(group.remoteId, 0, 1);
        report.failed.push({ containerId: group.containerId, snapshot: decision.snapshotName, remote: group.remoteId, error: error instanceof Error ? error.message : String(error) });
        this.deps.logger.warn({ err: error, container: group.containerId, snapshot: decision.snapshotName, remote: group.remoteId }, 'deleting an expired replica failed; the next run tries again');
        return;
      } finally {
        this.deleting.delete(keyString(key));
      }
    }
  }

  private decide(entries: RetentionEntry[], now: Date): RetentionDecision[] {
    return decideRetention(entries, now, (scheduleId) => this.deps.queries.keepMinOf(scheduleId) ?? 0);
  }
}

/**
 * The replica store as the parent planner should see it: without replicas the remote reaper is deleting,
 * so a push starting meanwhile never takes one of them as the parent of its incremental stream.
 */
export function withoutReaping<S extends Pick<ReplicaStorePort, 'listReplicasOfContainer'>>(store: S, reaper: Pick<RemoteReaper, 'isBeingDeleted'>): S {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property !== 'listReplicasOfContainer') {
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      }
      return (containerId: string, remoteId: string): ReplicaRecord[] =>
        target.listReplicasOfContainer(containerId, remoteId).filter((replica) => !reaper.isBeingDeleted(replica));
    },
  });
}

function fromRecord(record: ReplicaRecord): RetentionEntry {
  return {
    snapshotName: record.snapshotName,
    createdAt: record.createdAt,
    state: record.state,
    expiresAt: record.expiresAt,
    scheduleId: record.scheduleId,
    parents: record.parentSnapshot === null ? [] : [record.parentSnapshot],
    managed: true,
  };
}

/** Local records with the parents their manifests name, plus the manifests this host has no record of. */
function withManifests(records: readonly ReplicaRecord[], manifests: readonly ReplicaManifest[]): RetentionEntry[] {
  const byName = new Map(manifests.map((manifest) => [manifest.snapshotName, manifest]));
  const entries = records.map((record) => {
    const manifest = byName.get(record.snapshotName);
    return manifest === undefined ? fromRecord(record) : { ...fromRecord(record), parents: parentsOf(manifest) };
  });
  const known = new Set(records.map((record) => record.snapshotName));
  for (const manifest of manifests) {
    if (known.has(manifest.snapshotName)) continue;
    entries.push({
      snapshotName: manifest.snapshotName,
      createdAt: new Date(manifest.createdAt),
      state: 'ready',
      expiresAt: null,
      scheduleId: null,
      parents: parentsOf(manifest),
      managed: false,
    });
  }
  return entries;
}

function parentsOf(manifest: ReplicaManifest): string[] {
  return [...new Set(manifest.filesystems.map((fs) => fs.stream.parentSnapshot).filter((name): name is string => name !== null))];
}

function keyString(key: ReplicaKey): string {
  return `${key.containerId}\u0000${key.snapshotName}\u0000${key.remoteId}`;
}
