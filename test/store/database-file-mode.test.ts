/**
 * The database holds commands, labels, paths and sealed secrets: it must never exist, even for an
 * instant, with a mode others can read. The check runs at the moment of the old fix-up chmod: a file
 * that SQLite created 0644 would be caught there.
 */
import assert from 'node:assert/strict';
import fs, { mkdtempSync, statSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openDatabase } from '../../src/store/database.js';

const dir = mkdtempSync(join(tmpdir(), 'cowsnap-db-mode-'));
after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('database file mode', () => {
  it('defect-10 the database file is created 0600 (not 0644 then chmod), even with a permissive umask', () => {
    const path = join(dir, 'cowsnap.db');
    const modesBeforeChmod: number[] = [];
    const original = fs.chmodSync;
    const previousUmask = process.umask(0o022);
    fs.chmodSync = ((target: fs.PathLike, mode: fs.Mode) => {
      if (String(target) === path) modesBeforeChmod.push(statSync(path).mode & 0o777);
      original(target, mode);
    });
    syncBuiltinESMExports();
    try {
      openDatabase(path).close();
    } finally {
      fs.chmodSync = original;
      syncBuiltinESMExports();
      process.umask(previousUmask);
    }
    assert.equal(statSync(path).mode & 0o777, 0o600);
    for (const mode of modesBeforeChmod) assert.equal(mode, 0o600, `the file existed with mode ${mode.toString(8)}`);
  });

  it('an existing database keeps working and ends up 0600', () => {
    const path = join(dir, 'old.db');
    openDatabase(path).close();
    fs.chmodSync(path, 0o644);
    openDatabase(path).close();
    assert.equal(statSync(path).mode & 0o777, 0o600);
  });
});
