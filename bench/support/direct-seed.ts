/**
 * Builds many snapshots in minutes instead of the ~100 the API takes at 10,000 (each create's nested-subvolume
 * probe, `btrfs subvolume list -o`, reads every subvolume of the filesystem). It writes exactly what a create
 * leaves, through the service's own code and the kernel's own call, with the service stopped:
 *   - the record through CowsnapStore (reserveSnapshot, its `create` journal entry, markSnapshotReady), copying
 *     the container, project, config and filesystems of a snapshot the API made on the same container;
 *   - a real read-only btrfs snapshot of the same layer at the path the btrfs driver uses
 *     (`<pool>/.cowsnap/snapshots/<key>/<name>.cs<id>/snapshot`, BtrfsLayout), made with the raw CLI.
 * Left out: the audit entry (the API writes one per create; nothing the service reads at start-up) and the
 * size measurement: each record takes the measured size of its template (same layer, unchanged since).
 */
import { mkdir } from 'node:fs/promises';
import { BtrfsLayout } from '../../storage-drivers/btrfs/btrfs-layout.js';
import { ExecFileRunner } from '../../storage-drivers/common/command-runner.js';
import { storageSnapshotName } from '../../src/core/storage-snapshot-name.js';
import type { SnapshotRecord } from '../../src/core/model.js';
import { commitsWithoutFsync } from '../../src/store/commits-without-fsync.js';
import { openStore } from '../../src/store/open-store.js';

const DAY_MS = 86_400_000;

/**
 * Adds `extraPerContainer` snapshots per container next to the newest ready snapshot of each container in the
 * database (made through the API), `parallel` storage calls at a time. Returns how many it made.
 */
export async function seedDirectly(options: {
  databasePath: string;
  keyFile: string;
  poolMountPoint: string;
  extraPerContainer: number;
  parallel?: number;
  /** Only next to the snapshots of these containers (default: every container's). */
  containerIds?: readonly string[];
  /**
   * Quotas off while seeding, then on again with a waited rescan: with quotas on each raw snapshot costs more
   * as the pool fills (~170/min at 4,000 on the 2-core VM), without them thousands take minutes. What is left
   * is the same: quotas on, each snapshot with its level-0 qgroup, the qgroup tree consistent.
   */
  withoutQuotas?: boolean;
}): Promise<number> {
  const runner = new ExecFileRunner();
  if (options.withoutQuotas === true) await runner.run('btrfs', ['quota', 'disable', options.poolMountPoint]);
  try {
    return await seed(options, runner);
  } finally {
    if (options.withoutQuotas === true) {
      await runner.run('btrfs', ['quota', 'enable', options.poolMountPoint]);
      await runner.run('btrfs', ['quota', 'rescan', '-w', options.poolMountPoint]);
    }
  }
}

async function seed(options: Parameters<typeof seedDirectly>[0], runner: ExecFileRunner): Promise<number> {
  const layout = new BtrfsLayout(options.poolMountPoint);
  const opened = openStore({ databasePath: options.databasePath, keyFile: options.keyFile });
  try {
    const { store } = opened;
    const relaxed = commitsWithoutFsync(opened.db);
    const wanted = options.containerIds === undefined ? undefined : new Set(options.containerIds);
    // One template per container: the newest ready snapshot the API made on it.
    const newest = new Map<string, SnapshotRecord>();
    for (const s of store.listAllSnapshots()) {
      if (s.state !== 'ready' || (wanted !== undefined && !wanted.has(s.containerId))) continue;
      const seen = newest.get(s.containerId);
      if (seen === undefined || s.createdAt > seen.createdAt) newest.set(s.containerId, s);
    }
    const templates = [...newest.values()];
    const jobs: SnapshotRecord[] = templates.flatMap((template) => Array.from({ length: options.extraPerContainer }, () => template));
    let next = 0;
    let made = 0;
    const worker = async (): Promise<void> => {
      for (let template = jobs[next++]; template !== undefined; template = jobs[next++]) {
        const now = new Date();
        const [record, operation] = relaxed(() => {
          const reserved = store.reserveSnapshot({
            containerId: template.containerId,
            containerName: template.containerName,
            projectId: template.projectId,
            alias: null,
            createdAt: now,
            // Spread over the coming month, as daily schedules leave them: nothing is due now.
            expiresAt: new Date(now.getTime() + DAY_MS * (1 + (made % 30))),
            tags: [],
            origin: template.origin,
            config: template.config,
            filesystems: template.filesystems,
            uncaptured: template.uncaptured,
          });
          const storageName = storageSnapshotName(reserved.id, reserved.name);
          return [reserved, store.startOperation('create', template.containerId, reserved.name, { snapshotId: reserved.id, storageName, filesystems: template.filesystems })] as const;
        });
        const storageName = storageSnapshotName(record.id, record.name);
        for (const filesystem of template.filesystems) {
          const dataset = layout.dataset(filesystem.dataset);
          const folder = layout.snapshotFolder(dataset, storageName);
          await mkdir(folder, { recursive: true });
          await runner.run('btrfs', ['subvolume', 'snapshot', '-r', dataset, layout.snapshotPath(dataset, storageName)]);
        }
        relaxed(() => {
          store.markSnapshotReady(record.id, { sizeBytes: template.sizeBytes, filesystems: template.filesystems });
          store.finishOperation(operation.id, 'done');
        });
        made += 1;
        if (made % 1000 === 0) console.error(`  seeded ${String(made)} / ${String(jobs.length)}`);
      }
    };
    await Promise.all(Array.from({ length: options.parallel ?? 2 }, worker));
    // One durable commit makes every relaxed one before it durable (commits-without-fsync.ts).
    opened.db.pragma('wal_checkpoint(TRUNCATE)');
    return made;
  } finally {
    opened.close();
  }
}
