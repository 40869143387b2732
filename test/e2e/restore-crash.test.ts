import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type Docker from 'dockerode';
import { ExecFileRunner } from '../../storage-drivers/common/command-runner.js';
import { BtrfsDriver } from '../../storage-drivers/btrfs/btrfs-driver.js';
import { registerTeardown } from '../support/cleanup.js';
import { needs } from '../support/components.js';
import { TEST_TOKEN, testServiceConfig } from '../support/cowsnap-service.js';
import { createDockerEngine, type TestDockerEngine } from '../support/docker-engine.js';
import { execIn, layerPath } from '../support/docker-exec.js';
import { treeDifferences, treeDigest } from '../support/tree-digest.js';

/** Points where the service process kills itself with SIGKILL in the middle of a restore. */
const CRASH_POINTS = [
  'restore:stopped',
  'btrfs-restore:after-prepare',
  'btrfs-restore:after-move-old',
  'btrfs-restore:after-move-new',
  'restore:swapped:1',
];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => { resolve(); }));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('a restore killed halfway (SIGKILL at each step) and a restart', needs('docker'), () => {
  let engine: TestDockerEngine;
  let container: Docker.Container;
  let configFile: string;
  let baseUrl: string;
  let child: ChildProcess | undefined;

  before(async () => {
    engine = await createDockerEngine();
    const port = await freePort();
    const config = testServiceConfig(engine);
    baseUrl = `http://127.0.0.1:${port}/api/v1`;
    configFile = join(config.stateDir, 'config.json');
    await writeFile(configFile, JSON.stringify({ ...config, listen: `127.0.0.1:${port}` }));
    container = await engine.docker.createContainer({
      Image: engine.image,
      Cmd: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'],
      name: 'crashy',
    });
    await container.start();
  });
  after(async () => {
    child?.kill('SIGKILL');
    await engine.destroy();
  });

  /** The real service as its own process (`cowsnap serve`), so it can really be killed. */
  async function startServiceProcess(crashAt?: string): Promise<ChildProcess> {
    const env: NodeJS.ProcessEnv = { ...process.env, COWSNAP_LOG_LEVEL: 'warn' };
    if (crashAt !== undefined) env.COWSNAP_CRASH_AT = crashAt;
    else delete env.COWSNAP_CRASH_AT;
    const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--config', configFile, 'serve'], {
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const registration = registerTeardown('cowsnap serve process', () => Promise.resolve(), () => proc.kill('SIGKILL'));
    proc.once('exit', () => void registration.release());
    child = proc;
    for (let attempt = 0; attempt < 150; attempt += 1) {
      if (proc.exitCode !== null) throw new Error(`cowsnap serve exited with ${String(proc.exitCode)}`);
      const up = await fetch(`${baseUrl}/health`).then((r) => r.status < 500, () => false);
      if (up) return proc;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error('cowsnap serve did not come up');
  }

  async function stopServiceProcess(proc: ChildProcess): Promise<void> {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGTERM');
      await exited;
    }
  }

  async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const headers: Record<string, string> = { authorization: `Bearer ${TEST_TOKEN}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const init: RequestInit = { method, headers };
    if (body !== undefined) init.body = JSON.stringify(body);
    const response = await fetch(`${baseUrl}${path}`, init);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('leaves a whole filesystem every time and the restart finishes the restore with consistent records', async (t) => {
    let proc = await startServiceProcess();
    await execIn(container, ['sh', '-c', 'mkdir -p /app && echo v1 > /app/state && echo v1 > /app/other']);
    const created = await api('POST', '/containers/crashy/snapshots', { alias: 'good' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const snapshotName = (created.body.data as { snapshot: { name: string } }).snapshot.name;
    const snapshotDigest = await treeDigest(await layerPath(engine.dataRoot, container.id));
    await stopServiceProcess(proc);

    const driver = new BtrfsDriver({ poolPath: engine.pool.mountPoint, runner: new ExecFileRunner() });
    await driver.probe();
    for (const point of CRASH_POINTS) {
      await execIn(container, ['sh', '-c', `echo broken-${point} > /app/state && rm /app/other && echo junk > /app/junk`]);
      const brokenDigest = await treeDigest(await layerPath(engine.dataRoot, container.id));

      proc = await startServiceProcess(point);
      const died = new Promise<NodeJS.Signals | null>((resolve) => proc.once('exit', (_code, signal) => {
        resolve(signal);
      }));
      await assert.rejects(api('PATCH', `/containers/crashy/snapshots/${snapshotName}`), TypeError, `${point}: the request dies with the process`);
      assert.equal(await died, 'SIGKILL', `${point}: the service was killed there`);

      // Right after the crash: the layer is whole, either the old or the restored content.
      const layer = await layerPath(engine.dataRoot, container.id);
      const afterCrash = await treeDigest(layer);
      const isOld = treeDifferences(brokenDigest, afterCrash).length === 0;
      const isRestored = treeDifferences(snapshotDigest, afterCrash).length === 0;
      assert.ok(isOld || isRestored, `${point}: the layer is neither old nor restored: ${treeDifferences(snapshotDigest, afterCrash).join(', ')}`);
      t.diagnostic(`${point}: after the kill the layer holds the ${isRestored ? 'restored' : 'old'} content`);

      // The restart finishes the restore and starts the container again.
      proc = await startServiceProcess();
      assert.deepEqual(treeDifferences(snapshotDigest, await treeDigest(await layerPath(engine.dataRoot, container.id))), [], point);
      const state = await container.inspect();
      assert.equal(state.State.Running, true, `${point}: the container runs again`);
      assert.equal(await execIn(container, ['cat', '/app/state']), 'v1\n');

      const list = await api('GET', '/containers/crashy/snapshots');
      const snapshots = (list.body.data as { snapshots: { name: string; state: string; last_used_at: string | null }[] }).snapshots;
      assert.deepEqual(snapshots.map((s) => [s.name, s.state]), [[snapshotName, 'ready']], point);
      assert.notEqual(snapshots[0]?.last_used_at, null);
      // Storage and records agree: exactly one snapshot on disk for the layer, the recorded one.
      const onDisk = (await driver.listSnapshots(layer)).map((s) => s.name);
      assert.equal(onDisk.length, 1, `${point}: ${onDisk.join(', ')}`);
      assert.ok(onDisk[0]?.startsWith(`${snapshotName}.cs`));
      await stopServiceProcess(proc);
    }
  });
});
