import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cronProblem, latestSlot, nextSlot, timezoneProblem } from '../../src/core/cron-expression.js';

describe('cron slots', () => {
  it('finds the latest slot at or before now (a slot exactly at now counts) and the next one', () => {
    const now = new Date('2026-03-04T03:00:00Z');
    assert.equal(latestSlot('0 3 * * *', 'UTC', now)?.toISOString(), '2026-03-04T03:00:00.000Z');
    assert.equal(latestSlot('0 3 * * *', 'UTC', new Date(now.getTime() - 1))?.toISOString(), '2026-03-03T03:00:00.000Z');
    assert.equal(nextSlot('0 3 * * *', 'UTC', now)?.toISOString(), '2026-03-05T03:00:00.000Z');
    assert.equal(latestSlot('@monthly', 'UTC', now)?.toISOString(), '2026-03-01T00:00:00.000Z');
    assert.equal(latestSlot('@weekly', 'UTC', now)?.toISOString(), '2026-03-01T00:00:00.000Z'); // a Sunday
  });

  it('follows daylight saving time in the schedule time zone', () => {
    // Berlin switches to CEST on 2026-03-29: 03:00 local is 02:00 UTC before, 01:00 UTC after.
    assert.equal(latestSlot('0 3 * * *', 'Europe/Berlin', new Date('2026-03-28T12:00:00Z'))?.toISOString(), '2026-03-28T02:00:00.000Z');
    assert.equal(latestSlot('0 3 * * *', 'Europe/Berlin', new Date('2026-03-30T12:00:00Z'))?.toISOString(), '2026-03-30T01:00:00.000Z');
  });

  it('accepts five fields and @hourly/@daily/@weekly/@monthly only; names real time zones', () => {
    for (const ok of ['*/5 * * * *', '0 3 * * 1-5', '@hourly', '@daily', '@weekly', '@monthly']) assert.equal(cronProblem(ok), null, ok);
    for (const bad of ['', '* * * *', '0 0 * * * *', '@reboot', '0 24 * * *', '61 * * * *', 'a b c d e']) assert.notEqual(cronProblem(bad), null, bad);
    for (const ok of ['UTC', 'Europe/Berlin', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5']) assert.equal(timezoneProblem(ok), null, ok);
    for (const bad of ['Mars/Olympus', 'Europe/Berlin ', '', '+02:00', 'utc/../x']) assert.notEqual(timezoneProblem(bad), null, bad);
  });
});
