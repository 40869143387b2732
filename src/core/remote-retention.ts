/**
 * Which replicas of one container in one remote may go (design.md §8, issue 12). Pure: the remote
 * reaper feeds it records and manifests and acts on the answer.
 *
 * A replica is live while its remote expiry has not passed, or while it is among the newest `keep_min`
 * ready replicas of its schedule, or when this host does not manage it (no expiry known here: pushed by
 * hand, or by another host). Every replica a live one depends on (its parent, the parent's parent, ...)
 * is kept too, and says why. The rest is deleted, children before parents, so a chain is never cut in
 * the middle even by a crash halfway.
 */

export interface RetentionEntry {
  readonly snapshotName: string;
  /** Orders replicas (oldest first) for keep_min and for deleting children first. */
  readonly createdAt: Date;
  readonly state: 'uploading' | 'ready' | 'failed';
  readonly expiresAt: Date | null;
  readonly scheduleId: number | null;
  /** Snapshots its streams are incremental to (empty: all full). */
  readonly parents: readonly string[];
  /** False for a replica this host does not manage (seen only as a manifest): never deleted here. */
  readonly managed: boolean;
}

export interface RetentionDecision {
  readonly snapshotName: string;
  readonly action: 'keep' | 'delete';
  /** Why an expired replica is kept; null for a live one or one deleted. */
  readonly why: string | null;
}

export function decideRetention(entries: readonly RetentionEntry[], now: Date, keepMinOf: (scheduleId: number) => number): RetentionDecision[] {
  const byName = new Map(entries.map((entry) => [entry.snapshotName, entry]));
  const expired = (entry: RetentionEntry): boolean => entry.managed && entry.expiresAt !== null && entry.expiresAt.getTime() <= now.getTime();
  const why = new Map<string, string | null>();

  // An upload running may pick any ready replica as its parent: nothing of this container goes meanwhile.
  const uploading = entries.find((entry) => entry.state === 'uploading');
  for (const entry of entries) {
    if (!expired(entry)) why.set(entry.snapshotName, null);
    else if (uploading !== undefined && entry.state !== 'failed') why.set(entry.snapshotName, `an upload of ${uploading.snapshotName} to this remote is running`);
  }
  for (const [scheduleId, replicas] of readyBySchedule(entries)) {
    const keepMin = keepMinOf(scheduleId);
    for (const entry of replicas.slice(0, keepMin)) {
      if (!why.has(entry.snapshotName)) why.set(entry.snapshotName, `keep_min ${String(keepMin)} of schedule ${String(scheduleId)}`);
    }
  }
  // Walk parent links from every kept replica; the nearest child is the reason.
  const work = [...why.keys()];
  for (let name = work.pop(); name !== undefined; name = work.pop()) {
    for (const parent of byName.get(name)?.parents ?? []) {
      if (why.has(parent) || !byName.has(parent)) continue;
      why.set(parent, `parent of ${name}`);
      work.push(parent);
    }
  }
  const newestFirst = [...entries].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.snapshotName.localeCompare(a.snapshotName));
  return newestFirst
    .filter((entry) => entry.managed)
    .map((entry) => {
      const reason = why.get(entry.snapshotName);
      return reason === undefined ? { snapshotName: entry.snapshotName, action: 'delete', why: null } : { snapshotName: entry.snapshotName, action: 'keep', why: reason };
    });
}

/** Each schedule's ready replicas, newest first. */
function readyBySchedule(entries: readonly RetentionEntry[]): Map<number, RetentionEntry[]> {
  const groups = new Map<number, RetentionEntry[]>();
  for (const entry of entries) {
    if (entry.scheduleId === null || entry.state !== 'ready') continue;
    const group = groups.get(entry.scheduleId) ?? [];
    group.push(entry);
    groups.set(entry.scheduleId, group);
  }
  for (const group of groups.values()) group.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.snapshotName.localeCompare(a.snapshotName));
  return groups;
}
