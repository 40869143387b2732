/**
 * A real S3 server for tests: a throw-away single-host Ceph cluster (monitor, one OSD on a sparse file,
 * radosgw on a free loopback port) under this test process's folder, with one user and one bucket.
 * Everything is torn down by PID (SIGKILL: the data is thrown away) after the tests, on failure and on
 * interruption; `scripts/test-leftovers.ts` sweeps what a killed run left.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { cephConfig } from './ceph-config.js';
import { registerTeardown } from './cleanup.js';
import { scratchDir } from './scratch.js';
import { freePort } from './free-port.js';

export interface TestObjectStore {
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** A bucket made for this store's user. */
  readonly bucket: string;
  /** A client for checks behind the adapter's back (raw objects, multipart listings). */
  readonly client: S3Client;
  createBucket(name: string): Promise<void>;
  destroy(): Promise<void>;
}

const GiB = 1024 ** 3;
const READY_TIMEOUT_MS = 90_000;

function execText(command: string, args: readonly string[], timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, [...args], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error === null) resolve(stdout);
      else reject(new Error(`${command} ${args.join(' ')} failed: ${stderr.trim() || error.message}`));
    });
  });
}


const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Processes (ours or their leftovers) whose command line names this cluster's config file. */
function processesOf(configPath: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (args.includes(configPath)) pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

class Cluster {
  readonly config: string;
  private readonly daemons = new Map<string, ChildProcess>();

  constructor(readonly dir: string) {
    this.config = join(dir, 'ceph.conf');
  }

  start(name: string, command: string, args: readonly string[]): ChildProcess {
    const log = openSync(join(this.dir, 'log', `${name}.out`), 'a');
    try {
      const child = spawn(command, [...args], { stdio: ['ignore', log, log] });
      child.once('error', () => undefined);
      this.daemons.set(name, child);
      return child;
    } finally {
      closeSync(log);
    }
  }

  /** Polls `probe` until it succeeds; fails at once when the daemon died, with the end of its log. */
  async waitFor(name: string, probe: () => Promise<boolean>): Promise<void> {
    const child = this.daemons.get(name);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (child !== undefined && child.exitCode !== null) throw new Error(`${name} died during start-up: ${await this.logTail(name)}`);
      if (await probe().catch(() => false)) return;
      if (Date.now() > deadline) throw new Error(`${name} not ready after ${String(READY_TIMEOUT_MS / 1000)} s: ${await this.logTail(name)}`);
      await sleep(100);
    }
  }

  async ceph(...args: string[]): Promise<string> {
    return execText('ceph', ['-c', this.config, '--connect-timeout', '5', ...args], 20_000);
  }

  private async logTail(name: string): Promise<string> {
    const text = await readFile(join(this.dir, 'log', `${name}.out`), 'utf8').catch(() => '');
    return text.split('\n').slice(-12).join('\n');
  }

  /** SIGKILL every daemon and wait until each is reaped (no zombies left behind). */
  async stop(): Promise<void> {
    const exits = [...this.daemons.values()].map((child) =>
      child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => {
            child.once('exit', () => {
              resolve();
            });
          }),
    );
    for (const child of this.daemons.values()) child.kill('SIGKILL');
    await Promise.all(exits);
    this.daemons.clear();
    this.killStragglersSync();
  }

  /** For signal handlers and the exit hook: no waiting possible, the process is going away. */
  killStragglersSync(): void {
    for (const child of this.daemons.values()) child.kill('SIGKILL');
    for (const pid of processesOf(this.config)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
}

async function bootCluster(cluster: Cluster, osdBytes: number): Promise<{ endpoint: string; accessKeyId: string; secretAccessKey: string }> {
  const { dir, config } = cluster;
  for (const sub of ['run', 'log', 'mon.a', 'osd.0', 'rgw', 'crash']) await mkdir(join(dir, sub), { recursive: true });
  const fsid = randomUUID();
  const monPort = await freePort();
  let rgwPort = await freePort();
  while (rgwPort === monPort) rgwPort = await freePort();
  await writeFile(config, cephConfig({ dir, fsid, monPort, rgwPort, osdBytes }));

  await execText('ceph-authtool', ['--create-keyring', join(dir, 'keyring'), '--gen-key', '-n', 'mon.', '--cap', 'mon', 'allow *']);
  await execText('monmaptool', ['--create', '--fsid', fsid, '--addv', 'a', `[v1:127.0.0.1:${String(monPort)}]`, join(dir, 'monmap')]);
  await execText('ceph-mon', ['-c', config, '--mkfs', '-i', 'a', '--monmap', join(dir, 'monmap'), '--keyring', join(dir, 'keyring')]);
  cluster.start('mon.a', 'ceph-mon', ['-c', config, '-i', 'a', '-f']);
  await cluster.waitFor('mon.a', async () => (await cluster.ceph('-s'), true));

  const osdUuid = randomUUID();
  const osdId = (await cluster.ceph('osd', 'new', osdUuid)).trim();
  await execText('ceph-osd', ['-c', config, '-i', osdId, '--mkfs', '--osd-uuid', osdUuid], 120_000);
  await cluster.ceph('osd', 'crush', 'add', `osd.${osdId}`, '1.0', 'root=default', 'host=localhost');
  cluster.start('osd', 'ceph-osd', ['-c', config, '-i', osdId, '-f']);
  await cluster.waitFor('osd', async () => new RegExp(`^osd\\.${osdId} up`, 'm').test(await cluster.ceph('osd', 'dump')));

  const endpoint = `http://127.0.0.1:${String(rgwPort)}`;
  cluster.start('rgw', 'radosgw', ['-c', config, '-n', 'client.rgw.a', '-f']);
  await cluster.waitFor('rgw', async () => (await fetch(endpoint)).status < 500);

  const user = JSON.parse(await execText('radosgw-admin', ['-c', config, 'user', 'create', '--uid', 'test', '--display-name', 'test'])) as {
    keys: { access_key: string; secret_key: string }[];
  };
  const key = user.keys[0];
  if (key === undefined) throw new Error('radosgw-admin created a user without keys');
  return { endpoint, accessKeyId: key.access_key, secretAccessKey: key.secret_key };
}

/**
 * Starts a cluster and makes `bucket`. Ports come from the kernel; when another process takes one
 * between our probe and the daemon's bind (the daemon dies, or a foreign server answers and refuses
 * our keys), the whole cluster is started again on fresh ports.
 */
export async function createObjectStore(options: { osdGiB?: number; bucket?: string } = {}): Promise<TestObjectStore> {
  const osdBytes = (options.osdGiB ?? 20) * GiB;
  const bucket = options.bucket ?? 'cowsnap-test';
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    const cluster = new Cluster(scratchDir('rgw'));
    const registration = registerTeardown(
      `ceph cluster ${cluster.dir}`,
      async () => {
        await cluster.stop();
        await rm(cluster.dir, { recursive: true, force: true });
      },
      () => {
        cluster.killStragglersSync();
        rmSync(cluster.dir, { recursive: true, force: true });
      },
    );
    try {
      const access = await bootCluster(cluster, osdBytes);
      const client = new S3Client({
        endpoint: access.endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: access.accessKeyId, secretAccessKey: access.secretAccessKey },
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      });
      const createBucket = async (name: string): Promise<void> => {
        await client.send(new CreateBucketCommand({ Bucket: name }));
      };
      await createBucket(bucket);
      return {
        ...access,
        region: 'us-east-1',
        bucket,
        client,
        createBucket,
        destroy: async () => {
          client.destroy();
          await registration.release();
        },
      };
    } catch (error) {
      lastError = error;
      await registration.release();
    }
  }
  throw lastError;
}
