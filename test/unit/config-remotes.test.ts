import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/config-loader.js';

const dir = mkdtempSync(join(tmpdir(), 'cowsnap-unit-remotes-'));
after(() => { rmSync(dir, { recursive: true, force: true }); });
const absent = join(dir, 'absent.json');

function secretFile(name: string, content: string | Buffer, mode = 0o600): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  chmodSync(file, mode);
  return file;
}

function configWith(remotes: unknown): string {
  const file = join(dir, `config-${String(Math.random()).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ remotes }));
  return file;
}

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return error.problems.map((p) => `${p.path}: ${p.message}`);
  }
  assert.fail('expected the configuration to be rejected');
}

const credentials = secretFile('s3.json', '{"accessKeyId":"AK","secretAccessKey":"SK"}');
const key = secretFile('remote.key', Buffer.alloc(32, 7));

describe('loadConfig: remotes', () => {
  it('has no remotes by default and fills in the documented defaults of an entry', () => {
    assert.deepEqual(loadConfig({ env: {}, defaultFile: absent }).remotes, []);
    const file = configWith([{ id: 'offsite', endpoint: 'https://s3.example.net', bucket: 'backups', credentialsFile: credentials, encryptionKeyFile: key }]);
    assert.deepEqual(loadConfig({ file, env: {} }).remotes, [
      {
        id: 'offsite',
        endpoint: 'https://s3.example.net',
        region: 'us-east-1',
        bucket: 'backups',
        prefix: 'cowsnap',
        credentialsFile: credentials,
        forcePathStyle: false,
        compressionLevel: 3,
        encryptionKeyFile: key,
        partSizeMiB: 8,
        maxConcurrentUploads: 4,
      },
    ]);
  });

  it('reads every field, also from COWSNAP_REMOTES', () => {
    const remote = {
      id: 'rgw', endpoint: 'http://127.0.0.1:7480', region: 'eu-1', bucket: 'b.1', prefix: 'team/a', credentialsFile: credentials,
      forcePathStyle: true, compressionLevel: 1, encryptionKeyFile: key, partSizeMiB: 16, maxConcurrentUploads: 2,
    };
    assert.deepEqual(loadConfig({ env: { COWSNAP_REMOTES: JSON.stringify([remote]) }, defaultFile: absent }).remotes, [remote]);
  });

  it('lists every schema problem of every entry at once (file checks wait until the entries are valid)', () => {
    const loose = secretFile('loose.json', '{}', 0o644);
    const shortKey = secretFile('short.key', Buffer.alloc(16));
    const file = configWith([
      { id: 'a', endpoint: 'ftp://x', bucket: 'UPPER', credentialsFile: credentials, encryptionKeyFile: key, partSizeMiB: 1, compressionLevel: 30, secret: 'x' },
      { id: 'b', endpoint: 'https://s3.example.net', bucket: 'ok-bucket', credentialsFile: join(dir, 'nope.json'), encryptionKeyFile: shortKey },
      { id: 'b', endpoint: 'https://s3.example.net', bucket: 'ok-bucket', credentialsFile: loose, encryptionKeyFile: join(dir, 'nope.key') },
      { id: 'c', endpoint: 'https://s3.example.net' },
    ]);
    const problems = problemsOf(() => loadConfig({ file, env: {} }));
    const expected = [
      ['/remotes/0/secret', 'not a known setting'],
      ['/remotes/0/endpoint', 'does not match'],
      ['/remotes/0/bucket', 'does not match'],
      ['/remotes/0/partSizeMiB', '>= 5'],
      ['/remotes/0/compressionLevel', '<= 19'],
      ['/remotes/3', "required property 'bucket'"],
      ['/remotes/3', "required property 'credentialsFile'"],
      ['/remotes/3', "required property 'encryptionKeyFile'"],
    ];
    for (const [path, words] of expected) {
      assert.ok(problems.some((p) => p.startsWith(`${path ?? ''} (`) && p.includes(words ?? '')), `missing ${path ?? ''} "${words ?? ''}" in:\n${problems.join('\n')}`);
    }
    assert.equal(problems.length, expected.length, problems.join('\n'));
  });

  it('checks the files of schema-valid remotes: exist, mode 0600, a 32-byte key, unique ids', () => {
    const loose = secretFile('loose2.json', '{}', 0o644);
    const shortKey = secretFile('short2.key', Buffer.alloc(16));
    const file = configWith([
      { id: 'b', endpoint: 'https://s3.example.net', bucket: 'ok-bucket', credentialsFile: join(dir, 'nope.json'), encryptionKeyFile: shortKey },
      { id: 'b', endpoint: 'https://s3.example.net', bucket: 'ok-bucket', credentialsFile: loose, encryptionKeyFile: join(dir, 'nope.key') },
    ]);
    const problems = problemsOf(() => loadConfig({ file, env: {} }));
    const expected = [
      ['/remotes/0/credentialsFile', 'does not exist'],
      ['/remotes/0/encryptionKeyFile', 'holds 16 bytes, expected exactly 32'],
      ['/remotes/1/id', '"b" is already the id of remote 0'],
      ['/remotes/1/credentialsFile', 'accessible to group or others (mode 644)'],
      ['/remotes/1/encryptionKeyFile', 'does not exist'],
    ];
    for (const [path, words] of expected) {
      assert.ok(problems.some((p) => p.startsWith(`${path ?? ''} (`) && p.includes(words ?? '')), `missing ${path ?? ''} "${words ?? ''}" in:\n${problems.join('\n')}`);
    }
    assert.equal(problems.length, expected.length, problems.join('\n'));
  });
});
