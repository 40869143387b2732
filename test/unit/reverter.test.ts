import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Reverter, withReverter } from '../../storage-drivers/common/reverter.js';

describe('reverter', () => {
  it('undoes in reverse order, keeps going past a failing step, and reports it', async () => {
    const done: string[] = [];
    const reverter = new Reverter();
    reverter.add('one', () => Promise.resolve(void done.push('undo one')));
    reverter.add('two', () => Promise.reject(new Error('cannot undo two')));
    reverter.add('three', () => Promise.resolve(void done.push('undo three')));
    const failures = await reverter.revert();
    assert.deepEqual(done, ['undo three', 'undo one']);
    assert.deepEqual(failures.map((f) => f.label), ['two']);
    assert.deepEqual(await reverter.revert(), [], 'a second revert does nothing');
  });

  it('does nothing after success()', async () => {
    const reverter = new Reverter();
    let undone = false;
    reverter.add('x', () => Promise.resolve(void (undone = true)));
    reverter.success();
    await reverter.revert();
    assert.equal(undone, false);
  });

  it('withReverter rethrows the original error after undoing', async () => {
    const done: string[] = [];
    class Typed extends Error {}
    await assert.rejects(
      withReverter(async (r) => {
        r.add('a', () => Promise.resolve(void done.push('a')));
        await Promise.resolve();
        throw new Typed('boom');
      }),
      Typed,
    );
    assert.deepEqual(done, ['a']);
    assert.equal(await withReverter((r) => Promise.resolve((r.add('b', () => Promise.resolve()), 42))), 42);
  });
});
