/**
 * Restore from a remote and copy from a remote of a 1 GiB container, through the API of two real hosts
 * sharing one bucket on Ceph RGW (test/support/two-hosts.ts), next to the floor: the same download code
 * (S3 GET, chunk authentication, AES-GCM decryption, zstd -d, sha256 — the stream is encrypted, so no
 * hand-run `zstd -d` can read it) piped straight into `btrfs receive`, without the service. Also the
 * download alone into /dev/null.
 *
 *   node --import tsx bench/remote-restore.ts [--mib 1024]
 */
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { ExecFileRunner } from '../storage-drivers/common/command-runner.js';
import { streamKey } from '../src/remote/object-keys.js';
import { S3Remote } from '../src/remote/s3-remote.js';
import { layerPath } from '../test/support/docker-exec.js';
import { createTwoHosts, REMOTE_ID, type TestHost } from '../test/support/two-hosts.js';
import { writeMixedFile } from './support/mixed-data.js';
import { writeResults } from './support/results.js';

const LOOP = ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'];
const { values } = parseArgs({ options: { mib: { type: 'string', default: '1024' } } });
const mib = Number(values.mib);

interface OperationJson { id: number; state: string; bytes_done: number; error: unknown }

async function call(host: TestHost, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const reply = await host.api(method, path, body);
  if (reply.status >= 300) throw new Error(`${method} ${path}: ${String(reply.status)} ${JSON.stringify(reply.body)}`);
  return reply.body.data as Record<string, unknown>;
}

async function untilDone(host: TestHost, id: number): Promise<OperationJson> {
  for (;;) {
    const op = (await call(host, 'GET', `/operations/${String(id)}`)) as unknown as OperationJson;
    if (op.state === 'failed') throw new Error(`operation ${String(id)} failed: ${JSON.stringify(op.error)}`);
    if (op.state === 'succeeded') return op;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function timed<T>(body: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const started = performance.now();
  const value = await body();
  return { seconds: (performance.now() - started) / 1000, value };
}

const runner = new ExecFileRunner();
const hosts = await createTwoHosts();
try {
  const { a, b } = hosts;
  const container = await a.docker.createContainer({ Image: a.image, name: 'big', Cmd: LOOP, Env: ['ROLE=bench'] });
  await container.start();
  const data = join(await layerPath(a.dataRoot, container.id), 'data');
  for (let file = 0; file < mib / 16; file += 1) await writeMixedFile(join(data, `f${String(file)}`), 16);
  const made = await call(a, 'POST', '/containers/big/snapshots', {});
  const snapshot = (made.snapshot as { name: string }).name;
  const push = await timed(async () => untilDone(a, ((await call(a, 'POST', `/containers/big/snapshots/${snapshot}/replicas`, { remote: REMOTE_ID })).operation as OperationJson).id));
  const plainBytes = push.value.bytes_done;
  process.stdout.write(`push: ${(plainBytes / 2 ** 20).toFixed(0)} MiB in ${push.seconds.toFixed(1)} s\n`);

  const manifest = await (async () => {
    const remote = new S3Remote(hosts.remote);
    try {
      const found = await remote.getManifest(container.id, snapshot);
      if (found === undefined) throw new Error('no manifest');
      return found;
    } finally {
      remote.close();
    }
  })();
  const stream = manifest.filesystems[0]?.stream;
  if (stream === undefined || manifest.filesystems.length !== 1) throw new Error('expected one stream (the rootfs)');
  if (stream.key !== streamKey(container.id, snapshot, 0)) throw new Error('unexpected stream key');

  // Floor 1: download (GET, authenticate, decrypt, zstd -d, sha256) into /dev/null.
  const remote = new S3Remote(hosts.remote);
  const downloadOnly = await timed(() =>
    pipeline(
      remote.downloadStream(stream.key, stream.sha256),
      new Writable({
        write(_chunk, _encoding, callback) {
          callback();
        },
      }),
    ),
  );
  process.stdout.write(`download only: ${downloadOnly.seconds.toFixed(1)} s\n`);

  // Floor 2: the same download piped into `btrfs receive` on host B's pool, no service.
  const target = join(b.poolMountPoint, 'floor-receive');
  await mkdir(target, { recursive: true });
  const floor = await timed(async () => {
    const child = spawn('btrfs', ['receive', target], { stdio: ['pipe', 'ignore', 'inherit'] });
    const exited = new Promise<void>((resolve, reject) => {
      child.once('close', (code) => {
        if (code === 0) resolve();
        else reject(new Error(`btrfs receive exited ${String(code)}`));
      });
    });
    await pipeline(remote.downloadStream(stream.key, stream.sha256), child.stdin);
    await exited;
  });
  remote.close();
  await runner.run('btrfs', ['subvolume', 'delete', join(target, 'snapshot')]).catch(async () => {
    const { stdout } = await runner.run('ls', [target]);
    for (const name of stdout.split('\n').filter(Boolean)) await runner.run('btrfs', ['subvolume', 'delete', join(target, name)]);
  });
  process.stdout.write(`floor download → btrfs receive: ${floor.seconds.toFixed(1)} s\n`);

  // Copy from the remote on host B (never saw the container): download + receive + clone + create + start.
  const copy = await timed(async () =>
    untilDone(b, ((await call(b, 'POST', `/remotes/${REMOTE_ID}/snapshots/${container.id}/${snapshot}/copy`, { name: 'big-copy' })).operation as OperationJson).id),
  );
  process.stdout.write(`copy from remote (host B): ${copy.seconds.toFixed(1)} s\n`);

  // Restore from the remote on host A after its local snapshot was deleted: download + receive + restore swap.
  await call(a, 'DELETE', `/containers/big/snapshots/${snapshot}`);
  const restore = await timed(async () =>
    untilDone(a, ((await call(a, 'POST', `/containers/big/snapshots/${snapshot}/replicas/${REMOTE_ID}/restore`, {})).operation as OperationJson).id),
  );
  process.stdout.write(`restore from remote (host A): ${restore.seconds.toFixed(1)} s\n`);

  const figures = {
    mib,
    plainBytes,
    storedBytes: stream.storedBytes,
    pushSeconds: push.seconds,
    downloadOnlySeconds: downloadOnly.seconds,
    floorReceiveSeconds: floor.seconds,
    copyFromRemoteSeconds: copy.seconds,
    restoreFromRemoteSeconds: restore.seconds,
    copyOverFloor: copy.seconds / floor.seconds,
    restoreOverFloor: restore.seconds / floor.seconds,
  };
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
  process.stdout.write(`results: ${await writeResults('remote-restore', figures)}\n`);
} finally {
  await hosts.destroy();
}
