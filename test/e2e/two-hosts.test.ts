/**
 * Two cowsnap hosts sharing one bucket on a real Ceph RGW (test/support/two-hosts.ts): each with its own
 * btrfs pool, private dockerd and SQLite. A template pushed by host A is copied on host B, which never
 * saw it; host A restores from the remote after its local snapshot is gone; host A loses its pool and
 * `recover` brings the container back. Files are compared byte for byte (tree digests).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type Docker from 'dockerode';
import { ExecFileRunner } from '../../storage-drivers/common/command-runner.js';
import { absoluteKey, streamKey } from '../../src/remote/object-keys.js';
import { needs } from '../support/components.js';
import { execIn, layerPath } from '../support/docker-exec.js';
import { treeDifferences, treeDigest } from '../support/tree-digest.js';
import type { CliIo } from '../../src/cli/cli-io.js';
import { runCli } from '../../src/cli/program.js';
import { createTwoHosts, REMOTE_ID, TEST_TOKEN, type TestHost, type TwoHosts } from '../support/two-hosts.js';
import type { OperationJson } from '../../src/http/wire/replica-json.js';

const LOOP = ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'];
const ENV = ['GREETING=hello from A', 'API_TOKEN=not-in-the-bucket-4711'];
const LABELS = { app: 'template', tier: 'web' };


/** A few hundred files of 1 to 256 KiB and one of 4 MiB, written inside the container. */
const WRITE_FILES = [
  'sh',
  '-c',
  'mkdir -p /data/t && i=0; while [ $i -lt 300 ]; do s=$(( (i * 7919) % 256 + 1 )); head -c $((s * 1024)) /dev/urandom > /data/t/f$i; i=$((i+1)); done; ' +
    'head -c 4194304 /dev/urandom > /data/big; ln -s t/f1 /data/link; mkdir -p /data/empty',
];

describe('two hosts, one bucket: copy, restore and recovery from a remote', needs('docker', 'rgw', 'btrfs'), () => {
  const runner = new ExecFileRunner();
  let hosts: TwoHosts;
  let a: TestHost;
  let b: TestHost;
  let template: Docker.Container;
  let templateId: string;
  let first: string;
  let second: string;
  let secondDigest: Map<string, string>;

  before(async () => {
    hosts = await createTwoHosts();
    ({ a, b } = hosts);
  });
  after(async () => {
    await hosts.destroy();
  });

  async function ok(host: TestHost, method: string, path: string, body: unknown, status: number): Promise<Record<string, unknown>> {
    const reply = await host.api(method, path, body);
    assert.equal(reply.status, status, `${method} ${path} on ${host.name}: ${JSON.stringify(reply.body)}`);
    return reply.body.data as Record<string, unknown>;
  }

  async function finished(host: TestHost, id: number): Promise<OperationJson> {
    for (;;) {
      const operation = (await ok(host, 'GET', `/operations/${String(id)}`, undefined, 200)) as unknown as OperationJson;
      if (operation.state === 'succeeded' || operation.state === 'failed') return operation;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  async function snapshotAndPush(container: string): Promise<string> {
    const made = await ok(a, 'POST', `/containers/${container}/snapshots`, {}, 201);
    const name = (made.snapshot as { name: string }).name;
    const pushed = await ok(a, 'POST', `/containers/${container}/snapshots/${name}/replicas`, { remote: REMOTE_ID }, 202);
    const upload = await finished(a, (pushed.operation as OperationJson).id);
    assert.equal(upload.state, 'succeeded', JSON.stringify(upload.error));
    return name;
  }

  async function dataDigest(host: TestHost, containerId: string): Promise<Map<string, string>> {
    return treeDigest(join(await layerPath(host.dataRoot, containerId), 'data'));
  }

  /** Subvolumes on the host's pool that belong to replicas of the container (received or being received). */
  async function receivedSubvolumes(host: TestHost, containerId: string): Promise<string[]> {
    const { stdout } = await runner.run('btrfs', ['subvolume', 'list', host.poolMountPoint]);
    return stdout.split('\n').filter((line) => line.includes(`cowsnap-replica-${containerId.slice(0, 12)}`) || line.includes('.cowsnap/receive/'));
  }

  function assertSameTree(expected: Map<string, string>, actual: Map<string, string>): void {
    assert.ok(expected.size > 300, `expected a few hundred files, got ${String(expected.size)}`);
    assert.deepEqual(treeDifferences(expected, actual), []);
  }

  it('host B copies a template host A pushed: running, byte-identical, with the recorded config', async (t) => {
    template = await a.docker.createContainer({ Image: a.image, name: 'tmpl', Cmd: LOOP, Env: ENV, Labels: LABELS });
    templateId = template.id;
    await template.start();
    await execIn(template, WRITE_FILES);
    const firstDigest = await dataDigest(a, templateId);
    first = await snapshotAndPush('tmpl');

    // B has never seen the container: unknown to its Docker and to its database.
    assert.equal((await b.api('GET', `/containers/${templateId}/snapshots`)).status, 404);

    // A download cut halfway (the stream object truncated in the bucket: about 20 of its 1 MiB chunks
    // reach btrfs receive) fails the copy and leaves nothing on B: no snapshot, no half-received subvolume.
    const key = absoluteKey(hosts.remote.prefix, streamKey(templateId, first, 0));
    const original = await hosts.objects.client.send(new GetObjectCommand({ Bucket: hosts.objects.bucket, Key: key }));
    const whole = Buffer.from((await original.Body?.transformToByteArray()) ?? []);
    await hosts.objects.client.send(new PutObjectCommand({ Bucket: hosts.objects.bucket, Key: key, Body: whole.subarray(0, Math.floor(whole.length / 2)) }));
    const cut = await ok(b, 'POST', `/remotes/${REMOTE_ID}/snapshots/${templateId}/${first}/copy`, { name: 'clone' }, 202);
    const failed = await finished(b, (cut.operation as OperationJson).id);
    assert.equal(failed.state, 'failed');
    assert.match(failed.error?.code ?? '', /^replica_(truncated|corrupt)$/, JSON.stringify(failed.error));
    assert.ok(failed.bytes_done > 1024 * 1024, `the cut came halfway, after data was received: ${JSON.stringify(failed)}`);
    assert.deepEqual((await ok(b, 'GET', `/containers/${templateId}/snapshots`, undefined, 200)).snapshots, []);
    assert.deepEqual(await receivedSubvolumes(b, templateId), []);
    assert.equal((await b.docker.listContainers({ all: true })).length, 0);
    await hosts.objects.client.send(new PutObjectCommand({ Bucket: hosts.objects.bucket, Key: key, Body: whole }));

    const started = performance.now();
    const copy = await ok(b, 'POST', `/remotes/${REMOTE_ID}/snapshots/${templateId}/${first}/copy`, { name: 'clone' }, 202);
    const operation = await finished(b, (copy.operation as OperationJson).id);
    assert.equal(operation.state, 'succeeded', JSON.stringify(operation.error));
    assert.deepEqual([operation.kind, operation.target], ['replica.copy', 'clone']);
    assert.ok(operation.bytes_done > 4 * 1024 * 1024 && operation.bytes_done === operation.bytes_total, JSON.stringify(operation));
    t.diagnostic(`copy from remote: ${String(operation.bytes_done)} bytes in ${String(Math.round(performance.now() - started))} ms`);

    const clone = b.docker.getContainer('clone');
    const inspected = await clone.inspect();
    assert.equal(inspected.State.Running, true);
    for (const entry of ENV) assert.ok(inspected.Config.Env.includes(entry), `env ${entry} missing: ${JSON.stringify(inspected.Config.Env)}`);
    assert.deepEqual(inspected.Config.Cmd, LOOP);
    assert.equal(inspected.Config.Labels['app'], 'template');
    assert.equal(inspected.Config.Labels['tier'], 'web');
    assertSameTree(firstDigest, await dataDigest(b, inspected.Id));
    assert.equal((await receivedSubvolumes(b, templateId)).length, 1);
    assert.equal(Number((await execIn(clone, ['sh', '-c', 'wc -c < /data/t/f7'])).trim()), ((7 * 7919) % 256 + 1) * 1024);

    // The received snapshot is an ordinary snapshot on B, listed under the source container's id.
    const listed = await ok(b, 'GET', `/containers/${templateId}/snapshots`, undefined, 200);
    assert.deepEqual((listed.snapshots as { name: string }[]).map((s) => s.name), [first]);
    // A second copy downloads nothing: the snapshot is on B's pool now. It lands in the project it names,
    // which must exist on B (a missing one is a 404 before anything starts).
    const missingProject = await b.api('POST', `/remotes/${REMOTE_ID}/snapshots/${templateId}/${first}/copy`, { name: 'clone2', target_project_id: 'beta' });
    assert.equal(missingProject.status, 404, JSON.stringify(missingProject.body));
    assert.equal((await b.docker.listContainers({ all: true, filters: { name: ['clone2'] } })).length, 0, 'nothing made');
    assert.equal((await b.api('POST', '/projects', { id: 'beta' })).status, 201);
    const again = await ok(b, 'POST', `/remotes/${REMOTE_ID}/snapshots/${templateId}/${first}/copy`, { name: 'clone2', start: false, target_project_id: 'beta' }, 202);
    const second = await finished(b, (again.operation as OperationJson).id);
    assert.equal(second.state, 'succeeded', JSON.stringify(second.error));
    assert.equal(second.bytes_done, 0);
    assert.equal((await b.docker.getContainer('clone2').inspect()).State.Running, false);
    assert.equal(((await ok(b, 'GET', '/containers/clone2', undefined, 200)).container as { project_id: string }).project_id, 'beta');

    // The name is taken now, and a bad name lists its problem; nothing starts.
    assert.equal((await b.api('POST', `/remotes/${REMOTE_ID}/snapshots/${templateId}/${first}/copy`, { name: 'clone' })).status, 409);
    assert.equal((await b.api('POST', `/remotes/${REMOTE_ID}/snapshots/${templateId}/${first}/copy`, { name: '-bad name' })).status, 400);
    assert.equal((await b.api('POST', `/remotes/${REMOTE_ID}/snapshots/${templateId}/snap-19990101-000000/copy`, { name: 'clone3' })).status, 404);
  });

  it('host B refuses (409, naming the image) to copy a replica whose image it does not have', async () => {
    await a.docker.getImage(a.image).tag({ repo: 'cowsnap-test/only-on-a', tag: '1' });
    const other = await a.docker.createContainer({ Image: 'cowsnap-test/only-on-a:1', name: 'other', Cmd: LOOP });
    await other.start();
    const name = await snapshotAndPush('other');
    const refused = await b.api('POST', `/remotes/${REMOTE_ID}/snapshots/${other.id}/${name}/copy`, { name: 'other-copy' });
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.equal((refused.body.error as { code: string }).code, 'image_not_found');
    assert.match(String(refused.body.message), /cowsnap-test\/only-on-a:1/);
    await other.remove({ force: true });

  });

  it('host A restores from the remote after the local snapshot was deleted (incremental chain of 2)', async (t) => {
    await execIn(template, ['sh', '-c', 'echo changed > /data/t/f1; rm /data/t/f2; head -c 200000 /dev/urandom > /data/new']);
    secondDigest = await dataDigest(a, templateId);
    second = await snapshotAndPush('tmpl');
    const replicas = await ok(a, 'GET', `/remotes/${REMOTE_ID}/snapshots?container=${templateId}`, undefined, 200);
    const streams = (replicas.snapshots as { name: string; streams: { parent: string | null; bytes: number }[] }[]).find((s) => s.name === second)?.streams;
    assert.equal(streams?.[0]?.parent, first, 'the second replica is incremental');
    const incrementalBytes = streams.reduce((sum, s) => sum + s.bytes, 0);

    await execIn(template, ['sh', '-c', 'rm -r /data/t; echo later > /data/later']);
    await ok(a, 'DELETE', `/containers/tmpl/snapshots/${second}`, undefined, 200);

    // Only the missing replica is downloaded: its parent is still on A's pool.
    const restore = await ok(a, 'POST', `/containers/tmpl/snapshots/${second}/replicas/${REMOTE_ID}/restore`, { safety_snapshot: true }, 202);
    const op = await finished(a, (restore.operation as OperationJson).id);
    assert.equal(op.state, 'succeeded', JSON.stringify(op.error));
    assert.equal(op.bytes_total, incrementalBytes);
    assertSameTree(secondDigest, await dataDigest(a, templateId));
    assert.equal((await template.inspect()).State.Running, true);
    t.diagnostic(`restore from remote (incremental only): ${String(op.bytes_done)} bytes`);

    // Both local snapshots gone: the whole chain (full + incremental) comes down.
    await execIn(template, ['sh', '-c', 'echo again > /data/later']);
    const list = await ok(a, 'GET', '/containers/tmpl/snapshots', undefined, 200);
    for (const s of list.snapshots as { name: string }[]) await ok(a, 'DELETE', `/containers/tmpl/snapshots/${s.name}`, undefined, 200);
    const whole = await ok(a, 'POST', `/containers/tmpl/snapshots/${second}/replicas/${REMOTE_ID}/restore`, {}, 202);
    const op2 = await finished(a, (whole.operation as OperationJson).id);
    assert.equal(op2.state, 'succeeded', JSON.stringify(op2.error));
    assert.ok(op2.bytes_total !== null && op2.bytes_total > incrementalBytes + 4 * 1024 * 1024, JSON.stringify(op2));
    assertSameTree(secondDigest, await dataDigest(a, templateId));
    const names = ((await ok(a, 'GET', '/containers/tmpl/snapshots', undefined, 200)).snapshots as { name: string }[]).map((s) => s.name).sort();
    assert.deepEqual(names, [first, second].sort());
  });

  it("host A loses its pool: `remotes recover` brings the container back at its newest replica", async () => {
    await a.losePool();
    // A's Docker has no container any more; A's database (not on the pool) still remembers it.
    assert.deepEqual(await a.docker.listContainers({ all: true }), []);
    // The operator's command, as documented: it starts the recovery and follows it to the end.
    let stdout = '';
    let stderr = '';
    const io: CliIo = { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), env: {} };
    const code = await runCli(['--url', a.url, '--token', TEST_TOKEN, '--json', 'remotes', 'recover', '--remote', REMOTE_ID, '--container', 'tmpl', '--wait'], io);
    assert.equal(code, 0, `${stdout}\n${stderr}`);
    const op = JSON.parse(stdout) as OperationJson;
    assert.deepEqual([op.state, op.kind, op.target], ['succeeded', 'replica.recover', 'tmpl'], stdout);
    const back = await a.docker.getContainer('tmpl').inspect();
    assert.equal(back.State.Running, true);
    for (const entry of ENV) assert.ok(back.Config.Env.includes(entry));
    assert.deepEqual(back.Config.Cmd, LOOP);
    assertSameTree(secondDigest, await dataDigest(a, back.Id));
    // Nothing of that name in the remote: 404, nothing started.
    assert.equal((await a.api('POST', `/remotes/${REMOTE_ID}/recover`, { container: 'never-existed' })).status, 404);
  });
});
