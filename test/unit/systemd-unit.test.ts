import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';

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
    assert.deepEqual(values(unit, 'ExecStart'), ['/usr/bin/node --max-semi-space-size=4 /opt/cowsnap/dist/src/cli/main.js serve']);
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
