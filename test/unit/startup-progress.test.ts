/**
 * Issue #13 leftover: start-up recovery logged nothing until "start-up recovery done", so a recovery of
 * minutes (chaos seed 31: 140 s) looked stuck. Now each finished item is logged with its duration, and one
 * warning says when the whole passes its budget.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { RecoveryProgress, type RecoveryLog } from '../../src/core/startup-progress.js';
import { CONTAINER_ID } from '../store/store-fixture.js';
import { createRestoreHarness, poolMount, rootfs, settle, type RestoreHarness } from './support/restore-fakes.js';

interface Line {
  level: 'info' | 'warn';
  fields: Record<string, unknown>;
  message: string;
}

function collect(): { lines: Line[]; log: RecoveryLog } {
  const lines: Line[] = [];
  return { lines, log: (level, fields, message) => lines.push({ level, fields, message }) };
}

describe('start-up recovery progress', () => {
  let h: RestoreHarness | undefined;
  afterEach(() => h?.destroy());

  it('logs one line per finished item with its duration: the pool, the cut restore (kind, snapshot, container), the reconciliation', async () => {
    const harness = createRestoreHarness();
    h = harness;
    harness.runtime.add(CONTAINER_ID, 'web', [rootfs('/pool/web'), poolMount('/pool/web-data')]);
    harness.driver.addDataset('/pool/web', 'root-v1');
    harness.driver.addDataset('/pool/web-data', 'data-v1');
    const good = await harness.service.create('web', { alias: 'good' });
    harness.driver.freeze = { swap: 1, when: 'before' };
    void harness.service.restore('web', good.snapshot.name, {});
    await settle();
    harness.driver.freeze = undefined;

    const { lines, log } = collect();
    await harness.recoverAtStartup({ log });

    const items = lines.filter((line) => line.level === 'info').map((line) => line.fields);
    for (const fields of items) {
      assert.equal(typeof fields.durationMs, 'number', JSON.stringify(fields));
      assert.equal(typeof fields.elapsedMs, 'number', JSON.stringify(fields));
    }
    assert.ok(items.some((f) => f.item === 'pool storage' && f.pool === 'main'), JSON.stringify(items));
    const entry = items.find((f) => f.item === 'journal entry');
    assert.equal(entry?.kind, 'restore');
    assert.equal(entry.snapshot, good.snapshot.name);
    assert.equal(entry.container, CONTAINER_ID.slice(0, 12));
    assert.ok(items.some((f) => f.item === 'records against storage'));
    assert.deepEqual(lines.filter((line) => line.level === 'warn'), [], 'a quick recovery does not warn');
  });

  it('warns once when the recovery passes its budget, naming the item and the time so far; a failed item is logged too', async () => {
    let now = 0;
    const { lines, log } = collect();
    const progress = new RecoveryProgress(log, () => now, 60_000);
    await progress.step('journal entry', { kind: 'restore' }, () => {
      now += 45_000;
      return Promise.resolve();
    });
    await assert.rejects(
      progress.step('journal entry', { kind: 'delete' }, () => {
        now += 30_000;
        return Promise.reject(new Error('busy'));
      }),
    );
    await progress.step('records against storage', {}, () => {
      now += 5_000;
      return Promise.resolve();
    });
    assert.deepEqual(
      lines.filter((line) => line.level === 'info').map((line) => [line.fields.item, line.fields.durationMs, line.fields.elapsedMs, line.fields.failed]),
      [
        ['journal entry', 45_000, 45_000, undefined],
        ['journal entry', 30_000, 75_000, true],
        ['records against storage', 5_000, 80_000, undefined],
      ],
    );
    const warnings = lines.filter((line) => line.level === 'warn');
    assert.equal(warnings.length, 1);
    const [warning] = warnings;
    assert.ok(warning);
    assert.equal(warning.fields.elapsedMs, 75_000);
    assert.equal(warning.fields.item, 'journal entry');
  });
});
