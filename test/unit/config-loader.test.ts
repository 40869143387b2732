import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/config-loader.js';

// Unit tests need no root and no fixture: a private temp folder, removed afterwards.
const dir = mkdtempSync(join(tmpdir(), 'cowsnap-unit-config-'));
after(() => { rmSync(dir, { recursive: true, force: true }); });
const absent = join(dir, 'absent.json');

function writeConfig(name: string, content: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
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

describe('loadConfig', () => {
  it('uses the documented defaults when the default file is missing and no variable is set', () => {
    const config = loadConfig({ env: {}, defaultFile: absent });
    assert.deepEqual(config, {
      listen: { host: '127.0.0.1', port: 7878 },
      stateDir: '/var/lib/cowsnap',
      databasePath: '/var/lib/cowsnap/cowsnap.db',
      keyFile: '/etc/cowsnap/secret.key',
      tokenFile: '/etc/cowsnap/token',
      dockerSocket: '/var/run/docker.sock',
      pools: [],
      remotes: [],
      reaperSchedule: '* * * * *',
      stopTimeoutSeconds: 10,
      journalRetentionDays: 30,
      logLevel: 'info',
    });
  });

  it('defect-10 journalRetentionDays from the file or COWSNAP_JOURNAL_RETENTION_DAYS, 1–3650', () => {
    assert.equal(loadConfig({ env: { COWSNAP_JOURNAL_RETENTION_DAYS: '7' }, defaultFile: absent }).journalRetentionDays, 7);
    assert.throws(() => loadConfig({ env: { COWSNAP_JOURNAL_RETENTION_DAYS: '0' }, defaultFile: absent }), /journalRetentionDays/);
  });

  it('reads every setting from the file', () => {
    const file = writeConfig('full.json', {
      listen: 'unix:/run/cowsnap.sock',
      stateDir: '/srv/cowsnap',
      keyFile: '/srv/keys/k',
      tokenFile: '/srv/keys/t',
      token: 'a-long-enough-token-123',
      dockerSocket: '/run/docker.sock',
      pools: [
        { id: 'fast', driver: 'btrfs', path: '/mnt/fast' },
        { id: 'tank', driver: 'zfs', dataset: 'tank/containers' },
      ],
      reaperSchedule: '*/5 * * * *',
      stopTimeoutSeconds: 30,
      logLevel: 'debug',
    });
    const config = loadConfig({ file, env: {} });
    assert.deepEqual(config.listen, { socket: '/run/cowsnap.sock' });
    assert.equal(config.databasePath, '/srv/cowsnap/cowsnap.db', 'the database follows the state dir');
    assert.equal(config.token, 'a-long-enough-token-123');
    assert.deepEqual(config.pools.map((p) => p.id), ['fast', 'tank']);
    assert.equal(config.stopTimeoutSeconds, 30);
  });

  it('lets COWSNAP_* variables win over the file', () => {
    const file = writeConfig('base.json', { listen: '127.0.0.1:9000', logLevel: 'warn', stopTimeoutSeconds: 5 });
    const config = loadConfig({
      file,
      env: {
        COWSNAP_LISTEN: '[::1]:7000',
        COWSNAP_LOG_LEVEL: 'trace',
        COWSNAP_STOP_TIMEOUT: '42',
        COWSNAP_STATE_DIR: '/data/cs',
        COWSNAP_DB: '/data/db/c.db',
        COWSNAP_DOCKER_SOCKET: '/run/d.sock',
        COWSNAP_TOKEN_FILE: '/data/token',
        COWSNAP_REAPER_SCHEDULE: '0 * * * *',
        COWSNAP_POOLS: '[{"id":"p","driver":"btrfs","path":"/mnt/p"}]',
      },
    });
    assert.deepEqual(config.listen, { host: '::1', port: 7000 });
    assert.equal(config.logLevel, 'trace');
    assert.equal(config.stopTimeoutSeconds, 42);
    assert.equal(config.stateDir, '/data/cs');
    assert.equal(config.databasePath, '/data/db/c.db');
    assert.equal(config.dockerSocket, '/run/d.sock');
    assert.equal(config.tokenFile, '/data/token');
    assert.equal(config.reaperSchedule, '0 * * * *');
    assert.deepEqual(config.pools, [{ id: 'p', driver: 'btrfs', path: '/mnt/p' }]);
  });

  it('takes the file from COWSNAP_CONFIG, and an empty variable counts as unset', () => {
    const file = writeConfig('env-named.json', { stateDir: '/from/env/file' });
    assert.equal(loadConfig({ env: { COWSNAP_CONFIG: file }, defaultFile: absent }).stateDir, '/from/env/file');
    assert.deepEqual(loadConfig({ env: { COWSNAP_LISTEN: '' }, defaultFile: absent }).listen, { host: '127.0.0.1', port: 7878 });
  });

  it('lists every problem of a bad file at once, each with where it came from', () => {
    const file = writeConfig('bad.json', {
      listen: 'localhost',
      stateDir: 'relative/dir',
      pools: [{ id: 'a', driver: 'btrfs' }, { id: 'b', driver: 'ext4' }],
      stopTimeoutSeconds: 'soon',
      logLevel: 'loud',
      reaperSchedule: 'every minute',
      colour: 'blue',
    });
    const problems = problemsOf(() => loadConfig({ file, env: {} }));
    const expected = [
      ['/colour', 'not a known setting'],
      ['/stateDir', 'absolute path'],
      ['/pools/0', "required property 'path'"],
      ['/pools/1/driver', 'must be "btrfs" or "zfs"'],
      ['/stopTimeoutSeconds', 'must be integer'],
      ['/logLevel', 'must be one of: fatal, error, warn, info, debug, trace, silent'],
      ['/listen', 'not an address'],
      ['/reaperSchedule', 'not a cron expression'],
    ];
    assert.equal(problems.length, expected.length, problems.join('\n'));
    for (const [path, words] of expected) {
      assert.ok(
        problems.some((p) => p.startsWith(`${path ?? ''} (${file})`) && p.includes(words ?? '')),
        `missing problem ${path ?? ''} "${words ?? ''}" in:\n${problems.join('\n')}`,
      );
    }
  });

  it('names the variable when a bad value came from the environment', () => {
    const problems = problemsOf(() =>
      loadConfig({
        env: { COWSNAP_LISTEN: 'unix:relative.sock', COWSNAP_STOP_TIMEOUT: 'ten', COWSNAP_POOLS: '[{', COWSNAP_LOG_LEVEL: 'chatty' },
        defaultFile: absent,
      }),
    );
    assert.equal(problems.length, 4, problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith('/listen (COWSNAP_LISTEN)') && p.includes('absolute')));
    assert.ok(problems.some((p) => p.startsWith('/stopTimeoutSeconds (COWSNAP_STOP_TIMEOUT)')));
    assert.ok(problems.some((p) => p.startsWith('COWSNAP_POOLS') && p.includes('not valid JSON')));
    assert.ok(problems.some((p) => p.startsWith('/logLevel (COWSNAP_LOG_LEVEL)')));
  });

  it('rejects duplicate pool ids and out-of-range ports', () => {
    const problems = problemsOf(() =>
      loadConfig({
        env: {
          COWSNAP_POOLS: JSON.stringify([
            { id: 'x', driver: 'btrfs', path: '/a' },
            { id: 'x', driver: 'zfs', dataset: 'tank' },
          ]),
          COWSNAP_LISTEN: '127.0.0.1:70000',
        },
        defaultFile: absent,
      }),
    );
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith('/pools/1/id') && p.includes('already the id of pool 0')));
    assert.ok(problems.some((p) => p.startsWith('/listen')));
  });

  it('requires a file that was named explicitly, and reports unparsable JSON', () => {
    assert.deepEqual(problemsOf(() => loadConfig({ file: absent, env: {} })), [`${absent}: no such file`]);
    const broken = writeConfig('broken.json', '{"listen": ');
    const problems = problemsOf(() => loadConfig({ file: broken, env: {} }));
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? '', /is not valid JSON/);
    const notObject = writeConfig('array.json', '[]');
    assert.deepEqual(problemsOf(() => loadConfig({ file: notObject, env: {} })), [`${notObject}: must hold a JSON object of settings`]);
  });

  it('puts every problem in the error message too', () => {
    const error = (() => {
      try {
        loadConfig({ env: { COWSNAP_LOG_LEVEL: 'x', COWSNAP_DB: 'rel.db' }, defaultFile: absent });
      } catch (caught) {
        return caught as Error;
      }
      return undefined;
    })();
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, /COWSNAP_LOG_LEVEL/);
    assert.match(error.message, /COWSNAP_DB/);
  });
});
