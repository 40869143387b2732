import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadOrCreateKey, SecretBox } from '../../src/store/secret-box.js';
import { registerTeardown } from '../support/cleanup.js';
import { scratchDir } from '../support/scratch.js';

describe('store: secret box (AES-256-GCM, key file outside the database)', () => {
  const dir = scratchDir('secret-box');
  const remove = (): void => {
    rmSync(dir, { recursive: true, force: true });
  };
  const cleanup = registerTeardown(`secret-box ${dir}`, () => {
    remove();
    return Promise.resolve();
  }, remove);
  after(() => cleanup.release());

  it('creates a 32-byte key with mode 0600 on first use, in a new folder, and reuses it after', () => {
    const path = join(dir, 'new-folder', 'secret.key');
    const key = loadOrCreateKey(path);
    assert.equal(key.length, 32);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'new-folder')).mode & 0o777, 0o700);
    assert.deepEqual(readFileSync(path), key);
    assert.deepEqual(loadOrCreateKey(path), key);
    assert.deepEqual(readdirSync(join(dir, 'new-folder')), ['secret.key'], 'no temporary file is left behind');
  });

  it('round-trips text, with a fresh IV each time and a versioned format', () => {
    const box = new SecretBox(randomBytes(32));
    const plain = 'DB_PASSWORD=hunter2 ünïcödé ✓';
    const a = box.encrypt(plain);
    const b = box.encrypt(plain);
    assert.notEqual(a, b);
    assert.match(a, /^v1:[\w-]+:[\w-]+:[\w-]+$/);
    assert.ok(!a.includes('hunter2'));
    assert.equal(box.decrypt(a), plain);
    assert.equal(box.decrypt(box.encrypt('')), '');
  });

  it('refuses a tampered blob, a wrong key, a foreign format and garbage, each with a clear error', () => {
    const box = new SecretBox(randomBytes(32));
    const blob = box.encrypt('TOKEN=abc');
    const parts = blob.split(':');
    const cipher = Buffer.from(parts[3] ?? '', 'base64url');
    cipher[0] = (cipher[0] ?? 0) ^ 1;
    const tampered = [parts[0], parts[1], parts[2], cipher.toString('base64url')].join(':');
    const altered = /Cannot decrypt a stored secret: the key file is not the one it was sealed with, or the stored data was altered/;
    assert.throws(() => box.decrypt(tampered), { code: 'secret_decrypt_failed', message: altered });
    assert.throws(() => new SecretBox(randomBytes(32)).decrypt(blob), { code: 'secret_decrypt_failed', message: altered });
    assert.throws(() => box.decrypt(`v9${blob.slice(2)}`), { code: 'secret_decrypt_failed', message: /format "v9" is unknown/ });
    assert.throws(() => box.decrypt('TOKEN=abc'), { code: 'secret_decrypt_failed', message: /not a sealed secret/ });
    assert.throws(() => box.decrypt(`v1:AAAA:${parts[2] ?? ''}:${parts[3] ?? ''}`), { code: 'secret_decrypt_failed', message: /wrong length/ });
  });

  it('refuses a key file of the wrong size or readable by others', () => {
    const short = join(dir, 'short.key');
    writeFileSync(short, randomBytes(16), { mode: 0o600 });
    assert.throws(() => loadOrCreateKey(short), { code: 'secret_key_invalid', message: /holds 16 bytes, expected exactly 32/ });
    const open = join(dir, 'open.key');
    writeFileSync(open, randomBytes(32));
    chmodSync(open, 0o644);
    assert.throws(() => loadOrCreateKey(open), { code: 'secret_key_invalid', message: /mode 644.*chmod 600/ });
    assert.throws(() => new SecretBox(randomBytes(31)), { code: 'secret_key_invalid' });
  });
});
