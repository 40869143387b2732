/**
 * The real service (real SQLite, HTTP on 127.0.0.1; no pool and no Docker needed for this) prunes its
 * operation journal: finished rows older than `journalRetentionDays` go on each reaper run; so do the
 * finished operations clients follow (GET /operations) older than `eventRetentionDays`.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import { ManualClock } from '../../src/core/clock.js';
import { startService } from '../../src/service.js';
import { openStore } from '../../src/store/open-store.js';
import { OperationStore } from '../../src/store/operation-store.js';
import { scratchDir } from '../support/scratch.js';
import { rmSync } from 'node:fs';

const DAY = 86_400_000;

describe('journal retention', () => {
  const dir = scratchDir('journal-retention');
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('defect-10 finished journal rows older than journalRetentionDays are pruned by the reaper run; running ones and recent ones stay', async () => {
    const databasePath = join(dir, 'cowsnap.db');
    const keyFile = join(dir, 'secret.key');
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const seeded = openStore({ databasePath, keyFile, clock });
    const old = seeded.store.startOperation('delete', 'c'.repeat(64), 'snap-20260101-000000', {});
    seeded.store.finishOperation(old.id, 'done');
    clock.advance(25 * DAY);
    const recent = seeded.store.startOperation('delete', 'c'.repeat(64), 'snap-20260126-000000', {});
    seeded.store.finishOperation(recent.id, 'failed', 'boom');
    // Operations as GET /operations shows them: finished 10 and 2 days before the reaper run, one still running.
    const operations = new OperationStore(seeded.db, clock);
    const tracked = { kind: 'snapshot.create', containerId: null, snapshotName: null, target: null } as const;
    const finishedLongAgo = operations.createOperation(tracked, 'running');
    operations.finishOperation(finishedLongAgo.id, { status: 'succeeded' });
    const stillRunning = operations.createOperation(tracked, 'running');
    clock.advance(8 * DAY);
    const finishedLately = operations.createOperation(tracked, 'running');
    operations.finishOperation(finishedLately.id, { status: 'failed', error: { code: 'internal_error', message: 'boom' } });
    clock.advance(-8 * DAY);
    seeded.close();

    clock.advance(10 * DAY); // old: 35 days ago, recent: 10 days ago
    const service = await startService(
      {
        listen: { host: '127.0.0.1', port: 0 },
        stateDir: dir,
        databasePath,
        keyFile,
        tokenFile: join(dir, 'token'),
        token: 'test-token-0123456789abcdef',
        dockerSocket: join(dir, 'no-docker.sock'),
        pools: [],
        remotes: [],
        reaperSchedule: '0 0 1 1 *',
        stopTimeoutSeconds: 1,
        journalRetentionDays: 30,
        eventRetentionDays: 7,
        logLevel: 'silent',
      },
      pino({ level: 'silent' }),
      { clock },
    );
    try {
      await service.reaper.run();
    } finally {
      await service.close();
    }
    const reopened = openStore({ databasePath, keyFile, clock });
    try {
      assert.equal(reopened.store.getOperation(old.id), undefined, 'finished 35 days ago: pruned');
      assert.ok(reopened.store.getOperation(recent.id), 'finished 10 days ago: kept');
      const operations = new OperationStore(reopened.db, clock);
      assert.equal(operations.getOperation(finishedLongAgo.id), undefined, 'operation finished 10 days ago: pruned (7 days)');
      assert.equal(operations.getOperation(stillRunning.id)?.status, 'running', 'a running operation always stays');
      assert.equal(operations.getOperation(finishedLately.id)?.status, 'failed', 'finished 2 days ago: kept');
    } finally {
      reopened.close();
    }
  });
});
