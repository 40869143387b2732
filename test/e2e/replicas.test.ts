/**
 * Off-host replicas on the whole real stack: a private dockerd on btrfs, the service with `btrfs send`,
 * a real S3 server (Ceph RGW), HTTP. Push, incremental push, listing, encryption at rest, verify, two
 * copies from one replica at once, and a service killed mid-upload that finishes after a restart.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type Docker from 'dockerode';
import { ExecFileRunner } from '../../storage-drivers/common/command-runner.js';
import { registerTeardown } from '../support/cleanup.js';
import { needs } from '../support/components.js';
import { TEST_TOKEN, testServiceConfig } from '../support/cowsnap-service.js';
import { createDockerEngine, type TestDockerEngine } from '../support/docker-engine.js';
import { execIn } from '../support/docker-exec.js';
import { createObjectStore, type TestObjectStore } from '../support/object-store.js';
import { remoteConfigFor } from '../support/remote-under-test.js';
import type { OperationJson, ReplicaJson } from '../../src/http/wire/replica-json.js';
import { freePort } from '../support/free-port.js';

const MARKER = 'cowsnap-plaintext-marker';
const LOOP = ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'];



describe('replicas on the real stack (dockerd on btrfs, btrfs send, Ceph RGW, HTTP)', needs('docker', 'rgw'), () => {
  const runner = new ExecFileRunner();
  let engine: TestDockerEngine;
  let objects: TestObjectStore;
  let configFile: string;
  let baseUrl: string;
  let child: ChildProcess | undefined;
  /** Left by the first test: a container with two snapshots pushed, `second` incremental to `first`. */
  let shipped: { id: string; second: string } | undefined;

  before(async () => {
    objects = await createObjectStore();
    engine = await createDockerEngine();
    const port = await freePort();
    const config = { ...testServiceConfig(engine), remotes: [remoteConfigFor(objects, { id: 'offsite' })] };
    baseUrl = `http://127.0.0.1:${String(port)}/api/v1`;
    configFile = join(config.stateDir, 'config.json');
    await writeFile(configFile, JSON.stringify({ ...config, listen: `127.0.0.1:${String(port)}` }));
  });
  after(async () => {
    child?.kill('SIGKILL');
    await engine.destroy();
    await objects.destroy();
  });

  /** `cowsnap serve` as its own process, so it can really be killed. */
  async function startServiceProcess(): Promise<ChildProcess> {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--config', configFile, 'serve'], {
      env: { ...process.env, COWSNAP_LOG_LEVEL: process.env.COWSNAP_TEST_LOG ?? 'warn' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const registration = registerTeardown('cowsnap serve process', () => Promise.resolve(), () => proc.kill('SIGKILL'));
    proc.once('exit', () => void registration.release());
    child = proc;
    for (let attempt = 0; attempt < 300; attempt += 1) {
      if (proc.exitCode !== null) throw new Error(`cowsnap serve exited with ${String(proc.exitCode)}`);
      if (await fetch(`${baseUrl}/health`).then((r) => r.status < 500, () => false)) return proc;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error('cowsnap serve did not come up');
  }

  async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const headers: Record<string, string> = { authorization: `Bearer ${TEST_TOKEN}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const init: RequestInit = { method, headers };
    if (body !== undefined) init.body = JSON.stringify(body);
    const response = await fetch(`${baseUrl}${path}`, init);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function snapshot(container: string): Promise<string> {
    const made = await api('POST', `/containers/${container}/snapshots`, {});
    assert.equal(made.status, 201, JSON.stringify(made.body));
    return (made.body.data as { snapshot: { name: string } }).snapshot.name;
  }

  async function push(container: string, name: string): Promise<OperationJson> {
    const pushed = await api('POST', `/containers/${container}/snapshots/${name}/replicas`, { remote: 'offsite' });
    assert.equal(pushed.status, 202, JSON.stringify(pushed.body));
    const data = pushed.body.data as { replica: ReplicaJson; operation: OperationJson };
    assert.equal(data.replica.state, 'uploading');
    return data.operation;
  }

  async function waitFor(id: number, until: (op: OperationJson) => boolean = (op) => op.state === 'succeeded' || op.state === 'failed'): Promise<OperationJson> {
    for (;;) {
      const got = await api('GET', `/operations/${String(id)}`);
      assert.equal(got.status, 200, JSON.stringify(got.body));
      const operation = got.body.data as OperationJson;
      if (until(operation)) return operation;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  async function replicaOf(container: string, name: string): Promise<ReplicaJson> {
    const got = await api('GET', `/containers/${container}/snapshots/${name}`);
    const replica = (got.body.data as { snapshot: { replicas: ReplicaJson[] } }).snapshot.replicas.find((r) => r.remote === 'offsite');
    assert.ok(replica, JSON.stringify(got.body));
    return replica;
  }

  async function bucketObjects(): Promise<string[]> {
    const listed = await objects.client.send(new ListObjectsV2Command({ Bucket: objects.bucket }));
    return (listed.Contents ?? []).map((o) => o.Key ?? '');
  }

  async function objectBody(key: string): Promise<Buffer> {
    const got = await objects.client.send(new GetObjectCommand({ Bucket: objects.bucket, Key: key }));
    return Buffer.from((await got.Body?.transformToByteArray()) ?? []);
  }

  it('push, incremental push, listing, no plaintext in the bucket, verify catches a flipped byte', async (t) => {
    await startServiceProcess();
    const appdata = join(engine.pool.mountPoint, 'volumes', 'appdata');
    await mkdir(join(engine.pool.mountPoint, 'volumes'), { recursive: true });
    await runner.run('btrfs', ['subvolume', 'create', appdata]);
    for (let dir = 0; dir < 50; dir += 1) {
      await mkdir(join(appdata, `d${String(dir)}`));
      for (let file = 0; file < 100; file += 1) {
        await writeFile(join(appdata, `d${String(dir)}`, `f${String(file)}.txt`), `${MARKER} file ${String(dir)}/${String(file)}\n`.repeat(20));
      }
    }
    const container: Docker.Container = await engine.docker.createContainer({ Image: engine.image, Cmd: LOOP, name: 'shipped', HostConfig: { Binds: [`${appdata}:/app`] } });
    await container.start();
    await execIn(container, ['sh', '-c', `dd if=/dev/urandom of=/root/big bs=1M count=256 2>/dev/null && echo ${MARKER} > /root/note`]);

    const first = await snapshot('shipped');
    let started = performance.now();
    const op1 = await waitFor((await push('shipped', first)).id);
    assert.equal(op1.state, 'succeeded', JSON.stringify(op1.error));
    t.diagnostic(`full push: ${String(op1.bytes_done)} plain bytes in ${String(Math.round(performance.now() - started))} ms`);
    const full = await replicaOf('shipped', first);
    assert.deepEqual([full.state, full.parent], ['ready', null]);

    await execIn(container, ['sh', '-c', 'for i in 1 2 3 4 5 6 7 8 9 10; do echo changed-$i > /app/d$i/f$i.txt; done; dd if=/dev/urandom of=/root/small bs=1M count=1 2>/dev/null']);
    const second = await snapshot('shipped');
    started = performance.now();
    const op2 = await waitFor((await push('shipped', second)).id);
    assert.equal(op2.state, 'succeeded', JSON.stringify(op2.error));
    t.diagnostic(`incremental push: ${String(op2.bytes_done)} plain bytes in ${String(Math.round(performance.now() - started))} ms`);
    const incremental = await replicaOf('shipped', second);
    assert.deepEqual([incremental.state, incremental.parent], ['ready', first]);
    t.diagnostic(`stored bytes: full ${String(full.stored_bytes)}, incremental ${String(incremental.stored_bytes)}`);
    assert.ok((incremental.stored_bytes ?? Infinity) * 20 < (full.stored_bytes ?? 0), 'the incremental replica is much smaller');

    const listed = await api('GET', '/remotes/offsite/snapshots?container=shipped');
    assert.equal(listed.status, 200);
    const names = (listed.body.data as { snapshots: { name: string; incremental: boolean }[] }).snapshots.map((s) => [s.name, s.incremental]);
    assert.deepEqual(names, [[first, false], [second, true]]);

    const keys = await bucketObjects();
    assert.ok(keys.length >= 6, keys.join(', '));
    for (const key of keys) assert.ok(!(await objectBody(key)).includes(MARKER), `plaintext in ${key}`);

    const deleteParent = await api('DELETE', `/containers/shipped/snapshots/${first}/replicas/offsite`);
    assert.equal(deleteParent.status, 409);
    assert.match(String(deleteParent.body.message), new RegExp(second));

    const good = await api('POST', `/containers/shipped/snapshots/${second}/replicas/offsite/verify`);
    assert.equal((good.body.data as { ok: boolean }).ok, true, JSON.stringify(good.body));
    const appStream = keys.find((key) => key.includes(`/${first}/stream-1`));
    assert.ok(appStream, keys.join(', '));
    const body = await objectBody(appStream);
    const at = Math.floor(body.length / 2);
    body.writeUInt8(body.readUInt8(at) ^ 0x01, at);
    await objects.client.send(new PutObjectCommand({ Bucket: objects.bucket, Key: appStream, Body: body }));
    const bad = await api('POST', `/containers/shipped/snapshots/${first}/replicas/offsite/verify`);
    const verdict = bad.body.data as { ok: boolean; streams: { mount_point: string; ok: boolean }[] };
    assert.equal(verdict.ok, false);
    assert.deepEqual(verdict.streams.map((s) => [s.mount_point, s.ok]), [['/', true], ['/app', false]]);
    assert.match(String(bad.body.message), /stream 1 \(\/app\)/);
    shipped = { id: container.id, second };
  });

  it('two copies from one replica at once (its local snapshot deleted): both succeed from one download', async () => {
    assert.ok(shipped, 'needs the replicas of the first test');
    const { id, second } = shipped;
    const deleted = await api('DELETE', `/containers/shipped/snapshots/${second}`);
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    // `second` is incremental to `first`, which is still on the pool (its remote stream was damaged above).
    const started = await Promise.all(
      ['copy-a', 'copy-b'].map((name) => api('POST', `/remotes/offsite/snapshots/${id}/${second}/copy`, { name, start: false })),
    );
    for (const response of started) assert.equal(response.status, 202, JSON.stringify(response.body));
    const operations = await Promise.all(started.map((response) => waitFor((response.body.data as { operation: OperationJson }).operation.id)));
    for (const operation of operations) assert.equal(operation.state, 'succeeded', JSON.stringify(operation.error));
    const local = await api('GET', `/containers/shipped/snapshots/${second}`);
    assert.equal(local.status, 200, JSON.stringify(local.body));
    assert.equal((local.body.data as { snapshot: { state: string } }).snapshot.state, 'ready');
    const names = (await engine.docker.listContainers({ all: true })).flatMap((c) => c.Names);
    assert.ok(names.includes('/copy-a') && names.includes('/copy-b'), names.join(', '));
  });

  it('a service killed mid-upload of a 1 GiB snapshot finishes the replica after a restart', async (t) => {
    child?.kill('SIGKILL');
    let proc = await startServiceProcess();
    const container = await engine.docker.createContainer({ Image: engine.image, Cmd: LOOP, name: 'big' });
    await container.start();
    await execIn(container, ['sh', '-c', 'dd if=/dev/urandom of=/root/gig bs=1M count=1024 2>/dev/null']);
    const name = await snapshot('big');
    const operation = await push('big', name);
    const midway = await waitFor(operation.id, (op) => op.bytes_done > 128 * 1024 * 1024 || op.state !== 'running' && op.state !== 'queued');
    assert.equal(midway.state, 'running', 'killed while uploading');
    const died = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGKILL');
    await died;
    t.diagnostic(`killed at ${String(midway.bytes_done)} plain bytes`);
    const leftovers = await objects.client.send(new ListMultipartUploadsCommand({ Bucket: objects.bucket }));
    t.diagnostic(`multipart uploads left by the kill: ${String((leftovers.Uploads ?? []).length)}`);

    proc = await startServiceProcess();
    const done = await waitFor(operation.id);
    assert.equal(done.state, 'succeeded', JSON.stringify(done.error));
    assert.equal((await replicaOf('big', name)).state, 'ready');
    const verified = await api('POST', `/containers/big/snapshots/${name}/replicas/offsite/verify`);
    assert.equal((verified.body.data as { ok: boolean }).ok, true, JSON.stringify(verified.body));
    const remaining = await objects.client.send(new ListMultipartUploadsCommand({ Bucket: objects.bucket }));
    assert.deepEqual(remaining.Uploads ?? [], [], 'abandoned multipart uploads were aborted');
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    await exited;
  });
});
