/** The schedule routes over a fake SchedulesApi: shapes, validation messages, OpenAPI coverage. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContainerRecord } from '../../src/core/model.js';
import type { ScheduleInput, ScheduleRecord, ScheduleResult, SchedulesApi, ScheduleUpdate } from '../../src/core/schedule-model.js';
import { scheduleRoutes } from '../../src/http/routes/schedule-routes.js';
import { scheduleListSchema, scheduleResultSchema } from '../../src/http/schemas/schedule-schemas.js';
import { assertConforms } from './support/conforms.js';
import { AUTH, testApp } from './support/test-app.js';

const container: ContainerRecord = {
  id: 'c0ffee'.padEnd(64, '0'),
  name: 'web',
  image: 'busybox',
  firstSeenAt: new Date('2026-01-01T00:00:00Z'),
  lastSeenAt: new Date('2026-01-01T00:00:00Z'),
  removedAt: null,
  projectId: 'default',
};

function record(id: number, input: ScheduleUpdate): ScheduleRecord {
  return {
    id,
    containerId: container.id,
    cron: input.cron ?? '@daily',
    timezone: input.timezone ?? 'UTC',
    aliasTemplate: input.aliasTemplate ?? null,
    expiryDays: input.expiryDays ?? null,
    quiesce: input.quiesce ?? 'none',
    keepMin: input.keepMin ?? 1,
    paused: input.paused ?? false,
    pausedReason: null,
    runCount: 0,
    lastSlot: new Date('2026-01-01T00:00:00Z'),
    lastRunAt: null,
    lastSnapshot: null,
    lastError: null,
    replicate:
      input.replicate == null
        ? null
        : { remote: input.replicate.remote, expiryDays: input.replicate.expiryDays ?? null, fullEvery: input.replicate.fullEvery ?? null, since: new Date('2026-01-01T10:00:00Z') },
    createdAt: new Date('2026-01-01T10:00:00Z'),
    updatedAt: new Date('2026-01-01T10:00:00Z'),
  };
}

class FakeSchedules implements SchedulesApi {
  readonly calls: [string, ...unknown[]][] = [];
  private result(id: number, input: ScheduleUpdate): ScheduleResult {
    return { container, schedule: record(id, input), nextRunAt: new Date('2026-01-02T00:00:00Z') };
  }
  create(ref: string, input: ScheduleInput): Promise<ScheduleResult> {
    this.calls.push(['create', ref, input]);
    return Promise.resolve(this.result(7, input));
  }
  list(ref: string): Promise<{ container: ContainerRecord; schedules: ScheduleResult[] }> {
    this.calls.push(['list', ref]);
    return Promise.resolve({ container, schedules: [this.result(7, {})] });
  }
  get(ref: string, id: string): Promise<ScheduleResult> {
    this.calls.push(['get', ref, id]);
    return Promise.resolve(this.result(Number(id), {}));
  }
  update(ref: string, id: string, input: ScheduleUpdate): Promise<ScheduleResult> {
    this.calls.push(['update', ref, id, input]);
    return Promise.resolve(this.result(Number(id), input));
  }
  delete(ref: string, id: string): Promise<ScheduleResult> {
    this.calls.push(['delete', ref, id]);
    return Promise.resolve(this.result(Number(id), {}));
  }
  deleteAll(ref: string): Promise<{ container: ContainerRecord; schedules: ScheduleResult[] }> {
    this.calls.push(['deleteAll', ref]);
    return Promise.resolve({ container, schedules: [] });
  }
}

describe('schedule routes', () => {
  const fake = new FakeSchedules();
  const t = testApp({ extraRoutes: scheduleRoutes(fake) });

  it('creates with defaults filled in and answers 201 in the documented shape', async () => {
    const response = await t.http.post('/api/v1/containers/web/schedules').set(AUTH).send({ cron: '0 3 * * *', alias_template: 'daily-{date}', expiry: 30 });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    assertConforms(response.body, scheduleResultSchema);
    assert.deepEqual(fake.calls.at(-1), [
      'create', 'web', { cron: '0 3 * * *', timezone: 'UTC', aliasTemplate: 'daily-{date}', expiryDays: 30, quiesce: 'none', keepMin: 1, paused: false },
    ]);
    const schedule = (response.body as { data: { schedule: Record<string, unknown> } }).data.schedule;
    assert.equal(schedule['origin'], 'schedule:7');
    assert.equal(schedule['next_run_at'], '2026-01-02T00:00:00.000Z');
  });

  it('lists, gets, updates (null clears), deletes one and all, in the documented shapes', async () => {
    assertConforms((await t.http.get('/api/v1/containers/web/schedules').set(AUTH)).body, scheduleListSchema);
    assertConforms((await t.http.get('/api/v1/containers/web/schedules/7').set(AUTH)).body, scheduleResultSchema);
    const put = await t.http.put('/api/v1/containers/web/schedules/7').set(AUTH).send({ paused: true, expiry: null, alias_template: null });
    assertConforms(put.body, scheduleResultSchema);
    assert.deepEqual(fake.calls.at(-1), ['update', 'web', '7', { paused: true, expiryDays: null, aliasTemplate: null }]);
    assertConforms((await t.http.delete('/api/v1/containers/web/schedules/7').set(AUTH)).body, scheduleResultSchema);
    assertConforms((await t.http.delete('/api/v1/containers/web/schedules').set(AUTH)).body, scheduleListSchema);
  });

  it('maps replicate {remote, expiry, full_every} both ways; null stops replicating', async () => {
    const created = await t.http
      .post('/api/v1/containers/web/schedules')
      .set(AUTH)
      .send({ cron: '@daily', replicate: { remote: 'offsite', expiry: 90, full_every: 7 } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assertConforms(created.body, scheduleResultSchema);
    assert.deepEqual((fake.calls.at(-1)?.[2] as { replicate: unknown }).replicate, { remote: 'offsite', expiryDays: 90, fullEvery: 7 });
    const schedule = (created.body as { data: { schedule: Record<string, unknown> } }).data.schedule;
    assert.deepEqual(schedule['replicate'], { remote: 'offsite', expiry: 90, full_every: 7, since: '2026-01-01T10:00:00.000Z' });
    const stopped = await t.http.put('/api/v1/containers/web/schedules/7').set(AUTH).send({ replicate: null });
    assertConforms(stopped.body, scheduleResultSchema);
    assert.deepEqual(fake.calls.at(-1), ['update', 'web', '7', { replicate: null }]);
    const bad = await t.http
      .post('/api/v1/containers/web/schedules')
      .set(AUTH)
      .send({ cron: '@daily', replicate: { remote: '../x', expiry: 0, full_every: 0, extra: 1 } });
    assert.equal(bad.status, 400);
    const paths = (bad.body as { error: { details: { path: string }[] } }).error.details.map((d) => d.path).sort();
    assert.deepEqual(paths, ['/body/replicate/expiry', '/body/replicate/extra', '/body/replicate/full_every', '/body/replicate/remote']);
  });

  it('lists every problem of a bad schedule in one 400, before the service is called', async () => {
    const before = fake.calls.length;
    const response = await t.http
      .post('/api/v1/containers/web/schedules')
      .set(AUTH)
      .send({ cron: '* * *', timezone: 'Nowhere/Special', alias_template: '{year}', expiry: 0, quiesce: 'freeze' });
    assert.equal(response.status, 400);
    const details = (response.body as { error: { details: { path: string; message: string }[] } }).error.details;
    assert.deepEqual(details.map((d) => d.path).sort(), ['/body/alias_template', '/body/cron', '/body/expiry', '/body/quiesce', '/body/timezone']);
    assert.match(details.find((d) => d.path === '/body/cron')?.message ?? '', /five fields/);
    assert.match(details.find((d) => d.path === '/body/timezone')?.message ?? '', /IANA time zone/);
    assert.match(details.find((d) => d.path === '/body/alias_template')?.message ?? '', /\{date\}, \{time\} and \{n\}/);
    assert.equal((await t.http.put('/api/v1/containers/web/schedules/7').set(AUTH).send({})).status, 400);
    assert.equal((await t.http.get('/api/v1/containers/web/schedules/0').set(AUTH)).status, 400);
    assert.equal((await t.http.get('/api/v1/containers/web/schedules/abc').set(AUTH)).status, 400);
    assert.equal((await t.http.get('/api/v1/containers/web/schedules')).status, 401);
    assert.equal(fake.calls.length, before);
  });

  it('appears in the OpenAPI document with its schemas', async () => {
    const document = (await t.http.get('/api/v1/openapi.json')).body as { paths: Record<string, Record<string, { operationId: string }>> };
    const collection = document.paths['/api/v1/containers/{container}/schedules'] ?? {};
    const one = document.paths['/api/v1/containers/{container}/schedules/{id}'] ?? {};
    assert.deepEqual(Object.keys(collection).sort(), ['delete', 'get', 'post']);
    assert.deepEqual(Object.keys(one).sort(), ['delete', 'get', 'put']);
  });
});
