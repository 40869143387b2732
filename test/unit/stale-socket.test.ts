import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync, lstatSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { removeStaleSocket } from '../../src/http/stale-socket.js';

const dir = mkdtempSync(join(tmpdir(), 'cowsnap-socket-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('removing a stale unix socket before listening', () => {
  it('defect-10 refuses to remove a regular file at the socket path, and leaves it intact', async () => {
    const file = join(dir, 'cowsnap.db');
    writeFileSync(file, 'precious');
    await assert.rejects(removeStaleSocket(file), /is not a unix socket; refusing to remove it/);
    assert.equal(readFileSync(file, 'utf8'), 'precious');
  });

  it('defect-10 refuses a symlink (even to a socket) and a directory', async () => {
    const target = join(dir, 'target');
    writeFileSync(target, 'x');
    const link = join(dir, 'link.sock');
    symlinkSync(target, link);
    await assert.rejects(removeStaleSocket(link), /not a unix socket/);
    assert.ok(lstatSync(link).isSymbolicLink());
    await assert.rejects(removeStaleSocket(dir), /not a unix socket/);
  });

  it('removes a socket a dead process left, and accepts a missing path', async () => {
    const path = join(dir, 'stale.sock');
    // A listener killed outright leaves its socket file behind, as a crashed cowsnap would.
    spawnSync(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`]);
    assert.ok(lstatSync(path).isSocket());
    await removeStaleSocket(path);
    assert.equal(existsSync(path), false);
    await removeStaleSocket(join(dir, 'never-there.sock'));
  });
});
