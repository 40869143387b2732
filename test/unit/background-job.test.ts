import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BackgroundJob } from '../../src/core/background-job.js';

describe('background job (reaper and scheduler runs)', () => {
  it('never overlaps itself: a tick during a run is dropped, an explicit run waits and then runs', async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const gates: (() => void)[] = [];
    const job = new BackgroundJob(async () => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      await new Promise<void>((resolve) => gates.push(resolve));
      active -= 1;
      return ++runs;
    }, (error: unknown) => {
      assert.fail(`unexpected failure: ${String(error)}`);
    });

    job.tick();
    job.tick(); // dropped: a run is in progress
    const explicit = job.run(); // queued behind it
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(gates.length, 1);
    gates.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(gates.length, 1, 'the explicit run started after the first ended');
    gates.shift()?.();
    assert.equal(await explicit, 2);
    assert.equal(maxActive, 1);
    assert.equal(job.running, false);
  });

  it('reports a failed tick and keeps working; stop() waits for the run in progress', async () => {
    const errors: unknown[] = [];
    let fail = true;
    let finished = false;
    const job = new BackgroundJob(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (fail) throw new Error('boom');
      finished = true;
      return 1;
    }, (error) => errors.push(error));
    job.tick();
    await new Promise((resolve) => setTimeout(resolve, 40));
    assert.match(String(errors[0]), /boom/);
    fail = false;
    job.start('* * * * *');
    job.tick();
    await job.stop();
    assert.equal(finished, true);
  });
});
