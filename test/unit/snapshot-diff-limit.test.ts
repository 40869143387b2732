/**
 * A diff lists at most `diffMaxChanges` paths over all the container's filesystems: each filesystem's
 * driver gets what the ones before it left, and a driver that stops past its share (TooManyChangesError,
 * proven on real pools by the driver conformance suite) becomes 409 diff_too_large, naming the snapshots
 * and never a host path.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TooManyChangesError } from '../../storage-drivers/common/errors.js';
import type { DiffEntry, DiffOptions } from '../../storage-drivers/driver.js';
import { DIFF_CONCURRENCY, SnapshotDiffService, type SnapshotDiffDeps } from '../../src/core/snapshot-diff.js';
import type { CapturedFilesystem, ContainerRecord, SnapshotRecord } from '../../src/core/model.js';
import { ConflictError } from '../../src/errors/conflict-error.js';
import { sampleConfig } from '../store/store-fixture.js';

const FILESYSTEMS = [
  { role: 'rootfs', mountPoint: '/', pool: 'p', dataset: '/srv/pool/rootfs-dataset' },
  { role: 'mount', mountPoint: '/data', pool: 'p', dataset: '/srv/pool/data-dataset' },
] as unknown as CapturedFilesystem[];
const container = { id: 'c'.repeat(64), name: 'web' } as unknown as ContainerRecord;
const snapshot = (id: number, name: string): SnapshotRecord => ({ id, name, state: 'ready', filesystems: FILESYSTEMS, config: sampleConfig() }) as unknown as SnapshotRecord;

/** `changed[dataset]` paths changed; honours maxEntries as the drivers do; each comparison waits for `gate`. */
function service(changed: Record<string, number>, maxChanges: number, budgets: number[], gate: () => Promise<void> = () => Promise.resolve()): SnapshotDiffService {
  const driver = {
    info: () => ({ capabilities: { diff: 'full' } }),
    async diff(dataset: string, _from: string, _to?: string, options: DiffOptions = {}): Promise<DiffEntry[]> {
      const max = options.maxEntries ?? Infinity;
      budgets.push(max);
      await gate();
      const count = changed[dataset] ?? 0;
      if (count > max) throw new TooManyChangesError(max);
      return Array.from({ length: count }, (_, i) => ({ path: `/f${String(i)}`, change: 'added' as const }));
    },
  };
  const deps = {
    store: { resolveSnapshot: (_id: string, ref: string) => (ref === 'a' ? snapshot(1, 'snap-a') : snapshot(2, 'snap-b')) },
    resolver: { resolve: () => Promise.resolve({ record: container, live: undefined }) },
    locks: { runShared: <T>(_id: string, _what: string, body: () => Promise<T>) => body() },
    pools: { driverFor: () => driver },
  } as unknown as SnapshotDiffDeps;
  return new SnapshotDiffService(deps, maxChanges);
}

describe('diff limit (diffMaxChanges)', () => {
  it('shares the limit over the filesystems and lists a diff of exactly the limit', async () => {
    const budgets: number[] = [];
    const result = await service({ '/srv/pool/rootfs-dataset': 6, '/srv/pool/data-dataset': 4 }, 10, budgets).diff('web', 'a', 'b', { limit: 100, offset: 0 });
    assert.equal(result.total, 10);
    assert.deepEqual(budgets, [10, 4], 'the second filesystem gets what the first left');
  });

  it('answers 409 diff_too_large past the limit, naming the snapshots, not the datasets', async () => {
    const budgets: number[] = [];
    const refused = service({ '/srv/pool/rootfs-dataset': 6, '/srv/pool/data-dataset': 5 }, 10, budgets).diff('web', 'a', 'b', { limit: 100, offset: 0 });
    await assert.rejects(refused, (error: unknown) => {
      assert.ok(error instanceof ConflictError);
      assert.equal(error.code, 'diff_too_large');
      assert.match(error.message, /More than 10 paths changed between snap-a and snap-b/);
      assert.doesNotMatch(error.message, /srv|dataset/);
      return true;
    });
  });

  it(`runs at most ${String(DIFF_CONCURRENCY)} comparisons at once; the others wait their turn`, async () => {
    const started: number[] = [];
    const gates: (() => void)[] = [];
    const diffs = service({ '/srv/pool/rootfs-dataset': 1, '/srv/pool/data-dataset': 1 }, 10, started, () => new Promise((resolve) => gates.push(resolve)));
    const all = Promise.all(Array.from({ length: 4 }, () => diffs.diff('web', 'a', 'b', { limit: 100, offset: 0 })));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(started.length, DIFF_CONCURRENCY, 'the third and fourth wait');
    while (gates.length > 0) {
      gates.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.deepEqual((await all).map((result) => result.total), [2, 2, 2, 2]);
    assert.equal(started.length, 8, 'every filesystem of every diff was compared in the end');
  });
});
