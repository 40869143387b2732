/**
 * Chaos seed 31: one start-up recovery took 140 s, past the 120 s start limit. zfs-fuse answers a rename of a
 * dataset "busy" after 1.5–5 s per attempt (measured on the test pool: 11 attempts, 1.4–3.1 s each), and the
 * busy retries counted only their own delays (~5.6 s), so one busy rename cost ~30 s and a few of them in one
 * recovery went past the limit. The retries now stop after 6 s of wall clock, attempts included.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CommandResult, CommandRunner } from '../../storage-drivers/common/command-runner.js';
import { CommandFailedError } from '../../storage-drivers/common/errors.js';
import { ZfsCommands } from '../../storage-drivers/zfs/zfs-commands.js';

/** A zfs whose every rename answers busy after `attemptMs` of (fake) time; the rest succeeds at once. */
function slowBusyZfs(attemptMs: number): { zfs: ZfsCommands; clock: { now: number }; renames: () => number } {
  const clock = { now: 0 };
  let renames = 0;
  const runner: CommandRunner = {
    run(_command, args): Promise<CommandResult> {
      if (args[0] === 'rename') {
        renames += 1;
        clock.now += attemptMs;
        return Promise.reject(new CommandFailedError('zfs', args, 1, "cannot rename 'p/d': dataset is busy\n"));
      }
      return Promise.resolve({ stdout: 'p/d\n', stderr: '' });
    },
  };
  const zfs = new ZfsCommands(runner, {
    now: () => clock.now,
    sleep: (ms) => {
      clock.now += ms;
      return Promise.resolve();
    },
  });
  return { zfs, clock, renames: () => renames };
}

describe('zfs busy retries are bounded by wall clock', () => {
  it('a rename that stays busy, each attempt taking 2.5 s, gives up (busy) within 6 s plus one attempt', async () => {
    const { zfs, clock, renames } = slowBusyZfs(2_500);
    await assert.rejects(zfs.rename('p/d', 'p/i/lineage-x'), { code: 'busy' });
    assert.ok(clock.now <= 6_000 + 2_500, `gave up after ${String(clock.now)} ms (${String(renames())} attempts)`);
    assert.ok(renames() >= 2, 'a busy rename is still retried');
  });

  it('quick busy answers (the transient busy after an unmount) are still retried for about 6 s', async () => {
    const { zfs, clock, renames } = slowBusyZfs(10);
    await assert.rejects(zfs.rename('p/d', 'p/i/lineage-x'), { code: 'busy' });
    assert.ok(renames() >= 10, String(renames()));
    assert.ok(clock.now >= 4_000 && clock.now <= 6_000 + 10, String(clock.now));
  });
});
