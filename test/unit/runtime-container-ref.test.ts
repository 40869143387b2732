import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../../src/errors/validation-error.js';
import { ambiguousRefError, matchContainerRef, normalizeContainerRef } from '../../src/runtime/container-ref.js';

const A = { id: `abc1${'0'.repeat(60)}`, names: ['web'] };
const B = { id: `abc2${'0'.repeat(60)}`, names: ['db'] };
const C = { id: `def0${'0'.repeat(60)}`, names: ['abc1'] };

describe('container refs', () => {
  it('accepts ids, prefixes and names, with or without the leading slash', () => {
    assert.equal(normalizeContainerRef('/web'), 'web');
    assert.equal(normalizeContainerRef('my_app.v2-blue'), 'my_app.v2-blue');
    assert.equal(normalizeContainerRef(A.id), A.id);
  });

  it('rejects what cannot be a container, listing every problem', () => {
    for (const bad of ['', '/', '../etc', 'a b', '-flag', 'x/y', '$(rm)', 'é']) {
      assert.throws(() => normalizeContainerRef(bad), ValidationError, bad);
    }
    assert.throws(
      () => normalizeContainerRef(`-${'a'.repeat(200)}`),
      (error: unknown) => error instanceof ValidationError && error.details.length === 2,
    );
  });

  it('matches in Docker order: exact id, then exact name, then a unique id prefix', () => {
    assert.deepEqual(matchContainerRef(A.id, [A, B, C]), { kind: 'one', container: A });
    assert.deepEqual(matchContainerRef('/db', [A, B, C]), { kind: 'one', container: B });
    // "abc1" is C's name and A's id prefix: the name wins, as in Docker.
    assert.deepEqual(matchContainerRef('abc1', [A, B, C]), { kind: 'one', container: C });
    assert.deepEqual(matchContainerRef('abc2', [A, B, C]), { kind: 'one', container: B });
    assert.deepEqual(matchContainerRef('abc', [A, B, C]), { kind: 'ambiguous', candidates: [A, B] });
    assert.deepEqual(matchContainerRef('fff', [A, B, C]), { kind: 'none' });
    assert.deepEqual(matchContainerRef('we', [A, B, C]), { kind: 'none' }, 'names are never matched by prefix');
  });

  it('names every candidate of an ambiguous prefix', () => {
    const error = ambiguousRefError('abc', [A, B]);
    assert.equal(error.statusCode, 400);
    assert.equal(error.code, 'ambiguous_container');
    assert.match(error.message, /abc10{8} \(web\), abc20{8} \(db\)/);
  });
});
