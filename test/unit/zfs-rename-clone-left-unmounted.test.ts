/**
 * Issue #13 leftover: on zfs-fuse a dataset is renamed with its mounted dependent clones (copies) unmounted
 * around the rename (zfs-rename-around-clones.ts). A clone that cannot be mounted again after it (something
 * wrote into its bare folder meanwhile) stays unmounted: the container that uses the copy then sees an empty
 * folder. That used to pass in silence; now it is logged at warn level, naming the clone.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CommandResult, CommandRunner } from '../../storage-drivers/common/command-runner.js';
import { CommandFailedError } from '../../storage-drivers/common/errors.js';
import { ZfsCommands } from '../../storage-drivers/zfs/zfs-commands.js';

// A pool name no process on this machine mounts, so the real /proc scan of zfs-holders finds no holder.
const POOL = 'cowsnapunitnopool';
const CLONE = `${POOL}/cowsnap-copy-web-1`;

/** zfs-fuse where `d` has one mounted clone, every command works except mounting the clone again. */
function zfsWithStuckClone(): { runner: CommandRunner; calls: string[] } {
  const calls: string[] = [];
  let cloneMounted = true;
  const runner: CommandRunner = {
    run(_command, args): Promise<CommandResult> {
      calls.push(args.join(' '));
      const ok = (stdout = ''): Promise<CommandResult> => Promise.resolve({ stdout, stderr: '' });
      if (args[0] === 'list' && args.includes('name,origin')) return ok(`${POOL}\t-\n${POOL}/d\t-\n${CLONE}\t${POOL}/d@s1\n`);
      if (args[0] === 'get') {
        return ok([`${CLONE}\tmounted\t${cloneMounted ? 'yes' : 'no'}\t-`, `${CLONE}\tcanmount\ton\tdefault`, `${CLONE}\tmountpoint\t/${CLONE}\tdefault`].join('\n'));
      }
      if (args[0] === 'unmount') {
        cloneMounted = false;
        return ok();
      }
      if (args[0] === 'mount') return Promise.reject(new CommandFailedError('zfs', args, 1, `cannot mount '/${CLONE}': directory is not empty\n`));
      return ok();
    },
  };
  return { runner, calls };
}

describe('zfs-fuse rename around mounted clones', () => {
  it('a clone that cannot be mounted again after the rename is logged at warn level with its name; the rename stands', async () => {
    const { runner, calls } = zfsWithStuckClone();
    const warnings: { fields: Record<string, unknown>; message: string }[] = [];
    const zfs = new ZfsCommands(runner, { unmountClonesToRename: () => Promise.resolve(true), warn: (fields, message) => warnings.push({ fields, message }) });

    await zfs.rename(`${POOL}/d`, `${POOL}/cowsnap-internal/lineage-x`);

    assert.ok(calls.includes(`rename ${POOL}/d ${POOL}/cowsnap-internal/lineage-x`), 'renamed');
    assert.equal(warnings.length, 1, JSON.stringify(warnings));
    const [warning] = warnings;
    assert.ok(warning);
    assert.equal(warning.fields.dataset, CLONE);
    assert.equal(warning.fields.renamed, `${POOL}/d`);
    assert.match(String(warning.fields.error), /not empty/);
  });
});
