import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { BackgroundJob } from '../../src/core/background-job.js';
import { startMinuteTimer } from '../../src/core/minute-timer.js';

const MINUTE = 60_000;
const START = Date.UTC(2026, 10, 29, 10, 41, 27, 250);

describe('minute timer (the every-minute jobs)', () => {
  beforeEach(() => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: START });
  });
  afterEach(() => {
    mock.timers.reset();
  });

  it('ticks at second 0 of every minute, without drifting when a tick runs late', () => {
    const ticks: string[] = [];
    const timer = startMinuteTimer(() => ticks.push(new Date().toISOString()));
    mock.timers.tick(32_749);
    assert.deepEqual(ticks, [], 'nothing before the next whole minute');
    mock.timers.tick(1);
    assert.deepEqual(ticks, ['2026-11-29T10:42:00.000Z']);
    mock.timers.tick(MINUTE);
    mock.timers.tick(MINUTE);
    assert.deepEqual(ticks.slice(1), ['2026-11-29T10:43:00.000Z', '2026-11-29T10:44:00.000Z']);
    timer.stop();
    mock.timers.tick(5 * MINUTE);
    assert.equal(ticks.length, 3, 'no tick after stop()');
  });

  it('aims each tick at the next whole minute from the time it actually fired', () => {
    const fired: number[] = [];
    let late = 0;
    // A clock that reads 7 s late once, as after an event-loop stall: the next tick still lands on :00.
    const timer = startMinuteTimer(() => fired.push(Date.now() + late), () => Date.now() + late);
    late = 7_000;
    mock.timers.tick(32_750);
    mock.timers.tick(MINUTE - 7_000);
    timer.stop();
    assert.deepEqual(fired.map((at) => new Date(at).toISOString()), ['2026-11-29T10:42:07.000Z', '2026-11-29T10:43:00.000Z']);
  });
});

describe('background job timers', () => {
  /** Counts `Intl.DateTimeFormat` constructions while `body` runs. */
  async function dateFormatsDuring(body: () => Promise<void>): Promise<number> {
    const original = Intl.DateTimeFormat;
    let made = 0;
    const counting = new Proxy(original, {
      construct(target, args: ConstructorParameters<typeof Intl.DateTimeFormat>) {
        made += 1;
        return new target(...args);
      },
      apply(target, _self, args: Parameters<typeof Intl.DateTimeFormat>) {
        made += 1;
        return target(...args);
      },
    });
    Object.defineProperty(Intl, 'DateTimeFormat', { value: counting, configurable: true, writable: true });
    try {
      await body();
    } finally {
      Object.defineProperty(Intl, 'DateTimeFormat', { value: original, configurable: true, writable: true });
    }
    return made;
  }

  it('an every-minute job never touches Intl (its ICU data costs ~7 MiB resident); other expressions run on node-cron', async () => {
    const job = new BackgroundJob(() => Promise.resolve(1), (error) => assert.fail(String(error)));
    assert.equal(await dateFormatsDuring(async () => {
      job.start(' *  * * * * ');
      await job.stop();
    }), 0);
    // The same probe sees node-cron's timer format dates: the check above can fail.
    assert.ok(await dateFormatsDuring(async () => {
      job.start('*/5 * * * *');
      await job.stop();
    }) > 0);
  });
});
