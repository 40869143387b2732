import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { CliIo } from '../../src/cli/cli-io.js';
import { runCli } from '../../src/cli/program.js';

const requests: { method: string; url: string; body: unknown }[] = [];
const replies = new Map<string, { status: number; body: unknown }[]>();
let server: Server;
let url = '';

/** Queues answers per route: several for one route are served in order (polling), the last one repeats. */
function reply(route: string, status: number, message: string, data: unknown): void {
  const queue = replies.get(route) ?? [];
  queue.push({ status, body: status < 300 ? { statusCode: status, message, data } : { statusCode: status, message, error: data } });
  replies.set(route, queue);
}

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {} };
  const code = await runCli(['--url', url, '--token', 'tok', ...args], io);
  return { code, stdout, stderr };
}

const operation = (state: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: 7, kind: 'replica.upload', state, container_id: 'c1', snapshot: 'snap-20260101-120000', target: 'offsite',
  bytes_done: 1024, bytes_total: null, error: null, started_at: '2026-01-01T12:00:00.000Z', updated_at: '2026-01-01T12:00:00.000Z', finished_at: null, ...extra,
});

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', body: text === '' ? undefined : JSON.parse(text) });
      const queue = replies.get(`${req.method ?? ''} ${req.url ?? ''}`) ?? [];
      const canned = (queue.length > 1 ? queue.shift() : queue[0]) ?? { status: 404, body: { statusCode: 404, message: 'no route', error: { code: 'not_found', details: [] } } };
      res.writeHead(canned.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(canned.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(typeof address === 'object' && address !== null);
  url = `http://127.0.0.1:${String(address.port)}`;
});

after(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  requests.length = 0;
  replies.clear();
});

const BASE = '/api/v1/containers/web/snapshots/before-deploy/replicas';

describe('cowsnap replicas, remotes, operations', () => {
  it('replicas push --wait sends the remote, follows the operation and prints how it ended', async () => {
    reply(`POST ${BASE}`, 202, 'Uploading.', { operation: operation('queued'), replica: {} });
    reply('GET /api/v1/operations/7', 200, 'running', operation('running'));
    reply('GET /api/v1/operations/7', 200, 'done', operation('succeeded', { bytes_total: 1024 }));
    const out = await cli(['replicas', 'push', '--container', 'web', '--name', 'before-deploy', '--remote', 'offsite', '--wait']);
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(requests[0], { method: 'POST', url: BASE, body: { remote: 'offsite' } });
    assert.match(out.stdout, /state:\s+succeeded/);
  });

  it('replicas push --wait exits 1 with the reason when the upload failed', async () => {
    reply(`POST ${BASE}`, 202, 'Uploading.', { operation: operation('queued'), replica: {} });
    reply('GET /api/v1/operations/7', 200, 'failed', operation('failed', { error: { code: 'replica_upload_failed', message: 'Uploading stream 0 (/) failed.' } }));
    const out = await cli(['replicas', 'push', '--container', 'web', '--name', 'before-deploy', '--remote', 'offsite', '--wait']);
    assert.equal(out.code, 1);
    assert.match(out.stderr, /Uploading stream 0 \(\/\) failed/);
  });

  it('replicas verify exits 1 and names the damaged stream', async () => {
    reply(`POST ${BASE}/offsite/verify`, 200, 'Replica is damaged: stream 1 (/data): tag mismatch in chunk 2.', {
      ok: false,
      streams: [
        { index: 0, mount_point: '/', ok: true, bytes: 10, problem: null },
        { index: 1, mount_point: '/data', ok: false, bytes: 5, problem: 'tag mismatch in chunk 2' },
      ],
    });
    const out = await cli(['replicas', 'verify', '--container', 'web', '--name', 'before-deploy', '--remote', 'offsite']);
    assert.equal(out.code, 1);
    assert.match(out.stdout, /1\s+\/data\s+DAMAGED\s+5 B\s+tag mismatch in chunk 2/);
  });

  it('replicas delete, remotes snapshots and operations list map onto the API', async () => {
    reply(`DELETE ${BASE}/offsite`, 200, 'Replica deleted.', { container_id: 'c1', snapshot: 'before-deploy', remote: 'offsite' });
    reply('GET /api/v1/remotes/offsite/snapshots?container=web&limit=5', 200, '1 replica', {
      remote: 'offsite',
      snapshots: [{ container_name: 'web', container_id: 'c1'.padEnd(64, '0'), name: 'snap-20260101-120000', alias: null, incremental: true, bytes: 2048, stored_bytes: 100, uploaded_at: '2026-01-01T12:00:00.000Z' }],
      invalid: [],
      has_more: false,
    });
    reply('GET /api/v1/operations?state=failed', 200, '1 operation', { operations: [operation('failed', { error: { code: 'snapshot_gone', message: 'gone' } })], total: 1 });
    assert.equal((await cli(['replicas', 'delete', '--container', 'web', '--name', 'before-deploy', '--remote', 'offsite'])).code, 0);
    const listed = await cli(['remotes', 'snapshots', '--remote', 'offsite', '--container', 'web', '--limit', '5']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /web\s+c10000000000\s+snap-20260101-120000\s+-\s+incremental\s+2\.0 KiB/);
    const ops = await cli(['operations', 'list', '--state', 'failed']);
    assert.equal(ops.code, 0, ops.stderr);
    assert.match(ops.stdout, /7\s+replica\.upload\s+failed.*snapshot_gone/);
  });
});

describe('cowsnap schedules with replicate, replicas list of a container', () => {
  const schedule = { id: 3, cron: '@daily', replicate: { remote: 'offsite', expiry: 90, full_every: 7, since: '2026-01-01T00:00:00.000Z' } };

  it('schedules create --replicate-remote/--replicate-expiry 90d/--full-every send the replicate setting', async () => {
    reply('POST /api/v1/containers/web/schedules', 201, 'Schedule 3 created.', { schedule });
    const out = await cli(['schedules', 'create', '--container', 'web', '--cron', '@daily', '--replicate-remote', 'offsite', '--replicate-expiry', '90d', '--full-every', '7']);
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(requests[0]?.body, { cron: '@daily', replicate: { remote: 'offsite', expiry: 90, full_every: 7 } });
    assert.match(out.stdout, /replicate:?\s+offsite \(90d, full every 7\)/);
  });

  it('schedules update --stop-replicating sends null; parts without the remote are a usage error', async () => {
    reply('PUT /api/v1/containers/web/schedules/3', 200, 'Schedule 3 updated.', { schedule: { ...schedule, replicate: null } });
    assert.equal((await cli(['schedules', 'update', '--container', 'web', '--id', '3', '--stop-replicating'])).code, 0);
    assert.deepEqual(requests[0]?.body, { replicate: null });
    const partial = await cli(['schedules', 'update', '--container', 'web', '--id', '3', '--replicate-expiry', '30']);
    assert.equal(partial.code, 2);
    assert.match(partial.stderr, /need --replicate-remote/);
    assert.equal(requests.length, 1, 'nothing sent');
  });

  it('replicas restore, remotes copy and remotes recover send --expiry as the local expiry of the download', async () => {
    const started = { operation: operation('queued', { kind: 'replica.copy' }) };
    reply(`POST ${BASE}/offsite/restore`, 202, 'Restoring.', started);
    reply('POST /api/v1/remotes/offsite/snapshots/c1/snap-20260101-120000/copy', 202, 'Copying.', started);
    reply('POST /api/v1/remotes/offsite/recover', 202, 'Recovering.', started);
    const runs = [
      await cli(['replicas', 'restore', '--container', 'web', '--name', 'before-deploy', '--remote', 'offsite', '--expiry', '7']),
      await cli(['remotes', 'copy', '--remote', 'offsite', '--container-id', 'c1', '--snapshot', 'snap-20260101-120000', '--name', 'clone', '--expiry', '2']),
      await cli(['remotes', 'recover', '--remote', 'offsite', '--container', 'web', '--expiry', '30']),
      await cli(['remotes', 'recover', '--remote', 'offsite', '--container', 'web']),
    ];
    for (const run of runs) assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(requests.map((r) => r.body), [
      { safety_snapshot: false, stop_sharing_containers: false, expiry: 7 },
      { name: 'clone', start: true, expiry: 2 },
      { container: 'web', start: true, expiry: 30 },
      { container: 'web', start: true },
    ]);
    const bad = await cli(['remotes', 'recover', '--remote', 'offsite', '--container', 'web', '--expiry', '0']);
    assert.notEqual(bad.code, 0);
    assert.equal(requests.length, 4, 'a bad --expiry sends nothing');
  });

  it('replicas list without --name lists the container replicas with expiry and why', async () => {
    reply('GET /api/v1/containers/web/replicas?remote=offsite', 200, '2 replica(s) of web, 1 kept past their expiry.', {
      container_id: 'c1',
      replicas: [
        { snapshot: 'snap-20260102-000000', remote: 'offsite', state: 'ready', bytes: 10, stored_bytes: 5, uploaded_at: null, parent: 'snap-20260101-000000', error: null, operation_id: 2, expires_at: '2026-04-01T00:00:00.000Z', schedule_id: 3, why: null },
        { snapshot: 'snap-20260101-000000', remote: 'offsite', state: 'ready', bytes: 10, stored_bytes: 5, uploaded_at: null, parent: null, error: null, operation_id: 1, expires_at: '2026-01-02T00:00:00.000Z', schedule_id: 3, why: 'parent of snap-20260102-000000' },
      ],
    });
    const out = await cli(['replicas', 'list', '--container', 'web', '--remote', 'offsite']);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^SNAPSHOT\s+REMOTE\s+STATE\s+STORED\s+PARENT\s+EXPIRES\s+KEPT BECAUSE$/m);
    assert.match(out.stdout, /snap-20260101-000000\s+offsite\s+ready.*parent of snap-20260102-000000$/m);
  });
});
