/**
 * btrfs usage accounting comes from quota groups: each subvolume has a level-0 qgroup `0/<id>` with
 * "referenced" (everything it points at) and "exclusive" (what only it points at, i.e. what deleting it
 * frees). Without quotas there is no cheap exact answer, so the documented fallback is null for both
 * (walking the tree with du would be slow and still could not tell shared from exclusive). The numbers are
 * read from the quota tree (btrfs-qgroup-search.ts); `btrfs qgroup show` only tells at start-up whether
 * quotas are on and consistent, which these messages recognise.
 */
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
