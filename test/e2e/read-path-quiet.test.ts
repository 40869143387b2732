/**
 * Reads cost no subprocess and no write (issue #17): once a snapshot's size has been measured, reading
 * it, listing the container and scraping /metrics run no command (a counting runner around the real one)
 * and leave the database unchanged (SQLite's data_version, seen from a second connection, does not move).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { ExecFileRunner, type CommandResult, type CommandRunner, type RunOptions } from '../../storage-drivers/common/command-runner.js';
import { needs } from '../support/components.js';
import { startTestService, type TestService } from '../support/cowsnap-service.js';
import { createDockerEngine, type TestDockerEngine } from '../support/docker-engine.js';

class CountingRunner implements CommandRunner {
  readonly calls: string[] = [];
  private readonly real = new ExecFileRunner();
  run(command: string, args: readonly string[], options?: RunOptions): Promise<CommandResult> {
    this.calls.push([command, ...args].join(' '));
    return this.real.run(command, args, options);
  }
}

/** Waits until no command has started for `quietMs` (the background size measurement is done). */
async function settled(runner: CountingRunner, quietMs = 1500): Promise<void> {
  for (let seen = -1; seen !== runner.calls.length; ) {
    seen = runner.calls.length;
    await new Promise((resolve) => setTimeout(resolve, quietMs));
  }
}

describe('read paths: no subprocess, no write (real dockerd on btrfs, real service)', needs('docker'), () => {
  let engine: TestDockerEngine;
  let service: TestService;
  const runner = new CountingRunner();

  before(async () => {
    engine = await createDockerEngine();
    service = await startTestService({ engine, serviceOptions: { runner } });
    const container = await engine.docker.createContainer({ Image: engine.image, Cmd: ['sleep', '100000'], name: 'quiet' });
    await container.start();
  });
  after(async () => {
    await service.close();
    await engine.destroy();
  });

  it('GET of a snapshot, the list and /metrics run no command and write nothing', async () => {
    const names: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const created = await service.api('POST', '/containers/quiet/snapshots', {});
      assert.equal(created.status, 201, JSON.stringify(created.body));
      names.push(((created.body.data as { snapshot: { name: string } }).snapshot).name);
    }
    await settled(runner);
    const observer = new BetterSqlite3(service.config.databasePath, { readonly: true });
    try {
      const dataVersion = (): unknown => observer.pragma('data_version', { simple: true });
      const before = { version: dataVersion(), calls: runner.calls.length };
      for (let round = 0; round < 5; round += 1) {
        for (const name of names) assert.equal((await service.api('GET', `/containers/quiet/snapshots/${name}`)).status, 200);
        const list = await service.api('GET', '/containers/quiet/snapshots?limit=50');
        assert.equal(list.status, 200);
        assert.equal((list.body.data as { snapshots: unknown[] }).snapshots.length, 3);
        const metrics = await fetch(`${service.url}/metrics`, { headers: { authorization: `Bearer ${service.token}` } });
        assert.equal(metrics.status, 200);
        assert.match(await metrics.text(), /cowsnap_snapshots\{pool="docker-pool",state="ready"\} 3/);
      }
      // Anything a read had started in the background would show here.
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.deepEqual(runner.calls.slice(before.calls), [], 'commands run by reads');
      assert.equal(dataVersion(), before.version, 'the database changed during reads');
    } finally {
      observer.close();
    }
  });
});
