import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideRetention, type RetentionEntry } from '../../src/core/remote-retention.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (day: number): Date => new Date(T0 + day * DAY);

/** Replica of day `day` of schedule 1, expiring `ttl` days later, incremental to `parent` (a day) or full. */
function entry(day: number, parent: number | null, ttl = 5, overrides: Partial<RetentionEntry> = {}): RetentionEntry {
  return {
    snapshotName: `snap-${String(day).padStart(2, '0')}`,
    createdAt: at(day),
    state: 'ready',
    expiresAt: at(day + ttl),
    scheduleId: 1,
    parents: parent === null ? [] : [`snap-${String(parent).padStart(2, '0')}`],
    managed: true,
    ...overrides,
  };
}

/** Days 1..n, a full one every `every` days, each other incremental to the day before. */
function chain(n: number, every: number, ttl = 5): RetentionEntry[] {
  return Array.from({ length: n }, (_, i) => entry(i + 1, i % every === 0 ? null : i, ttl));
}

const summary = (decisions: ReturnType<typeof decideRetention>): string[] =>
  decisions.map((d) => `${d.snapshotName}:${d.action}${d.why === null ? '' : ` (${d.why})`}`);

describe('remote retention', () => {
  it('deletes expired replicas no live one depends on, newest first; keeps the start of a live chain and says why', () => {
    const decisions = decideRetention(chain(12, 4), at(12), () => 1);
    assert.deepEqual(summary(decisions), [
      'snap-12:keep',
      'snap-11:keep',
      'snap-10:keep',
      'snap-09:keep',
      'snap-08:keep',
      'snap-07:keep (parent of snap-08)',
      'snap-06:keep (parent of snap-07)',
      'snap-05:keep (parent of snap-06)',
      'snap-04:delete',
      'snap-03:delete',
      'snap-02:delete',
      'snap-01:delete',
    ]);
  });

  it("keep_min keeps a schedule's newest replicas past their expiry, and their chain with them", () => {
    const decisions = decideRetention(chain(8, 4), at(40), (id) => (id === 1 ? 2 : 0));
    assert.deepEqual(summary(decisions), [
      'snap-08:keep (keep_min 2 of schedule 1)',
      'snap-07:keep (keep_min 2 of schedule 1)',
      'snap-06:keep (parent of snap-07)',
      'snap-05:keep (parent of snap-06)',
      'snap-04:delete',
      'snap-03:delete',
      'snap-02:delete',
      'snap-01:delete',
    ]);
  });

  it('keep_min counts only ready replicas; a failed expired record goes', () => {
    const entries = [entry(1, null), entry(2, 1), entry(3, 2, 5, { state: 'failed', parents: [] })];
    assert.deepEqual(summary(decideRetention(entries, at(30), () => 1)), ['snap-03:delete', 'snap-02:keep (keep_min 1 of schedule 1)', 'snap-01:keep (parent of snap-02)']);
  });

  it('a replica this host does not manage is never deleted, and protects what it depends on', () => {
    const foreign: RetentionEntry = { ...entry(9, 3), expiresAt: null, scheduleId: null, managed: false };
    const decisions = decideRetention([...chain(4, 4), foreign], at(30), () => 0);
    assert.deepEqual(summary(decisions), ['snap-04:delete', 'snap-03:keep (parent of snap-09)', 'snap-02:keep (parent of snap-03)', 'snap-01:keep (parent of snap-02)']);
  });

  it('a replica without expiry (pushed by hand) is live and keeps its parents', () => {
    const manual = entry(5, 4, 0, { expiresAt: null, scheduleId: null });
    assert.deepEqual(summary(decideRetention([...chain(4, 4), manual], at(30), () => 0)), [
      'snap-05:keep',
      'snap-04:keep (parent of snap-05)',
      'snap-03:keep (parent of snap-04)',
      'snap-02:keep (parent of snap-03)',
      'snap-01:keep (parent of snap-02)',
    ]);
  });

  it('a replica pushed by hand with an expiry goes when it expires, unless a live one depends on it', () => {
    const manualFull = entry(1, null, 3, { scheduleId: null });
    const manualChild = entry(2, 1, 30, { scheduleId: null });
    assert.deepEqual(summary(decideRetention([manualFull, manualChild], at(10), () => 5)), ['snap-02:keep', 'snap-01:keep (parent of snap-02)']);
    assert.deepEqual(summary(decideRetention([manualFull, manualChild], at(40), () => 5)), ['snap-02:delete', 'snap-01:delete']);
  });

  it('nothing of the container goes while an upload to the remote runs (it may pick any replica as parent)', () => {
    const entries = [...chain(3, 3), entry(4, null, 5, { state: 'uploading', parents: [] })];
    const decisions = decideRetention(entries, at(30), () => 0);
    assert.ok(decisions.every((d) => d.action === 'keep'), summary(decisions).join(', '));
    assert.equal(decisions.find((d) => d.snapshotName === 'snap-01')?.why, 'an upload of snap-04 to this remote is running');
  });

  it('expiry is inclusive: a replica expiring exactly now goes', () => {
    assert.deepEqual(summary(decideRetention([entry(1, null, 5)], at(6), () => 0)), ['snap-01:delete']);
    assert.deepEqual(summary(decideRetention([entry(1, null, 5)], new Date(at(6).getTime() - 1), () => 0)), ['snap-01:keep']);
  });
});
