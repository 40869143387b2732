import type { Usage } from '../driver.js';

/**
 * btrfs usage accounting comes from quota groups: each subvolume has a level-0 qgroup `0/<id>` with
 * "referenced" (everything it points at) and "exclusive" (what only it points at, i.e. what deleting it
 * frees). Without quotas there is no cheap exact answer, so the documented fallback is null for both
 * (walking the tree with du would be slow and still could not tell shared from exclusive).
 */
export interface QgroupRow {
  readonly level: number;
  readonly id: number;
  readonly referencedBytes: number;
  readonly exclusiveBytes: number;
}

/** Parses `btrfs qgroup show --raw` (btrfs-progs 5.x and 6.x; the optional Path column is ignored). */
export function parseQgroupShow(text: string): QgroupRow[] {
  const rows: QgroupRow[] = [];
  for (const line of text.split('\n')) {
    const match = /^\s*(\d+)\/(\d+)\s+(\d+)\s+(\d+)/.exec(line);
    if (match?.[1] === undefined || match[2] === undefined || match[3] === undefined || match[4] === undefined) continue;
    rows.push({
      level: Number.parseInt(match[1], 10),
      id: Number.parseInt(match[2], 10),
      referencedBytes: Number.parseInt(match[3], 10),
      exclusiveBytes: Number.parseInt(match[4], 10),
    });
  }
  return rows;
}

/** The usage of subvolume `subvolumeId` from `btrfs qgroup show` output, or nulls if it has no qgroup. */
export function usageOf(rows: readonly QgroupRow[], subvolumeId: number): Usage {
  const row = rows.find((r) => r.level === 0 && r.id === subvolumeId);
  return { exclusiveBytes: row?.exclusiveBytes ?? null, referencedBytes: row?.referencedBytes ?? null };
}

/** Stderr of `btrfs qgroup show` when quotas are off (the fallback case, not an error). */
export function quotasDisabled(stderr: string): boolean {
  return /quotas not enabled|not enabled/i.test(stderr);
}

/**
 * Numbers are wrong until a rescan: quotas were just enabled on a pool that already held data, or the
 * kernel marked the qgroup tree inconsistent. btrfs-progs says so on stderr.
 */
export function qgroupsInconsistent(stderr: string): boolean {
  return /inconsistent|rescan is running/i.test(stderr);
}
