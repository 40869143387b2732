import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { CliIo } from '../../src/cli/cli-io.js';
import { runCli } from '../../src/cli/program.js';
import type { ContainerJson } from '../../src/http/wire/container-json.js';
import type { ScheduleJson } from '../../src/http/wire/schedule-json.js';
import type { SnapshotJson } from '../../src/http/wire/snapshot-json.js';

interface Recorded {
  method: string;
  url: string;
  authorization: string | undefined;
  body: unknown;
}

type Canned = { status: number; body: unknown } | { status: number; raw: string };

// Unit tests need no root and no fixture: a private temp folder, removed afterwards.
const dir = mkdtempSync(join(tmpdir(), 'cowsnap-unit-cli-'));
const requests: Recorded[] = [];
const replies = new Map<string, Canned>();
let server: Server;
let socketServer: Server;
let url: string;
const socketPath = join(dir, 'api.sock');

// The wire types keep these canned replies shaped like what the server sends.
const snapshot: SnapshotJson = {
  name: 'snap-20260101-120000',
  alias: 'before-deploy',
  created_at: '2026-01-01T12:00:00.000Z',
  last_used_at: null,
  expires_at: '2026-01-08T12:00:00.000Z',
  stateful: false,
  size: 1572864,
  state: 'ready',
  tags: ['deploy', 'v2'],
  filesystems: [{ role: 'rootfs', mount_point: '/', driver: 'btrfs', pool: 'p', dataset: 'docker/btrfs/subvolumes/abc' }],
  uncaptured: [{ role: 'mount', mount_point: '/cache', source: '/tmp/cache', reason: 'not on a configured pool' }],
  origin: 'api',
  error: null,
  container_name: 'web',
  replicas: [],
};

function reply(method: string, path: string, canned: Canned): void {
  replies.set(`${method} ${path}`, canned);
}

async function handle(req: IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  requests.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body: text === '' ? undefined : JSON.parse(text) });
  const canned = replies.get(`${req.method ?? ''} ${(req.url ?? '').split('?')[0] ?? ''}`) ?? {
    status: 404,
    body: { statusCode: 404, message: 'No such route.', error: { code: 'not_found', details: [] } },
  };
  res.writeHead(canned.status, { 'content-type': 'application/json' });
  res.end('raw' in canned ? canned.raw : JSON.stringify(canned.body));
}

async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

/** The usual global options: this test's server and a token, so no config file is involved. */
const at = (): string[] => ['--url', url, '--token', 'tok-123'];

before(async () => {
  server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(typeof address === 'object' && address !== null);
  url = `http://127.0.0.1:${address.port}`;
  socketServer = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => socketServer.listen(socketPath, resolve));
});

after(async () => {
  await new Promise((resolve) => server.close(resolve));
  await new Promise((resolve) => socketServer.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  requests.length = 0;
  replies.clear();
});

describe('cowsnap snapshots', () => {
  it('create sends every option as the API body with the token, and prints the result for people', async () => {
    reply('POST', '/api/v1/containers/web/snapshots', {
      status: 201,
      body: { statusCode: 201, message: 'Snapshot snap-20260101-120000 of web created.', data: { container_id: 'c1', project_id: 'default', snapshot } },
    });
    const out = await cli([...at(), 'snapshots', 'create', '--container', 'web', '--alias', 'before-deploy', '--expiry', '7', '--tag', 'deploy', '--tag', 'v2', '--quiesce', 'pause']);
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(requests, [
      {
        method: 'POST',
        url: '/api/v1/containers/web/snapshots',
        authorization: 'Bearer tok-123',
        body: { alias: 'before-deploy', expiry: 7, tags: ['deploy', 'v2'], quiesce: 'pause' },
      },
    ]);
    assert.match(out.stdout, /Snapshot snap-20260101-120000 of web created\./);
    assert.match(out.stdout, /alias:\s+before-deploy/);
    assert.match(out.stdout, /size:\s+1\.5 MiB/);
    assert.match(out.stdout, /not captured:\s+\/cache: not on a configured pool/);
  });

  it('--json prints exactly the API data, for scripts', async () => {
    const data = { container_id: 'c1', project_id: 'default', snapshot };
    reply('GET', '/api/v1/containers/web/snapshots/before-deploy', { status: 200, body: { statusCode: 200, message: 'ok', data } });
    const out = await cli([...at(), '--json', 'snapshots', 'get', '--container', 'web', '--name', 'before-deploy']);
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(JSON.parse(out.stdout), data);
    // The global option also works after the subcommand.
    const late = await cli(['snapshots', 'get', '--container', 'web', '--name', 'before-deploy', ...at(), '--json']);
    assert.deepEqual(JSON.parse(late.stdout), data);
  });

  it('list passes paging and filters and prints a table', async () => {
    const second = { ...snapshot, name: 'snap-20260101-110000', alias: null, expires_at: null, size: null, tags: [] };
    reply('GET', '/api/v1/containers/web/snapshots', {
      status: 200,
      body: { statusCode: 200, message: '2 snapshots', data: { container_id: 'c1', project_id: 'default', snapshots: [snapshot, second], total: 7, limit: 2, offset: 1 } },
    });
    const out = await cli([...at(), 'snapshots', 'list', '--container', 'web', '--limit', '2', '--offset', '1', '--state', 'ready']);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(requests[0]?.url, '/api/v1/containers/web/snapshots?limit=2&offset=1&state=ready');
    const lines = out.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^NAME\s+ALIAS\s+CREATED\s+EXPIRES\s+SIZE\s+STATE\s+TAGS$/);
    assert.match(lines[1] ?? '', /^snap-20260101-120000\s+before-deploy\s+2026-01-01 12:00Z\s+2026-01-08 12:00Z\s+1\.5 MiB\s+ready\s+deploy,v2$/);
    assert.match(lines[2] ?? '', /^snap-20260101-110000\s+-\s+2026-01-01 12:00Z\s+never\s+-\s+ready\s+-$/);
    assert.equal(lines[3], '2 of 7 snapshots');
  });

  it('list --tag asks the API for the snapshots carrying that tag', async () => {
    reply('GET', '/api/v1/containers/web/snapshots', {
      status: 200,
      body: { statusCode: 200, message: '1 snapshot', data: { container_id: 'c1', project_id: 'default', snapshots: [snapshot], total: 1, limit: 50, offset: 0 } },
    });
    const out = await cli([...at(), 'snapshots', 'list', '--container', 'web', '--tag', 'template v2']);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(requests[0]?.url, '/api/v1/containers/web/snapshots?tag=template+v2');
    assert.match(out.stdout, /1 of 1 snapshots/);
  });

  it('restore sends the safety-snapshot flag and reports the safety snapshot', async () => {
    reply('PATCH', '/api/v1/containers/web/snapshots/before-deploy', {
      status: 200,
      body: {
        statusCode: 200,
        message: 'Container web restored to snap-20260101-120000.',
        data: { container_id: 'c1', project_id: 'default', snapshot, safety_snapshot: { ...snapshot, name: 'snap-20260102-000000' }, was_running: true, duration_ms: 812 },
      },
    });
    const out = await cli([...at(), 'snapshots', 'restore', '--container', 'web', '--name', 'before-deploy', '--safety-snapshot']);
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(requests[0]?.body, { safety_snapshot: true });
    assert.match(out.stdout, /restored to snap-20260101-120000/);
    assert.match(out.stdout, /Safety snapshot: snap-20260102-000000/);
    assert.match(out.stdout, /Took 812 ms \(container restarted\)/);
  });

  it('defect-3 restore --stop-sharing-containers asks the service to stop containers sharing a dataset', async () => {
    reply('PATCH', '/api/v1/containers/web/snapshots/before-deploy', {
      status: 200,
      body: { statusCode: 200, message: 'Container web restored to snap-20260101-120000. Stopped and started again (sharing a dataset): worker.', data: { snapshot } },
    });
    const out = await cli([...at(), 'snapshots', 'restore', '--container', 'web', '--name', 'before-deploy', '--stop-sharing-containers']);
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(requests[0]?.body, { safety_snapshot: false, stop_sharing_containers: true });
    assert.match(out.stdout, /worker/);
  });

  it('update turns --clear-alias and --permanent into nulls and refuses contradictions without sending anything', async () => {
    reply('PUT', '/api/v1/containers/web/snapshots/s1', { status: 200, body: { statusCode: 200, message: 'Updated.', data: { snapshot } } });
    const out = await cli([...at(), 'snapshots', 'update', '--container', 'web', '--name', 's1', '--clear-alias', '--permanent', '--tag', 'x']);
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(requests[0]?.body, { alias: null, expiry: null, tags: ['x'] });

    requests.length = 0;
    const both = await cli([...at(), 'snapshots', 'update', '--container', 'web', '--name', 's1', '--alias', 'a', '--clear-alias']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /cannot be used with option '--clear-alias'/);
    const nothing = await cli([...at(), 'snapshots', 'update', '--container', 'web', '--name', 's1']);
    assert.equal(nothing.code, 2);
    assert.match(nothing.stderr, /nothing to change/);
    assert.deepEqual(requests, []);
  });

  it('delete escapes names in the path', async () => {
    reply('DELETE', '/api/v1/containers/my%20app/snapshots/a%2Fb', { status: 200, body: { statusCode: 200, message: 'Snapshot deleted.', data: { snapshot } } });
    const out = await cli([...at(), 'snapshots', 'delete', '--container', 'my app', '--name', 'a/b']);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout, 'Snapshot deleted.\n');
  });
});

describe('cowsnap errors and exit codes', () => {
  it('prints the API message and every detail and exits 1', async () => {
    reply('POST', '/api/v1/containers/web/snapshots', {
      status: 400,
      body: {
        statusCode: 400,
        message: 'Invalid request: /body/alias: too long; /body/tags/0: must not be empty',
        error: { code: 'validation_failed', details: [{ path: '/body/alias', message: 'too long' }, { path: '/body/tags/0', message: 'must not be empty' }] },
      },
    });
    const out = await cli([...at(), 'snapshots', 'create', '--container', 'web', '--alias', 'x', '--tag', '']);
    assert.equal(out.code, 1);
    assert.equal(out.stdout, '');
    assert.match(out.stderr, /^error: Invalid request: .* \(HTTP 400 \[validation_failed\]\)$/m);
    assert.match(out.stderr, /^ {2}- \/body\/alias: too long$/m);
    assert.match(out.stderr, /^ {2}- \/body\/tags\/0: must not be empty$/m);
  });

  it('exits 1 when the API says the container does not exist', async () => {
    const out = await cli([...at(), 'containers', 'get', 'ghost']);
    assert.equal(out.code, 1);
    assert.match(out.stderr, /No such route\. \(HTTP 404 \[not_found\]\)/);
  });

  it('exits 2 on bad command lines without sending anything', async () => {
    for (const args of [
      ['snapshots', 'create'],
      ['snapshots', 'create', '--container', 'web', '--expiry', '0'],
      ['snapshots', 'create', '--container', 'web', '--expiry', 'soon'],
      ['snapshots', 'create', '--container', 'web', '--quiesce', 'freeze'],
      ['snapshots', 'list', '--container', 'web', '--limit', '501'],
      ['snapshots', 'frobnicate'],
      ['--url', 'ftp://example', 'containers', 'list'],
    ]) {
      const out = await cli([...at(), ...args]);
      assert.equal(out.code, 2, `${args.join(' ')}: ${out.stderr}`);
      assert.notEqual(out.stderr, '', args.join(' '));
    }
    assert.deepEqual(requests, []);
  });

  it('exits 3 when nothing listens there', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const address = closed.address();
    await new Promise((resolve) => closed.close(resolve));
    assert.ok(typeof address === 'object' && address !== null);
    const out = await cli(['--url', `http://127.0.0.1:${address.port}`, '--token', 't', 'containers', 'list']);
    assert.equal(out.code, 3);
    assert.match(out.stderr, /cannot reach cowsnap at http:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED/);
    const noSocket = await cli(['--url', `unix:${join(dir, 'none.sock')}`, '--token', 't', 'containers', 'list']);
    assert.equal(noSocket.code, 3);
  });

  it('exits 4 when the answer is not a cowsnap envelope', async () => {
    reply('GET', '/api/v1/containers', { status: 502, raw: '<html>Bad gateway</html>' });
    const out = await cli([...at(), 'containers', 'list']);
    assert.equal(out.code, 4);
    assert.match(out.stderr, /not JSON/);
  });

  it('help exits 0 and documents the exit codes', async () => {
    const out = await cli(['--help']);
    assert.equal(out.code, 0);
    assert.match(out.stdout, /Exit codes:\n {2}0 {2}success\n {2}1 {2}the API reported an error/);
  });
});

describe('cowsnap url and token', () => {
  const containersReply = (): void => { reply('GET', '/api/v1/containers', { status: 200, body: { statusCode: 200, message: '0 containers.', data: { containers: [] } } }); };

  it('takes the url and token from COWSNAP_URL and COWSNAP_TOKEN, and flags win over them', async () => {
    containersReply();
    assert.equal((await cli(['containers', 'list'], { COWSNAP_URL: url, COWSNAP_TOKEN: 'from-env' })).code, 0);
    assert.equal((await cli(['--token', 'from-flag', 'containers', 'list'], { COWSNAP_URL: url, COWSNAP_TOKEN: 'from-env' })).code, 0);
    assert.deepEqual(requests.map((r) => r.authorization), ['Bearer from-env', 'Bearer from-flag']);
  });

  it('falls back to the configured listen address and token file', async () => {
    containersReply();
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'from-file\n', { mode: 0o600 });
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ listen: url.replace('http://', ''), tokenFile }));
    const out = await cli(['--config', config, 'containers', 'list'], {});
    assert.equal(out.code, 0, out.stderr);
    assert.equal(requests[0]?.authorization, 'Bearer from-file');
  });

  it('reports an invalid configuration it needed, with every problem, as exit 2', async () => {
    const config = join(dir, 'bad-config.json');
    writeFileSync(config, JSON.stringify({ listen: 'nowhere', logLevel: 'loud' }));
    const out = await cli(['--config', config, 'containers', 'list'], {});
    assert.equal(out.code, 2);
    assert.match(out.stderr, /\/listen .*not an address/);
    assert.match(out.stderr, /\/logLevel .*must be one of/);
  });

  it('talks to a service on a unix socket', async () => {
    containersReply();
    const out = await cli(['--url', `unix:${socketPath}`, '--token', 'sock', 'containers', 'list']);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(requests[0]?.authorization, 'Bearer sock');
  });
});

describe('cowsnap containers, copy and schedules', () => {
  it('containers list prints one row per container with its capture status', async () => {
    reply('GET', '/api/v1/containers', {
      status: 200,
      body: {
        statusCode: 200,
        message: '1 containers.',
        data: {
          containers: [
            {
              id: '0123456789abcdef0123',
              name: 'web',
              image: 'busybox',
              project_id: 'default',
              state: 'running',
              snapshot_count: 3,
              newest_snapshot_at: '2026-01-02T03:04:05.000Z',
              schedules: { active: 0, paused: 0, next_run_at: null },
              capture: [
                { role: 'rootfs', mount_point: '/', source: null, captured: true, reason: null, driver: 'btrfs', pool: 'p', dataset: 'd' },
                { role: 'mount', mount_point: '/x', source: '/tmp/x', captured: false, reason: 'not on a pool', driver: null, pool: null, dataset: null },
              ],
            } satisfies ContainerJson,
          ],
        },
      },
    });
    const out = await cli([...at(), 'containers', 'list']);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^ID\s+NAME\s+IMAGE\s+STATE\s+SNAPSHOTS\s+CAPTURED\n0123456789ab\s+web\s+busybox\s+running\s+3\s+1\/2\n$/);
  });

  it('copy sends name, source snapshot and start=false for --no-start', async () => {
    reply('POST', '/api/v1/containers/web/copy', {
      status: 201,
      body: { statusCode: 201, message: 'Container web-2 created from snap-1.', data: { container: { id: 'abc', name: 'web-2', state: 'created' } } },
    });
    const out = await cli([...at(), 'copy', '--container', 'web', '--name', 'web-2', '--source-snapshot', 'snap-1', '--no-start']);
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(requests[0]?.body, { name: 'web-2', source_snapshot: 'snap-1', start: false });
    assert.match(out.stdout, /name:\s+web-2/);
    await cli([...at(), 'copy', '--container', 'web', '--name', 'web-3']);
    assert.deepEqual(requests[1]?.body, { name: 'web-3', start: true });
  });

  it('copy prints every warning, one per line', async () => {
    const warnings = ['host port 127.0.0.1:8080 -> 80/tcp was not published: the source may still hold it', 'StorageOpt ({"size":"1G"}) was not carried over: reasons'];
    reply('POST', '/api/v1/containers/web/copy', {
      status: 201,
      body: { statusCode: 201, message: 'Container web-4 copied (2 warning(s)).', data: { container: { id: 'abc', name: 'web-4', state: 'running' }, warnings } },
    });
    const out = await cli([...at(), 'copy', '--container', 'web', '--name', 'web-4']);
    assert.equal(out.code, 0, out.stderr);
    for (const warning of warnings) assert.match(out.stdout, new RegExp(`^warning: ${warning.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  });

  it('schedules create/update/delete/list map options onto the API', async () => {
    const schedule: ScheduleJson = {
      id: 1, container_id: 'c0ffee', origin: 'schedule:1', cron: '0 3 * * *', timezone: 'Europe/Berlin', alias_template: null, expiry: 7, quiesce: 'none',
      keep_min: 2, paused: false, paused_reason: null, run_count: 0, last_slot: null, last_run_at: null, last_snapshot: null, last_error: null,
      replicate: null, next_run_at: '2026-01-02T02:00:00.000Z', created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z',
    };
    reply('POST', '/api/v1/containers/web/schedules', { status: 201, body: { statusCode: 201, message: 'Schedule 1 created.', data: { schedule } } });
    reply('PUT', '/api/v1/containers/web/schedules/1', { status: 200, body: { statusCode: 200, message: 'Schedule 1 updated.', data: { schedule } } });
    reply('DELETE', '/api/v1/containers/web/schedules/1', { status: 200, body: { statusCode: 200, message: 'Schedule 1 deleted.', data: { schedule } } });
    reply('GET', '/api/v1/containers/web/schedules', { status: 200, body: { statusCode: 200, message: '1 schedule.', data: { schedules: [schedule] } } });

    const created = await cli([...at(), 'schedules', 'create', '--container', 'web', '--cron', '0 3 * * *', '--timezone', 'Europe/Berlin', '--expiry', '7', '--keep-min', '2', '--paused']);
    assert.equal(created.code, 0, created.stderr);
    assert.deepEqual(requests[0]?.body, { cron: '0 3 * * *', timezone: 'Europe/Berlin', expiry: 7, keep_min: 2, paused: true });
    assert.match(created.stdout, /Schedule 1 created\./);

    assert.equal((await cli([...at(), 'schedules', 'update', '--container', 'web', '--id', '1', '--no-paused', '--permanent', '--clear-alias-template'])).code, 0);
    assert.deepEqual(requests[1]?.body, { paused: false, expiry: null, alias_template: null });
    assert.equal((await cli([...at(), 'schedules', 'delete', '--container', 'web', '--id', '1'])).code, 0);
    assert.equal(requests[2]?.method, 'DELETE');
    assert.equal((await cli([...at(), 'schedules', 'delete', '--container', 'web'])).code, 2, 'deleting every schedule needs --all');
    assert.equal(requests.length, 3);
    reply('DELETE', '/api/v1/containers/web/schedules', { status: 200, body: { statusCode: 200, message: '1 schedules of container web deleted.', data: { schedules: [] } } });
    const all = await cli([...at(), 'schedules', 'delete', '--container', 'web', '--all']);
    assert.equal(all.code, 0, all.stderr);
    assert.equal(requests[3]?.url, '/api/v1/containers/web/schedules');
    requests.length = 3;

    const listed = await cli([...at(), 'schedules', 'list', '--container', 'web']);
    assert.match(listed.stdout, /^ID\s+CRON\s+TIMEZONE/);
    assert.match(listed.stdout, /1\s+0 3 \* \* \*\s+Europe\/Berlin\s+-\s+7\s+none\s+2\s+active\s+2026-01-02 02:00Z/);

    assert.equal((await cli([...at(), 'schedules', 'create', '--container', 'web'])).code, 2, 'cron is required');
  });
});

describe('cowsnap serve', () => {
  it('exits 2 and prints every problem of a bad configuration without starting anything', async () => {
    const out = await cli(['serve'], { COWSNAP_CONFIG: join(dir, 'missing.json'), COWSNAP_LOG_LEVEL: 'chatty', COWSNAP_LISTEN: 'x' });
    assert.equal(out.code, 2);
    assert.match(out.stderr, /invalid configuration \(3 problems\)/);
    assert.match(out.stderr, /missing\.json: no such file/);
    assert.match(out.stderr, /COWSNAP_LOG_LEVEL/);
    assert.match(out.stderr, /COWSNAP_LISTEN/);
  });
});

describe('the cowsnap executable', () => {
  it('runs as a process and exits with the documented codes', async () => {
    reply('GET', '/api/v1/containers', { status: 200, body: { statusCode: 200, message: '0 containers.', data: { containers: [] } } });
    const run = promisify(execFile);
    const ok = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--json', 'containers', 'list'], {
      env: { ...process.env, COWSNAP_URL: url, COWSNAP_TOKEN: 't' },
    });
    assert.deepEqual(JSON.parse(ok.stdout), { containers: [] });
    await assert.rejects(run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'snapshots', 'list']), (error: { code?: number; stderr?: string }) => {
      assert.equal(error.code, 2);
      assert.match(error.stderr ?? '', /required option '--container <container>' not specified/);
      return true;
    });
  });
});
