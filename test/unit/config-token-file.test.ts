import assert from 'node:assert/strict';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadOrCreateToken, readToken } from '../../src/config/token-file.js';

// Unit tests need no root and no fixture: a private temp folder, removed afterwards.
const dir = mkdtempSync(join(tmpdir(), 'cowsnap-unit-token-'));
after(() => rm(dir, { recursive: true, force: true }));

describe('loadOrCreateToken', () => {
  it('creates a random 32-byte hex token, readable only by its owner, in a root-only directory', async () => {
    const file = join(dir, 'fresh', 'etc', 'token');
    const token = await loadOrCreateToken(file);
    assert.match(token, /^[0-9a-f]{64}$/);
    assert.equal((await readFile(file, 'utf8')).trim(), token);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await stat(join(dir, 'fresh', 'etc'))).mode & 0o777, 0o700);
  });

  it('returns the same token on the next start and a different one for another file', async () => {
    const file = join(dir, 'again');
    const first = await loadOrCreateToken(file);
    assert.equal(await loadOrCreateToken(file), first);
    assert.notEqual(await loadOrCreateToken(join(dir, 'other')), first);
  });

  it('gives concurrent first starts one token', async () => {
    const file = join(dir, 'race');
    const tokens = await Promise.all([1, 2, 3, 4].map(() => loadOrCreateToken(file)));
    assert.equal(new Set(tokens).size, 1);
  });

  it('keeps an operator-provided token (trimmed) and refuses an empty file', async () => {
    const own = join(dir, 'own');
    await writeFile(own, '  my-own-token-value\n');
    assert.equal(await loadOrCreateToken(own), 'my-own-token-value');
    const empty = join(dir, 'empty');
    await writeFile(empty, '\n');
    await assert.rejects(loadOrCreateToken(empty), /is empty/);
    assert.equal(await readToken(join(dir, 'missing')), undefined);
  });
});
