import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { DIST_MAIN } from '../../bench/support/dist-service.js';
import { NODE_MEMORY_ENV, parseNodeMemorySettings, readNodeMemorySettings } from '../../bench/support/node-memory-settings.js';
import { DIST_ENTRY } from '../../scripts/build-dist.js';

const UNIT = resolve('systemd/cowsnap.service');
const run = promisify(execFile);
// Unit tests need no root and no fixture: a private temp folder, removed afterwards.
const dir = mkdtempSync(join(tmpdir(), 'cowsnap-unit-systemd-'));
after(() => rm(dir, { recursive: true, force: true }));

/** systemd-analyze verify prints problems (unknown keys, missing binaries) on stderr, some without failing. */
async function verify(path: string): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run('systemd-analyze', ['verify', path], { cwd: dir });
    return { ok: true, output: `${stdout}${stderr}`.trim() };
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${failure.stdout ?? ''}${failure.stderr ?? ''}`.trim() };
  }
}

/** Values of one key in a unit (a key may repeat). */
function values(unit: string, key: string): string[] {
  return unit
    .split('\n')
    .filter((line) => line.startsWith(`${key}=`))
    .map((line) => line.slice(key.length + 1));
}

describe('systemd/cowsnap.service', { skip: existsSync('/usr/bin/systemd-analyze') ? false : 'systemd-analyze missing (apt-get install systemd)' }, () => {
  it('passes systemd-analyze verify without a single warning', async () => {
    // The ExecStart binary must exist for verify; production installs node at /usr/bin/node too.
    assert.ok(existsSync('/usr/bin/node'), 'the unit runs /usr/bin/node');
    const result = await verify(UNIT);
    assert.equal(result.output, '');
    assert.ok(result.ok);
  });

  it('would notice a broken unit (the check itself works)', async () => {
    const unit = await readFile(UNIT, 'utf8');
    const broken = join(dir, 'broken');
    await mkdir(broken, { recursive: true });
    await writeFile(join(broken, 'cowsnap.service'), unit.replace('Restart=on-failure', 'Restrt=on-failure').replace('/usr/bin/node ', '/usr/bin/no-such-node '));
    const result = await verify(join(broken, 'cowsnap.service'));
    assert.match(result.output, /Unknown key 'Restrt'/);
    assert.match(result.output, /no-such-node is not executable/);
  });

  it('starts after Docker, serves from the install layout and keeps what mount and btrfs/zfs need', async () => {
    const unit = await readFile(UNIT, 'utf8');
    assert.match(values(unit, 'After').join(' '), /docker\.service/);
    assert.deepEqual(values(unit, 'Wants'), ['docker.service']);
    assert.deepEqual(values(unit, 'ExecStart'), ['/usr/bin/node $COWSNAP_NODE_FLAGS /opt/cowsnap/dist/src/cli/main.js serve']);
    assert.deepEqual(values(unit, 'EnvironmentFile'), ['/opt/cowsnap/systemd/node-memory.env']);
    assert.deepEqual(values(unit, 'Restart'), ['on-failure']);
    assert.deepEqual(values(unit, 'StateDirectory'), ['cowsnap']);
    assert.deepEqual(values(unit, 'ConfigurationDirectory'), ['cowsnap']);
    assert.match(values(unit, 'CapabilityBoundingSet').join(' '), /\bCAP_SYS_ADMIN\b/);
    // Each of these gives the service a private mount namespace, hiding its mounts from dockerd and the host.
    for (const key of ['ProtectSystem', 'ProtectHome', 'PrivateTmp', 'PrivateDevices', 'PrivateMounts', 'ProtectKernelTunables', 'ProtectKernelModules', 'ProtectControlGroups', 'ReadWritePaths', 'ReadOnlyPaths', 'DeviceAllow', 'ProtectClock']) {
      assert.deepEqual(values(unit, key), [], `${key} must not be set`);
    }
  });
});

describe('systemd/node-memory.env, the one place for the service\'s node flags and malloc settings', () => {
  it('is what the unit and the quick start run node with', async () => {
    const quickstart = await readFile(resolve('scripts/quickstart.sh'), 'utf8');
    assert.match(quickstart, /^\. systemd\/node-memory\.env$/m);
    assert.match(quickstart, /^exec node \$COWSNAP_NODE_FLAGS dist\/src\/cli\/main\.js up "\$@"$/m);
    const unit = await readFile(UNIT, 'utf8');
    assert.equal(values(unit, 'EnvironmentFile')[0], '/opt/cowsnap/systemd/node-memory.env');
    assert.match(values(unit, 'ExecStart')[0] ?? '', /^\/usr\/bin\/node \$COWSNAP_NODE_FLAGS /);
    assert.ok(readNodeMemorySettings().nodeArgs.includes('--max-semi-space-size=4'));
  });

  it('node accepts its flags, read as the quick start\'s shell reads them, and the benchmarks read the same', async () => {
    // As scripts/quickstart.sh does it; node refuses an unknown flag, so this also checks every flag exists.
    const probe = join(dir, 'print-node-settings.cjs');
    await writeFile(probe, 'console.log(JSON.stringify({ argv: process.execArgv, env: process.env }));\n');
    const script = 'set -a; . "$1"; set +a; exec node $COWSNAP_NODE_FLAGS "$2"';
    const { stdout } = await run('bash', ['-c', script, 'bash', NODE_MEMORY_ENV, probe], { env: { PATH: process.env.PATH ?? '' } });
    const seen = JSON.parse(stdout) as { argv: string[]; env: Record<string, string> };
    const settings = readNodeMemorySettings();
    assert.deepEqual(seen.argv, settings.nodeArgs);
    for (const [name, value] of Object.entries(settings.environment)) assert.equal(seen.env[name], value, name);
  });

  it('the benchmarks\' reader takes quoted values and refuses a line it cannot read', () => {
    const parsed = parseNodeMemorySettings('# comment\n\nCOWSNAP_NODE_FLAGS="--a=1 --b"\nMALLOC_ARENA_MAX=1\n');
    assert.deepEqual(parsed, { nodeArgs: ['--a=1', '--b'], environment: { MALLOC_ARENA_MAX: '1' } });
    assert.throws(() => parseNodeMemorySettings('COWSNAP_NODE_FLAGS=--a --b\n'), /node-memory\.env:1/);
  });
});

describe('one entry for every launcher: the bundle scripts/build-dist.ts writes', () => {
  it('systemd, the quick start, `cowsnap` on the PATH, the build and the benchmarks all run dist/src/cli/main.js', async () => {
    assert.equal(DIST_ENTRY, 'dist/src/cli/main.js');
    const unit = await readFile(UNIT, 'utf8');
    assert.deepEqual(values(unit, 'ExecStart'), [`/usr/bin/node $COWSNAP_NODE_FLAGS /opt/cowsnap/${DIST_ENTRY} serve`]);
    const quickstart = await readFile(resolve('scripts/quickstart.sh'), 'utf8');
    assert.ok(quickstart.includes(`exec node $COWSNAP_NODE_FLAGS ${DIST_ENTRY} up "$@"`));
    const pkg = JSON.parse(await readFile(resolve('package.json'), 'utf8')) as { bin: Record<string, string>; scripts: Record<string, string> };
    assert.equal(pkg.bin.cowsnap, DIST_ENTRY);
    assert.match(pkg.scripts.build ?? '', /^tsx scripts\/build-dist\.ts && /);
    const build = await readFile(resolve('scripts/build.sh'), 'utf8');
    assert.match(build, /^ {2}node_modules\/\.bin\/tsx scripts\/build-dist\.ts$/m);
    assert.ok(build.includes(`ln -sfn "$PWD/${DIST_ENTRY}" /usr/local/bin/cowsnap`));
    assert.equal(DIST_MAIN, resolve(DIST_ENTRY));
  });
});
