import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, describe, it } from 'node:test';
import { CONTAINER_ID, createTestStore, newSnapshot, withContainer } from './store-fixture.js';

/**
 * Another process (a second cowsnap, the CLI) holds the write lock and takes a name in the same second;
 * raw SQL on purpose, so the child needs nothing but better-sqlite3.
 */
const CHILD = `
import Database from 'better-sqlite3';
const [path, containerId, name, holdMs] = process.argv.slice(1);
const db = new Database(path);
db.exec('BEGIN IMMEDIATE');
db.prepare(\`INSERT INTO snapshots (container_id, container_name, project_id, name, created_at, state, tags, uncaptured, config, origin)
  VALUES (?, 'web', 'default', ?, 0, 'creating', '[]', '[]', '{}', 'api')\`).run(containerId, name);
process.stdout.write('locked\\n');
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(holdMs));
db.exec('COMMIT');
db.close();
`;

describe('store: two processes writing at once', () => {
  const test = createTestStore();
  after(() => test.destroy());

  it('waits for the other writer (busy timeout) and then picks the next free name', async () => {
    const store = withContainer(test);
    const input = newSnapshot({ createdAt: new Date('2026-07-01T12:00:00.500Z') });
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, test.databasePath, CONTAINER_ID, 'snap-20260701-120000', '400'], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = once(child, 'exit');
    const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
    assert.equal(chunk.toString(), 'locked\n');

    const started = performance.now();
    const mine = store.reserveSnapshot(input);
    const waitedMs = performance.now() - started;
    assert.deepEqual(await exited, [0, null]);

    assert.ok(waitedMs >= 200, `the reservation waited for the lock (${waitedMs.toFixed(0)} ms)`);
    assert.equal(mine.name, 'snap-20260701-120000-2', 'the name taken by the other process is seen');
    assert.equal(store.countSnapshots(CONTAINER_ID), 2);
  });
});
