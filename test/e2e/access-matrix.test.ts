/**
 * Every route × every kind of key, against the real service (private dockerd on btrfs, SQLite, HTTP):
 * no key, a viewer / operator of project alpha, an all-projects admin, an admin of project beta, a
 * revoked key and an expired key. Each answer is checked (2xx, 401, 403, 404), and where a request is
 * refused, nothing changed (records, keys, projects, Docker's containers).
 *
 * The route list comes from the served OpenAPI document, which the router's route table generates: a
 * route added later without an expectation here fails the test (add it to EXPECTED).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { ManualClock } from '../../src/core/clock.js';
import { FakeRemote } from '../core/fake-remote.js';
import { needs } from '../support/components.js';
import { startTestService, type ApiResponse, type TestService } from '../support/cowsnap-service.js';
import { createDockerEngine, type TestDockerEngine } from '../support/docker-engine.js';
import { KEY_KINDS, expectedStatus, type KeyKind, type RoleName } from './support/access-expectations.js';

/** How to call a route so that an allowed key succeeds: each call prepares its own fresh target. */
interface Call {
  readonly path: string;
  readonly body?: unknown;
  /** An endless answer (the event stream): only its status is read. */
  readonly stream?: boolean;
}

interface Expectation {
  readonly role: RoleName;
  readonly allProjects?: boolean;
  /** Status of an allowed call (the route's success, or what it answers when nothing exists to act on). */
  readonly success: number;
  /**
   * The admin of project beta on this alpha resource: 404 (as if absent) for things inside alpha, the
   * success status for listings (filtered to beta), 403 where beta may not act on alpha at all.
   */
  readonly otherProject: number;
  /** Routes that answer without a key (auth false or optional): status for no / bad keys. */
  readonly anonymous?: number;
  readonly prepare: (f: Fixture) => Promise<Call>;
}

interface Fixture {
  readonly service: TestService;
  readonly engine: TestDockerEngine;
  snapshot(): Promise<string>;
  unique(prefix: string): string;
  schedule(): Promise<string>;
  replica(): Promise<{ snapshot: string; operation: number }>;
  containerId(): Promise<string>;
}

const C = '/containers/web';

/** A fresh webhook (made with the bootstrap key) for a call to act on. */
async function webhookOf(f: Fixture): Promise<string> {
  const created = await f.service.api('POST', '/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['snapshot.create'] });
  return String((created.body.data as { webhook: { id: number } }).webhook.id);
}

const EXPECTED: Record<string, Expectation> = {
  createSnapshot: { role: 'operator', success: 201, otherProject: 404, prepare: () => Promise.resolve({ path: `${C}/snapshots`, body: {} }) },
  listSnapshots: { role: 'viewer', success: 200, otherProject: 404, prepare: () => Promise.resolve({ path: `${C}/snapshots` }) },
  getSnapshot: { role: 'viewer', success: 200, otherProject: 404, prepare: async (f) => ({ path: `${C}/snapshots/${await f.snapshot()}` }) },
  restoreSnapshot: { role: 'operator', success: 200, otherProject: 404, prepare: async (f) => ({ path: `${C}/snapshots/${await f.snapshot()}`, body: {} }) },
  updateSnapshot: { role: 'operator', success: 200, otherProject: 404, prepare: async (f) => ({ path: `${C}/snapshots/${await f.snapshot()}`, body: { alias: f.unique('alias') } }) },
  deleteSnapshot: { role: 'operator', success: 200, otherProject: 404, prepare: async (f) => ({ path: `${C}/snapshots/${await f.snapshot()}` }) },
  listContainers: { role: 'viewer', success: 200, otherProject: 200, prepare: () => Promise.resolve({ path: '/containers' }) },
  getContainer: { role: 'viewer', success: 200, otherProject: 404, prepare: () => Promise.resolve({ path: C }) },
  assignContainerProject: { role: 'admin', allProjects: true, success: 200, otherProject: 403, prepare: () => Promise.resolve({ path: C, body: { project: 'alpha' } }) },
  copyContainer: { role: 'operator', success: 201, otherProject: 404, prepare: async (f) => ({ path: `${C}/copy`, body: { name: f.unique('copy'), source_snapshot: await f.snapshot() } }) },
  createSchedule: { role: 'operator', success: 201, otherProject: 404, prepare: () => Promise.resolve({ path: `${C}/schedules`, body: { cron: '0 3 * * *' } }) },
  listSchedules: { role: 'viewer', success: 200, otherProject: 404, prepare: () => Promise.resolve({ path: `${C}/schedules` }) },
  deleteSchedules: { role: 'operator', success: 200, otherProject: 404, prepare: () => Promise.resolve({ path: `${C}/schedules` }) },
  getSchedule: { role: 'viewer', success: 200, otherProject: 404, prepare: async (f) => ({ path: `${C}/schedules/${await f.schedule()}` }) },
  updateSchedule: { role: 'operator', success: 200, otherProject: 404, prepare: async (f) => ({ path: `${C}/schedules/${await f.schedule()}`, body: { paused: true } }) },
  deleteSchedule: { role: 'operator', success: 200, otherProject: 404, prepare: async (f) => ({ path: `${C}/schedules/${await f.schedule()}` }) },
  pushReplica: { role: 'operator', success: 202, otherProject: 404, prepare: async (f) => ({ path: `${C}/snapshots/${await f.snapshot()}/replicas`, body: { remote: 'vault' } }) },
  deleteReplica: { role: 'operator', success: 200, otherProject: 404, prepare: async (f) => ({ path: `${C}/snapshots/${(await f.replica()).snapshot}/replicas/vault` }) },
  verifyReplica: { role: 'operator', success: 200, otherProject: 404, prepare: async (f) => ({ path: `${C}/snapshots/${(await f.replica()).snapshot}/replicas/vault/verify` }) },
  listContainerReplicas: { role: 'viewer', success: 200, otherProject: 404, prepare: () => Promise.resolve({ path: `${C}/replicas` }) },
  restoreFromRemote: { role: 'operator', success: 202, otherProject: 404, prepare: async (f) => ({ path: `${C}/snapshots/${(await f.replica()).snapshot}/replicas/vault/restore`, body: {} }) },
  // Host-wide: a replica in a bucket belongs to no project here, so only all-projects keys copy or recover from it.
  copyFromRemote: {
    role: 'operator',
    allProjects: true,
    success: 202,
    otherProject: 403,
    prepare: async (f) => ({ path: `/remotes/vault/snapshots/${await f.containerId()}/${(await f.replica()).snapshot}/copy`, body: { name: f.unique('from-remote'), start: false } }),
  },
  // No replica of such a container exists: an allowed key reaches the route's own 404.
  recoverFromRemote: { role: 'admin', allProjects: true, success: 404, otherProject: 403, prepare: () => Promise.resolve({ path: '/remotes/vault/recover', body: { container: 'never-existed' } }) },
  getOperation: { role: 'viewer', success: 200, otherProject: 404, prepare: async (f) => ({ path: `/operations/${String((await f.replica()).operation)}` }) },
  listOperations: { role: 'viewer', success: 200, otherProject: 200, prepare: () => Promise.resolve({ path: '/operations' }) },
  listRemotes: { role: 'viewer', success: 200, otherProject: 200, prepare: () => Promise.resolve({ path: '/remotes' }) },
  listRemoteSnapshots: { role: 'viewer', success: 200, otherProject: 200, prepare: () => Promise.resolve({ path: '/remotes/vault/snapshots' }) },
  listCopyDatasets: { role: 'viewer', allProjects: true, success: 200, otherProject: 403, prepare: () => Promise.resolve({ path: '/copy-datasets' }) },
  // No copy dataset exists (the test container has no pool mounts): an allowed key reaches the route's own 404.
  reclaimCopyDataset: { role: 'admin', allProjects: true, success: 404, otherProject: 403, prepare: () => Promise.resolve({ path: '/copy-datasets/docker-pool/cowsnap-copy-none' }) },
  streamEvents: { role: 'viewer', success: 200, otherProject: 404, prepare: () => Promise.resolve({ path: '/events?container=web', stream: true }) },
  diffSnapshot: { role: 'viewer', success: 200, otherProject: 404, prepare: async (f) => ({ path: `${C}/snapshots/${await f.snapshot()}/diff?to=current` }) },
  // Webhooks get every project's events: host-wide, all-projects admins only.
  createWebhook: { role: 'admin', allProjects: true, success: 201, otherProject: 403, prepare: () => Promise.resolve({ path: '/webhooks', body: { url: 'http://127.0.0.1:9/hook', events: ['snapshot.create'] } }) },
  listWebhooks: { role: 'admin', allProjects: true, success: 200, otherProject: 403, prepare: () => Promise.resolve({ path: '/webhooks' }) },
  getWebhook: { role: 'admin', allProjects: true, success: 200, otherProject: 403, prepare: async (f) => ({ path: `/webhooks/${await webhookOf(f)}` }) },
  deleteWebhook: { role: 'admin', allProjects: true, success: 200, otherProject: 403, prepare: async (f) => ({ path: `/webhooks/${await webhookOf(f)}` }) },
  listWebhookDeliveries: { role: 'admin', allProjects: true, success: 200, otherProject: 403, prepare: async (f) => ({ path: `/webhooks/${await webhookOf(f)}/deliveries` }) },
  testWebhook: { role: 'admin', allProjects: true, success: 202, otherProject: 403, prepare: async (f) => ({ path: `/webhooks/${await webhookOf(f)}/test` }) },
  getHealth: { role: 'viewer', success: 200, otherProject: 200, anonymous: 200, prepare: () => Promise.resolve({ path: '/health' }) },
  getOpenApiDocument: { role: 'viewer', success: 200, otherProject: 200, anonymous: 200, prepare: () => Promise.resolve({ path: '/openapi.json' }) },
  getMetrics: { role: 'viewer', allProjects: true, success: 200, otherProject: 403, prepare: () => Promise.resolve({ path: '/../../metrics' }) },
  listProjects: { role: 'viewer', success: 200, otherProject: 200, prepare: () => Promise.resolve({ path: '/projects' }) },
  getProject: { role: 'viewer', success: 200, otherProject: 404, prepare: () => Promise.resolve({ path: '/projects/alpha' }) },
  createProject: { role: 'admin', allProjects: true, success: 201, otherProject: 403, prepare: (f) => Promise.resolve({ path: '/projects', body: { id: f.unique('p') } }) },
  updateProject: { role: 'admin', allProjects: true, success: 200, otherProject: 403, prepare: () => Promise.resolve({ path: '/projects/alpha', body: { max_snapshots: 1000 } }) },
  deleteProject: {
    role: 'admin',
    allProjects: true,
    success: 200,
    otherProject: 403,
    prepare: async (f) => {
      const id = f.unique('gone');
      assert.equal((await f.service.api('POST', '/projects', { id })).status, 201);
      return { path: `/projects/${id}` };
    },
  },
  listKeys: { role: 'admin', success: 200, otherProject: 200, prepare: () => Promise.resolve({ path: '/keys' }) },
  // Beta's admin may create keys, but not for alpha.
  createKey: { role: 'admin', success: 201, otherProject: 403, prepare: (f) => Promise.resolve({ path: '/keys', body: { name: f.unique('k'), project: 'alpha', role: 'viewer' } }) },
  revokeKey: {
    role: 'admin',
    success: 200,
    otherProject: 404,
    prepare: async (f) => {
      const created = await f.service.api('POST', '/keys', { name: f.unique('k'), project: 'alpha', role: 'viewer' });
      assert.equal(created.status, 201);
      return { path: `/keys/${(created.body.data as { key: { id: string } }).key.id}` };
    },
  },
  listAudit: { role: 'admin', success: 200, otherProject: 200, prepare: () => Promise.resolve({ path: '/audit' }) },
};

interface DocumentOperation {
  operationId: string;
  'x-required-role': RoleName;
  'x-all-projects': boolean;
}

describe('access matrix: every route × every kind of key (real service)', needs('docker'), () => {
  let engine: TestDockerEngine;
  let service: TestService;
  let db: BetterSqlite3.Database;
  const keys = new Map<KeyKind, string | null>();
  const clock = new ManualClock(new Date());
  let counter = 0;
  const unique = (prefix: string): string => `${prefix}-${String((counter += 1))}`;

  before(async () => {
    engine = await createDockerEngine();
    // Restores and copies from the remote run in the background: later requests wait for the container's lock.
    service = await startTestService({ engine, clock, serviceOptions: { remotes: [new FakeRemote('vault')], lockWaitMs: 60_000 } });
    db = new BetterSqlite3(service.config.databasePath, { readonly: true });
    for (const project of ['alpha', 'beta']) assert.equal((await service.api('POST', '/projects', { id: project })).status, 201);
    // `sh` as PID 1 ignores SIGTERM; the trap lets a restore stop it at once instead of after the timeout.
    const container = await engine.docker.createContainer({
      Image: engine.image,
      name: 'web',
      Cmd: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'],
      Labels: { 'cowsnap.project': 'alpha' },
    });
    await container.start();
    const key = async (project: string, role: RoleName, extra: Record<string, unknown> = {}): Promise<{ id: string; token: string }> => {
      const response = await service.api('POST', '/keys', { name: `${role}-${project}`, project, role, ...extra });
      assert.equal(response.status, 201, JSON.stringify(response.body));
      const data = response.body.data as { key: { id: string }; token: string };
      return { id: data.key.id, token: data.token };
    };
    keys.set('none', null);
    keys.set('viewer', (await key('alpha', 'viewer')).token);
    keys.set('operator', (await key('alpha', 'operator')).token);
    keys.set('admin', (await key('*', 'admin')).token);
    keys.set('otherProject', (await key('beta', 'admin')).token);
    const revoked = await key('alpha', 'admin');
    assert.equal((await service.api('DELETE', `/keys/${revoked.id}`)).status, 200);
    keys.set('revoked', revoked.token);
    const expiring = await key('alpha', 'admin', { expires_at: new Date(clock.now().getTime() + 3_600_000).toISOString() });
    keys.set('expired', expiring.token);
    clock.advance(2 * 3_600_000);
  });
  after(async () => {
    db.close();
    await service.close();
    await engine.destroy();
  });

  const fixture = (): Fixture => ({
    service,
    engine,
    unique,
    async snapshot() {
      const response = await service.api('POST', `${C}/snapshots`, {});
      assert.equal(response.status, 201, JSON.stringify(response.body));
      return (response.body.data as { snapshot: { name: string } }).snapshot.name;
    },
    async schedule() {
      const response = await service.api('POST', `${C}/schedules`, { cron: '0 4 * * *' });
      assert.equal(response.status, 201, JSON.stringify(response.body));
      return String((response.body.data as { schedule: { id: number } }).schedule.id);
    },
    async containerId() {
      return ((await service.api('GET', C)).body.data as { container: { id: string } }).container.id;
    },
    async replica() {
      const snapshot = await this.snapshot();
      const pushed = await service.api('POST', `${C}/snapshots/${snapshot}/replicas`, { remote: 'vault' });
      assert.equal(pushed.status, 202, JSON.stringify(pushed.body));
      const operation = (pushed.body.data as { operation: { id: number } }).operation.id;
      let last: unknown;
      for (let i = 0; i < 600; i += 1) {
        last = (await service.api('GET', `/operations/${String(operation)}`)).body.data;
        const status = (last as { state: string }).state;
        if (status === 'succeeded') return { snapshot, operation };
        assert.notEqual(status, 'failed', JSON.stringify(last));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`replica upload did not finish: ${JSON.stringify(last)}`);
    },
  });

  /**
   * What a refused request must not change: every record but the audit log, and Docker's containers.
   * Left out: what the service updates on its own in the background (a snapshot's measured size follows
   * its create; a container's last-seen time).
   */
  async function state(): Promise<string> {
    const queries = [
      'SELECT id, name, image, removed_at, project_id FROM containers ORDER BY id',
      'SELECT id, container_id, project_id, name, alias, expires_at, last_used_at, state, tags, origin FROM snapshots ORDER BY id',
      ...['schedules', 'replicas', 'projects', 'api_keys', 'tracked_operations'].map((table) => `SELECT * FROM ${table} ORDER BY rowid`),
    ];
    const rows = queries.map((query) => JSON.stringify(db.prepare(query).all()));
    const docker = (await engine.docker.listContainers({ all: true })).map((c) => `${c.Names.join(',')}:${c.State}`).sort();
    return JSON.stringify([rows, docker]);
  }

  /** Waits until no operation launched in the background (a replica push) is queued or running. */
  async function backgroundSettled(): Promise<void> {
    const busy = db.prepare<[], { n: number }>(
      "SELECT (SELECT count(*) FROM tracked_operations WHERE status IN ('queued', 'running')) + (SELECT count(*) FROM replicas WHERE state = 'uploading') AS n",
    );
    for (let i = 0; i < 600; i += 1) {
      if ((busy.get()?.n ?? 0) === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('background operations did not settle within 30 s');
  }

  async function call(method: string, request: Call, token: string | null): Promise<ApiResponse> {
    if (request.stream === true) {
      const aborted = new AbortController();
      const headers: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
      const response = await fetch(`${service.url}/api/v1${request.path}`, { method, headers, signal: aborted.signal });
      aborted.abort();
      return { status: response.status, body: {}, headers: response.headers };
    }
    if (request.path.startsWith('/../../')) {
      // /metrics sits outside /api/v1.
      const headers: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
      const response = await fetch(`${service.url}/${request.path.slice('/../../'.length)}`, { method, headers });
      await response.text();
      return { status: response.status, body: {}, headers: response.headers };
    }
    return service.api(method, request.path, request.body, { token });
  }

  it('every route the service serves has an expectation, a role, and the role the expectation says', async () => {
    const document = (await service.api('GET', '/openapi.json')).body as { paths: Record<string, Record<string, DocumentOperation>> };
    const served = Object.values(document.paths).flatMap((methods) => Object.values(methods));
    const missing = served.filter((op) => !(op.operationId in EXPECTED)).map((op) => op.operationId);
    assert.deepEqual(missing, [], `routes without an expectation in access-matrix.test.ts: ${missing.join(', ')}`);
    for (const op of served) {
      const expected = EXPECTED[op.operationId];
      assert.ok(expected !== undefined);
      assert.ok(['viewer', 'operator', 'admin'].includes(op['x-required-role']), `${op.operationId} has no role`);
      assert.equal(op['x-required-role'], expected.role, `${op.operationId}: role`);
      assert.equal(op['x-all-projects'], expected.allProjects === true, `${op.operationId}: all projects`);
    }
    assert.ok(served.length >= Object.keys(EXPECTED).length - 1);
  });

  it('answers every route × key as expected, and a refused request changes nothing', async () => {
    const document = (await service.api('GET', '/openapi.json')).body as { paths: Record<string, Record<string, DocumentOperation>> };
    const failures: string[] = [];
    for (const [, methods] of Object.entries(document.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const expectation = EXPECTED[op.operationId];
        if (expectation === undefined) continue;
        for (const kind of KEY_KINDS) {
          const expected = expectedStatus(expectation, kind);
          const request = await expectation.prepare(fixture());
          const refused = expected >= 400 && !(expected === expectation.success);
          // A push the previous key was allowed (202) is still uploading in the background; its records
          // change when it ends, which is not the refused request's doing.
          if (refused) await backgroundSettled();
          const before = refused ? await state() : '';
          const response = await call(method.toUpperCase(), request, keys.get(kind) ?? null);
          const label = `${method.toUpperCase()} ${request.path} as ${kind}`;
          if (response.status !== expected) failures.push(`${label}: ${String(response.status)}, expected ${String(expected)} ${JSON.stringify(response.body).slice(0, 200)}`);
          if (refused && (await state()) !== before) failures.push(`${label}: refused with ${String(response.status)} but something changed`);
          if (expected === 403 && response.status === 403 && method !== 'get') {
            const error = response.body.error as { code: string } | undefined;
            if (error?.code !== 'forbidden') failures.push(`${label}: 403 without code forbidden`);
          }
        }
      }
    }
    assert.deepEqual(failures, []);
  });

  it('a project key lists only its own project: beta sees neither alpha\'s container nor its operations nor its project', async () => {
    const beta = keys.get('otherProject') ?? null;
    const containers = (await service.api('GET', '/containers', undefined, { token: beta })).body.data as { containers: { name: string }[] };
    assert.deepEqual(containers.containers.map((c) => c.name).filter((n) => n === 'web' || n.startsWith('copy-')), []);
    const operations = (await service.api('GET', '/operations', undefined, { token: beta })).body.data as { total: number };
    assert.equal(operations.total, 0);
    const projects = (await service.api('GET', '/projects', undefined, { token: beta })).body.data as { projects: { id: string }[] };
    assert.deepEqual(projects.projects.map((p) => p.id), ['beta']);
    const remote = (await service.api('GET', '/remotes/vault/snapshots', undefined, { token: beta })).body.data as { snapshots: unknown[] };
    assert.equal(remote.snapshots.length, 0);
    const alpha = (await service.api('GET', '/containers', undefined, { token: keys.get('viewer') ?? null })).body.data as { containers: { name: string; project_id: string }[] };
    assert.ok(alpha.containers.some((c) => c.name === 'web' && c.project_id === 'alpha'));
    assert.ok(alpha.containers.every((c) => c.project_id === 'alpha'));
  });
});
