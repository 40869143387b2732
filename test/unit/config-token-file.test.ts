import assert from 'node:assert/strict';
import { chmod, chown, readFile, rm, stat, writeFile } from 'node:fs/promises';
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
    await writeFile(own, '  my-own-token-value\n', { mode: 0o600 });
    assert.equal(await loadOrCreateToken(own), 'my-own-token-value');
    const empty = join(dir, 'empty');
    await writeFile(empty, '\n', { mode: 0o600 });
    await assert.rejects(loadOrCreateToken(empty), /is empty/);
    assert.equal(await readToken(join(dir, 'missing')), undefined);
  });

  it('defect-10 refuses a token file group or others can read, naming the fix', async () => {
    const open = join(dir, 'world-readable');
    await writeFile(open, 'a-token\n', { mode: 0o644 });
    await chmod(open, 0o644);
    await assert.rejects(readToken(open), /accessible to group or others \(mode 644\); run: chmod 600/);
    await assert.rejects(loadOrCreateToken(open), /chmod 600/);
  });

  it('defect-10 refuses a token file owned by another user (not root)', { skip: process.getuid?.() !== 0 && 'needs root to chown' }, async () => {
    const foreign = join(dir, 'foreign');
    await writeFile(foreign, 'a-token\n', { mode: 0o600 });
    await chown(foreign, 4242, 4242);
    await assert.rejects(readToken(foreign), /owned by uid 4242/);
  });

  it('defect-10 refuses a directory where the token file should be', async () => {
    await assert.rejects(readToken(dir), /not a regular file/);
  });
});
