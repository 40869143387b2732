/**
 * Projects, quotas, the audit log and rate limits end to end: the real service on a private dockerd
 * (btrfs storage driver), real btrfs snapshots, SQLite and HTTP, with a ManualClock for expiry.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { runCli } from '../../src/cli/program.js';
import { ManualClock } from '../../src/core/clock.js';
import { needs } from '../support/components.js';
import { startTestService, testServiceConfig, type ApiResponse, type TestService } from '../support/cowsnap-service.js';
import { createDockerEngine, type TestDockerEngine } from '../support/docker-engine.js';

const DAY = 86_400_000;

interface Mutation {
  readonly method: string;
  readonly path: string;
  readonly keyId: string;
  readonly status: number;
}

describe('projects, quotas, audit and rate limits (real dockerd on btrfs, real service)', needs('docker'), () => {
  let engine: TestDockerEngine;
  let service: TestService;
  let db: BetterSqlite3.Database;
  const clock = new ManualClock('2026-06-01T08:00:00Z');
  const tokens = new Map<string, { id: string; token: string }>();
  /** Every mutating request this file sends, to find in the audit log at the end. */
  const mutations: Mutation[] = [];

  /** A request as the named key ("bootstrap" = the token file's token); mutations are remembered. */
  async function as(who: string, method: string, path: string, body?: unknown): Promise<ApiResponse> {
    const key = who === 'bootstrap' ? { id: 'bootstrap', token: service.token } : tokens.get(who);
    assert.ok(key, `no key ${who}`);
    const response = await service.api(method, path, body, { token: key.token });
    if (method !== 'GET') mutations.push({ method, path, keyId: key.id, status: response.status });
    return response;
  }

  async function runContainer(name: string, project: string): Promise<void> {
    const container = await engine.docker.createContainer({ Image: engine.image, name, Cmd: ['sleep', '100000'], Labels: { 'cowsnap.project': project } });
    await container.start();
  }

  async function createKey(name: string, project: string, role: string): Promise<void> {
    const response = await as('bootstrap', 'POST', '/keys', { name, project, role });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    const data = response.body.data as { key: { id: string }; token: string };
    tokens.set(name, { id: data.key.id, token: data.token });
  }

  const names = (response: ApiResponse, list: 'containers' | 'snapshots'): string[] =>
    ((response.body.data as Record<string, { name: string }[]>)[list] ?? []).map((c) => c.name);

  before(async () => {
    engine = await createDockerEngine();
    // A small burst so the rate limit is reachable; each part of this file uses its own key.
    const config = { ...testServiceConfig(engine), rateLimit: { perMinute: 60, burst: 40 } };
    // Concurrent creates on one container wait for its lock instead of answering 409.
    service = await startTestService({ engine, clock, config, serviceOptions: { lockWaitMs: 60_000 } });
    db = new BetterSqlite3(service.config.databasePath, { readonly: true });
    assert.equal((await as('bootstrap', 'POST', '/projects', { id: 'alpha', max_snapshots: 10 })).status, 201);
    assert.equal((await as('bootstrap', 'POST', '/projects', { id: 'beta' })).status, 201);
    assert.equal((await as('bootstrap', 'POST', '/projects', { id: 'gamma', max_snapshots: 10 })).status, 201);
    await runContainer('a1', 'alpha');
    await runContainer('b1', 'beta');
    for (const n of [1, 2, 3, 4, 5]) await runContainer(`g${String(n)}`, 'gamma');
    await createKey('alpha-op', 'alpha', 'operator');
    await createKey('beta-op', 'beta', 'operator');
    await createKey('gamma-op', 'gamma', 'operator');
    await createKey('limited', 'beta', 'operator');
  });
  after(async () => {
    db.close();
    await service.close();
    await engine.destroy();
  });

  it('each key lists only its own containers and snapshots; another project\'s container is 404, also for copy', async () => {
    assert.equal((await as('alpha-op', 'POST', '/containers/a1/snapshots', {})).status, 201);
    assert.equal((await as('beta-op', 'POST', '/containers/b1/snapshots', {})).status, 201);
    assert.deepEqual(names(await as('alpha-op', 'GET', '/containers'), 'containers'), ['a1']);
    assert.deepEqual(names(await as('beta-op', 'GET', '/containers'), 'containers'), ['b1']);
    assert.equal(names(await as('alpha-op', 'GET', '/containers/a1/snapshots'), 'snapshots').length, 1);
    const hidden = await as('beta-op', 'GET', '/containers/a1/snapshots');
    assert.equal(hidden.status, 404);
    assert.equal((hidden.body.error as { code: string }).code, 'container_not_found');
    // The same answer as for a container that does not exist at all.
    assert.equal((await as('beta-op', 'GET', '/containers/no-such-container/snapshots')).body.message, `No container "no-such-container" in Docker or in cowsnap's records.`);
    assert.equal(hidden.body.message, `No container "a1" in Docker or in cowsnap's records.`);

    const before = (await engine.docker.listContainers({ all: true })).length;
    const copy = await as('beta-op', 'POST', '/containers/a1/copy', { name: 'stolen' });
    assert.equal(copy.status, 404);
    assert.equal((await engine.docker.listContainers({ all: true })).length, before, 'no container made');

    // A copy by alpha lands in alpha; the all-projects key sees both projects.
    const copied = await as('alpha-op', 'POST', '/containers/a1/copy', { name: 'a1-copy' });
    assert.equal(copied.status, 201, JSON.stringify(copied.body));
    assert.equal((copied.body.data as { project_id: string }).project_id, 'alpha');
    assert.deepEqual(names(await as('alpha-op', 'GET', '/containers'), 'containers').sort(), ['a1', 'a1-copy']);
    const all = names(await as('bootstrap', 'GET', '/containers'), 'containers');
    for (const name of ['a1', 'a1-copy', 'b1']) assert.ok(all.includes(name), name);

    // target_project_id: alpha's key cannot put a copy into beta (a project it cannot see), nor into one that
    // does not exist; an all-projects key can, and beta's key then sees the copy.
    for (const target of ['beta', 'no-such-project']) {
      const refused = await as('alpha-op', 'POST', '/containers/a1/copy', { name: 'a1-elsewhere', target_project_id: target });
      assert.equal(refused.status, 404, JSON.stringify(refused.body));
      assert.equal((refused.body.error as { code: string }).code, 'project_not_found');
    }
    assert.equal((await engine.docker.listContainers({ all: true, filters: { name: ['a1-elsewhere'] } })).length, 0, 'no container made');
    const forBeta = await as('bootstrap', 'POST', '/containers/a1/copy', { name: 'a1-for-beta', target_project_id: 'beta', start: false });
    assert.equal(forBeta.status, 201, JSON.stringify(forBeta.body));
    assert.equal((forBeta.body.data as { project_id: string }).project_id, 'beta');
    assert.deepEqual(names(await as('beta-op', 'GET', '/containers'), 'containers').sort(), ['a1-for-beta', 'b1']);
    assert.deepEqual(names(await as('alpha-op', 'GET', '/containers'), 'containers').sort(), ['a1', 'a1-copy']);
  });

  it('stops the 11th snapshot of a project limited to 10 with 403 quota_exceeded, nothing made; GET /projects/:p shows use next to limits', async () => {
    const existing = (db.prepare("SELECT count(*) AS n FROM snapshots WHERE project_id = 'alpha' AND state = 'ready'").get() as { n: number }).n;
    for (let i = existing; i < 10; i += 1) assert.equal((await as('alpha-op', 'POST', '/containers/a1/snapshots', {})).status, 201);
    const eleventh = await as('alpha-op', 'POST', '/containers/a1/snapshots', {});
    assert.equal(eleventh.status, 403);
    const error = eleventh.body.error as { code: string; details: { quota: string; limit: number; used: number }[] };
    assert.equal(error.code, 'quota_exceeded');
    assert.deepEqual(error.details.map((d) => [d.quota, d.limit, d.used]), [['max_snapshots', 10, 10]]);
    assert.equal((db.prepare("SELECT count(*) AS n FROM snapshots WHERE project_id = 'alpha'").get() as { n: number }).n, 10, 'no record, not even a failed one');

    const project = (await as('alpha-op', 'GET', '/projects/alpha')).body.data as { project: { quotas: { max_snapshots: number }; usage: { snapshots: number; containers: number } } };
    assert.equal(project.project.quotas.max_snapshots, 10);
    assert.equal(project.project.usage.snapshots, 10);
    assert.equal(project.project.usage.containers, 2);
    // Another project is not affected.
    assert.equal((await as('beta-op', 'POST', '/containers/b1/snapshots', {})).status, 201);

    // Nor can its container be moved in with its snapshots: the move would take alpha past 10.
    const move = await as('bootstrap', 'PUT', '/containers/b1', { project: 'alpha' });
    assert.equal(move.status, 403, JSON.stringify(move.body));
    const refused = move.body.error as { code: string; details: { quota: string; limit: number; used: number }[] };
    assert.equal(refused.code, 'quota_exceeded');
    assert.deepEqual(refused.details.map((d) => [d.quota, d.limit, d.used]), [['max_snapshots', 10, 10]]);
    assert.equal((db.prepare("SELECT project_id FROM containers WHERE name = 'b1'").get() as { project_id: string }).project_id, 'beta', 'not moved');
  });

  it('20 concurrent creates in a project limited to 10: exactly 10 snapshots exist after, the rest 403', async () => {
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => as('gamma-op', 'POST', `/containers/g${String((i % 5) + 1)}/snapshots`, {})),
    );
    const statuses = responses.map((r) => r.status).sort();
    assert.deepEqual(statuses, [...Array<number>(10).fill(201), ...Array<number>(10).fill(403)], JSON.stringify(responses.filter((r) => r.status >= 500).map((r) => r.body)));
    for (const refused of responses.filter((r) => r.status === 403)) assert.equal((refused.body.error as { code: string }).code, 'quota_exceeded');
    assert.equal((db.prepare("SELECT count(*) AS n FROM snapshots WHERE project_id = 'gamma'").get() as { n: number }).n, 10);
    let listed = 0;
    for (const n of [1, 2, 3, 4, 5]) listed += names(await as('gamma-op', 'GET', `/containers/g${String(n)}/snapshots`), 'snapshots').length;
    assert.equal(listed, 10);
  });

  it('limits mutating requests per key: 429 with Retry-After, other keys unaffected', async () => {
    let limited: ApiResponse | undefined;
    for (let i = 0; i < 45 && limited === undefined; i += 1) {
      const response = await as('limited', 'PUT', '/containers/b1/snapshots/nonexistent', { tags: ['x'] });
      if (response.status === 429) limited = response;
      else assert.equal(response.status, 404);
    }
    assert.ok(limited, 'no 429 within 45 requests with a burst of 40');
    assert.equal((limited.body.error as { code: string }).code, 'rate_limited');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    // Reads are not limited, and the other keys still get through.
    assert.equal((await as('limited', 'GET', '/containers/b1/snapshots')).status, 200);
    assert.equal((await as('beta-op', 'PUT', '/containers/b1/snapshots/nonexistent', { tags: ['x'] })).status, 404);
  });

  it('a revoked key stops working at once, also right after it was verified and cached', async () => {
    await createKey('short-lived', 'beta', 'viewer');
    assert.equal((await as('short-lived', 'GET', '/containers')).status, 200);
    assert.equal((await as('short-lived', 'GET', '/containers')).status, 200);
    const id = tokens.get('short-lived')?.id ?? '';
    assert.equal((await as('bootstrap', 'DELETE', `/keys/${id}`)).status, 200);
    assert.equal((await as('short-lived', 'GET', '/containers')).status, 401);
    const listed = (await as('bootstrap', 'GET', '/keys')).body.data as { keys: Record<string, unknown>[] };
    const row = listed.keys.find((k) => k.id === id);
    assert.ok(row?.revoked_at !== null);
    assert.ok(listed.keys.every((k) => !('token' in k) && !('hash' in k)), 'no secret in listings');
  });

  it('the CLI manages keys, projects and reads the audit log (cowsnap keys|projects|audit)', async () => {
    const cliAs = async (token: string, args: string[]): Promise<{ code: number; out: string; err: string }> => {
      let out = '';
      let err = '';
      const io = {
        stdout: (t: string): void => {
          out += t;
        },
        stderr: (t: string): void => {
          err += t;
        },
        env: {},
      };
      const code = await runCli(['--url', service.url, '--token', token, ...args], io);
      return { code, out, err };
    };
    const cli = (...args: string[]): Promise<{ code: number; out: string; err: string }> => cliAs(service.token, args);
    const created = await cli('projects', 'create', 'delta', '--max-snapshots', '5', '--replica-bytes', 'vault=1000');
    assert.equal(created.code, 0, created.err);
    assert.match(created.out, /snapshots:\s+0 of 5/);
    const set = await cli('projects', 'set-quota', 'delta', '--max-snapshots', 'none', '--max-schedules', '3');
    assert.equal(set.code, 0, set.err);
    const shown = await cli('projects', 'show', 'delta');
    assert.match(shown.out, /snapshots:\s+0 of unlimited/);
    assert.match(shown.out, /schedules:\s+0 of 3/);
    assert.match(shown.out, /replicas in vault:\s+0 B of 1000 B/);
    const key = await cli('--json', 'keys', 'create', '--name', 'ci', '--project', 'delta', '--role', 'viewer');
    assert.equal(key.code, 0, key.err);
    const made = JSON.parse(key.out) as { key: { id: string }; token: string };
    assert.match(made.token, /^cs_[0-9a-f]{16}_/);
    const listed = await cli('keys', 'list');
    assert.match(listed.out, new RegExp(`${made.key.id}\\s+ci\\s+delta\\s+viewer`));
    assert.ok(!listed.out.includes(made.token));
    // A project with an active key cannot be deleted; after revoking it, it can.
    const refused = await cli('projects', 'delete', 'delta');
    assert.equal(refused.code, 1);
    assert.match(refused.err, /project_not_empty/);
    assert.equal((await cli('keys', 'revoke', made.key.id)).code, 0);
    assert.equal((await cli('projects', 'delete', 'delta')).code, 0);
    const moved = await cli('projects', 'assign', 'g5', 'beta');
    assert.equal(moved.code, 0, moved.err);
    assert.match(moved.out, /moved from project gamma to beta/);
    const audit = await cli('audit', '--key', 'bootstrap', '--action', 'revokeKey');
    assert.equal(audit.code, 0, audit.err);
    assert.match(audit.out, new RegExp(`bootstrap\\s+delta\\s+revokeKey\\s+/api/v1/keys/${made.key.id}\\s+200`));
    // A role too weak: exit 1 with the role needed.
    const weak = await cliAs(tokens.get('beta-op')?.token ?? '', ['keys', 'list']);
    assert.equal(weak.code, 1);
    assert.match(weak.err, /needs the admin role/);
  });

  it('the audit log holds every mutation of this run with the right key ids, and the reaper\'s and scheduler\'s as system', async () => {
    const expiring = await as('beta-op', 'POST', '/containers/b1/snapshots', { expiry: 1 });
    assert.equal(expiring.status, 201);
    const expiringName = (expiring.body.data as { snapshot: { name: string } }).snapshot.name;
    assert.equal((await as('beta-op', 'POST', '/containers/b1/schedules', { cron: '* * * * *' })).status, 201);
    clock.advance(2 * DAY);
    const reaped = await service.running.reaper.run();
    assert.equal(reaped.deleted, 1);
    const runs = await service.running.scheduler.runDue();
    assert.equal(runs.length, 1);

    const audit = await as('bootstrap', 'GET', '/audit?limit=1000');
    assert.equal(audit.status, 200);
    const entries = (audit.body.data as { entries: { key_id: string; action: string; target: string; result: number; project_id: string | null; request_id: string | null }[] }).entries;
    const missing = mutations.filter((m) => !entries.some((e) => e.key_id === m.keyId && e.target === `/api/v1${m.path.split('?')[0] ?? ''}` && e.result === m.status));
    assert.deepEqual(missing, [], 'mutations missing from the audit log');
    const reaperEntry = entries.find((e) => e.action === 'reaper.delete');
    assert.deepEqual(reaperEntry && [reaperEntry.key_id, reaperEntry.project_id, reaperEntry.target, reaperEntry.result], ['system', 'beta', `b1/${expiringName}`, 200]);
    const scheduleEntry = entries.find((e) => e.action === 'schedule.run');
    assert.deepEqual(scheduleEntry && [scheduleEntry.key_id, scheduleEntry.project_id, scheduleEntry.result], ['system', 'beta', 201]);
    // Requests carry their request id; the quota refusals are there with the project.
    assert.ok(entries.filter((e) => e.key_id !== 'system').every((e) => e.request_id !== null));
    assert.ok(entries.some((e) => e.action === 'createSnapshot' && e.result === 403 && e.project_id === 'gamma'));

    // Filters; a project's admin sees only its project's entries; an operator may not read the log.
    const filtered = (await as('bootstrap', 'GET', '/audit?project=gamma&action=createSnapshot&limit=100')).body.data as { total: number };
    assert.equal(filtered.total, 20);
    await createKey('beta-admin', 'beta', 'admin');
    const betaView = (await as('beta-admin', 'GET', '/audit?limit=1000')).body.data as { entries: { project_id: string | null }[] };
    assert.ok(betaView.entries.length > 0 && betaView.entries.every((e) => e.project_id === 'beta'));
    const denied = await as('beta-op', 'GET', '/audit');
    assert.equal(denied.status, 403);
    assert.equal((denied.body.error as { details: { required_role: string }[] }).details[0]?.required_role, 'admin');
  });
});
