import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { CowsnapStore } from '../../src/store/cowsnap-store.js';
import { SecretBox } from '../../src/store/secret-box.js';
import { createTestStore, newSnapshot, sampleConfig, withContainer } from './store-fixture.js';

const SECRET = 'hunter2-s3cr3t-value-for-grep';

/** Every byte SQLite wrote: the database file and, in WAL mode, the log not yet checkpointed. */
function bytesOnDisk(databasePath: string): Buffer {
  const parts = [databasePath, `${databasePath}-wal`].filter((path) => existsSync(path)).map((path) => readFileSync(path));
  return Buffer.concat(parts);
}

describe('store: environment values are encrypted at rest', () => {
  const test = createTestStore();
  after(() => test.destroy());

  it('keeps the key in its own 0600 file, created on first use', () => {
    assert.equal(statSync(test.keyPath).mode & 0o777, 0o600);
    assert.equal(statSync(test.keyPath).size, 32);
  });

  it('stores no env value in plain text, yet gives it back, and keeps the rest of the config readable', () => {
    const store = withContainer(test);
    const config = sampleConfig([`DB_PASSWORD=${SECRET}`, 'EMPTY=']);
    const snapshot = store.reserveSnapshot(newSnapshot({ config, alias: 'visible-alias-marker' }));

    const raw = test.db.prepare('SELECT config FROM snapshots WHERE id = ?').get(snapshot.id) as { config: string };
    assert.ok(!raw.config.includes(SECRET), 'the row holds no env value');
    assert.ok(!raw.config.includes('DB_PASSWORD'), 'nor the variable names');
    const stored = JSON.parse(raw.config) as Record<string, unknown>;
    assert.equal(stored.env, undefined);
    assert.match(String(stored.envSealed), /^v1:/);
    assert.equal(stored.image, config.image, 'the rest of the configuration stays plain JSON');

    test.db.pragma('wal_checkpoint(TRUNCATE)');
    const disk = bytesOnDisk(test.databasePath);
    assert.ok(disk.includes('visible-alias-marker'), 'the scan does see plain values (so the next check can fail)');
    assert.ok(!disk.includes(SECRET), 'the secret is nowhere in the database files');

    test.reopen();
    assert.deepEqual(test.store.getSnapshot(snapshot.id)?.config.env, [`DB_PASSWORD=${SECRET}`, 'EMPTY=']);
  });

  it('refuses to read env with a different key, with a clear error', () => {
    const wrong = new CowsnapStore(test.db, new SecretBox(randomBytes(32)), test.clock);
    const [snapshot] = test.store.listAllSnapshots();
    assert.ok(snapshot);
    // The configuration is decrypted when read (a restore, a copy), not when the record is loaded.
    assert.throws(() => wrong.getSnapshot(snapshot.id)?.config, {
      code: 'secret_decrypt_failed',
      message: /Cannot decrypt a stored secret: the key file is not the one it was sealed with/,
    });
  });

  it('detects a tampered sealed value', () => {
    const [snapshot] = test.store.listAllSnapshots();
    assert.ok(snapshot);
    // Flip one character of the ciphertext inside the stored JSON.
    test.db
      .prepare(
        `UPDATE snapshots SET config = json_set(config, '$.envSealed',
           substr(json_extract(config, '$.envSealed'), 1, length(json_extract(config, '$.envSealed')) - 2) ||
           CASE substr(json_extract(config, '$.envSealed'), -2, 1) WHEN 'A' THEN 'B' ELSE 'A' END ||
           substr(json_extract(config, '$.envSealed'), -1))
         WHERE id = ?`,
      )
      .run(snapshot.id);
    assert.throws(() => test.store.getSnapshot(snapshot.id)?.config, { code: 'secret_decrypt_failed' });
  });
});
