import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { previewCron } from '../src/logic/cron-preview.ts';

const NOW = new Date('2026-03-28T12:00:00Z');

describe('next runs of a schedule before it is saved', () => {
  it('reads the expression in the schedule time zone, across a DST change', () => {
    const preview = previewCron('0 3 * * *', 'Europe/Berlin', NOW, 3);
    assert.ok(preview.ok);
    // 03:00 Berlin is 02:00 UTC in winter; on 29 March 2026 summer time starts, 03:00 CEST = 01:00 UTC.
    assert.deepEqual(
      preview.runs.map((d) => d.toISOString()),
      ['2026-03-29T01:00:00.000Z', '2026-03-30T01:00:00.000Z', '2026-03-31T01:00:00.000Z'],
    );
  });

  it('takes the shorthands the service takes', () => {
    const preview = previewCron('@hourly', 'UTC', NOW, 2);
    assert.ok(preview.ok);
    assert.deepEqual(preview.runs.map((d) => d.toISOString()), ['2026-03-28T13:00:00.000Z', '2026-03-28T14:00:00.000Z']);
  });

  it('names the problem instead of runs for what the service would refuse', () => {
    for (const [expression, zone, words] of [
      ['', 'UTC', /Enter a cron expression/],
      ['0 3 * *', 'UTC', /Five fields .* this has 4/],
      ['0 0 3 * * *', 'UTC', /this has 6/],
      ['@yearly', 'UTC', /not one of @hourly/],
      ['61 * * * *', 'UTC', /61|minute/i],
      ['0 3 * * *', 'Mars/Olympus', /not a known time zone/],
    ] as const) {
      const preview = previewCron(expression, zone, NOW);
      assert.ok(!preview.ok, expression);
      assert.match(preview.problem, words, expression);
    }
  });
});
