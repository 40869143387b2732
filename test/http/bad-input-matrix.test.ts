/**
 * The bad-input matrix: every field of every route × a wrong type, range or format → 400
 * `validation_failed` naming that field, and nothing reaches a service (so nothing can change: the
 * services are the only way to the store, Docker and the pools). Then per route, all its bad fields at
 * once → one 400 listing every one of them. Runs on the HTTP layer over recording fakes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { copyRoutes } from '../../src/http/routes/copy-routes.js';
import { copyDatasetRoutes, type CopyDatasetsApi } from '../../src/http/routes/copy-dataset-routes.js';
import { scheduleRoutes } from '../../src/http/routes/schedule-routes.js';
import type { SchedulesApi } from '../../src/core/schedule-model.js';
import { AUTH, testApp } from './support/test-app.js';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

interface Case {
  /** What is wrong, for the test name. */
  readonly label: string;
  readonly method: Method;
  readonly url: string;
  readonly body?: unknown;
  /** Every detail path the 400 must list (exactly these). */
  readonly paths: readonly string[];
  /** The 400's code when not validation_failed (a bare JSON string is refused by the strict parser). */
  readonly code?: string;
}

const C = '/api/v1/containers/web';
const S = `${C}/snapshots/before-deploy`;
const SCHED = `${C}/schedules`;

/** Wrong values for the shared field kinds, each with what it breaks. */
const BAD_ALIAS: [string, unknown][] = [
  ['a number', 5],
  ['empty', ''],
  ['101 characters', 'a'.repeat(101)],
  ['a newline', 'a\nb'],
  ['a bidi override', 'a\u202Eb'],
  ['a zero-width space', 'a\u200Bb'],
  ['a snapshot-name shape', 'snap-20260101-000000'],
  ['trailing whitespace', 'deploy '],
];
const BAD_EXPIRY: [string, unknown][] = [['0', 0], ['3651', 3651], ['a fraction', 1.5], ['a string', '30'], ['true', true], ['an object', {}]];
const BAD_TAGS: [string, unknown, string][] = [
  ['a string', 'nightly', '/body/tags'],
  ['a number item', [1], '/body/tags/0'],
  ['duplicates', ['a', 'a'], '/body/tags'],
  ['51 items', Array.from({ length: 51 }, (_, i) => `t${i}`), '/body/tags'],
  ['an empty item', [''], '/body/tags/0'],
  ['a 65-character item', ['x'.repeat(65)], '/body/tags/0'],
  ['an invisible item', ['a\u2066b'], '/body/tags/0'],
];
const BAD_CONTAINER: [string, string][] = [
  ['a leading dash', '-web'],
  ['a space', 'we%20b'],
  ['256 characters', 'a'.repeat(256)],
  ['a slash-encoded name', 'a%2Fb'],
];
const BAD_SNAPSHOT_REF: [string, string][] = [
  ['101 characters', 'a'.repeat(101)],
  ['a newline', 'a%0Ab'],
  ['a bidi override', 'a%E2%80%AEb'],
];

function cases(): Case[] {
  const list: Case[] = [];
  const field = (label: string, method: Method, url: string, body: unknown, path: string): void => {
    list.push({ label, method, url, body, paths: [path] });
  };
  // POST /snapshots
  for (const [what, alias] of BAD_ALIAS) field(`create: alias ${what}`, 'post', `${C}/snapshots`, { alias }, '/body/alias');
  for (const [what, expiry] of [...BAD_EXPIRY, ['null', null] as [string, unknown]]) field(`create: expiry ${what}`, 'post', `${C}/snapshots`, { expiry }, '/body/expiry');
  for (const [what, tags, path] of BAD_TAGS) field(`create: tags ${what}`, 'post', `${C}/snapshots`, { tags }, path);
  for (const quiesce of ['freeze', 1, null]) field(`create: quiesce ${JSON.stringify(quiesce)}`, 'post', `${C}/snapshots`, { quiesce }, '/body/quiesce');
  field('create: an unknown field', 'post', `${C}/snapshots`, { expires: 3 }, '/body/expires');
  field('create: body an array', 'post', `${C}/snapshots`, [1], '/body');
  for (const body of ['text', 7]) list.push({ label: `create: body ${JSON.stringify(body)}`, method: 'post', url: `${C}/snapshots`, body, paths: ['/body'], code: 'malformed_json' });
  // GET /snapshots (query)
  const query: [string, string, string][] = [
    ['limit', '0', '/query/limit'], ['limit', '501', '/query/limit'], ['limit', '1.5', '/query/limit'], ['limit', 'ten', '/query/limit'],
    ['offset', '-1', '/query/offset'], ['offset', '9007199254740992', '/query/offset'], ['offset', '1e3', '/query/offset'],
    ['alias', 'a%0Ab', '/query/alias'], ['alias', 'a'.repeat(101), '/query/alias'],
    ['state', 'gone', '/query/state'], ['origin', 'cron', '/query/origin'], ['origin', 'schedule:', '/query/origin'], ['limt', '5', '/query/limt'],
  ];
  for (const [name, value, path] of query) field(`list: ${name}=${value.slice(0, 20)}`, 'get', `${C}/snapshots?${name}=${value}`, undefined, path);
  // :container and :snapshot on every route that has them
  const withContainer: [Method, string, unknown][] = [
    ['post', '/snapshots', {}], ['get', '/snapshots', undefined], ['get', '', undefined], ['post', '/copy', { name: 'copy-1' }],
    ['post', '/schedules', { cron: '@daily' }], ['get', '/schedules', undefined], ['delete', '/schedules', undefined], ['get', '/schedules/1', undefined],
  ];
  for (const [method, rest, body] of withContainer) {
    for (const [what, ref] of BAD_CONTAINER) field(`${method} ${rest || '/'}: container ${what}`, method, `/api/v1/containers/${ref}${rest}`, body, '/params/container');
  }
  const withSnapshot: [Method, unknown][] = [['get', undefined], ['patch', {}], ['put', { tags: [] }], ['delete', undefined]];
  for (const [method, body] of withSnapshot) {
    for (const [what, ref] of BAD_SNAPSHOT_REF) field(`${method} snapshot: ref ${what}`, method, `${C}/snapshots/${ref}`, body, '/params/snapshot');
  }
  // PATCH (restore)
  for (const value of ['yes', 1, null]) field(`restore: safety_snapshot ${JSON.stringify(value)}`, 'patch', S, { safety_snapshot: value }, '/body/safety_snapshot');
  field('restore: an unknown field', 'patch', S, { force: true }, '/body/force');
  // PUT (update)
  field('update: an empty body', 'put', S, {}, '/body');
  for (const [what, alias] of BAD_ALIAS) field(`update: alias ${what}`, 'put', S, { alias }, '/body/alias');
  for (const [what, expiry] of BAD_EXPIRY) field(`update: expiry ${what}`, 'put', S, { expiry }, '/body/expiry');
  for (const [what, tags, path] of BAD_TAGS) field(`update: tags ${what}`, 'put', S, { tags }, path);
  field('update: an unknown field', 'put', S, { name: 'x' }, '/body/name');
  // POST /copy
  field('copy: name missing', 'post', `${C}/copy`, {}, '/body/name');
  for (const name of ['-bad', 'a', 'x'.repeat(129), 5, 'with space']) field(`copy: name ${JSON.stringify(name).slice(0, 20)}`, 'post', `${C}/copy`, { name }, '/body/name');
  for (const value of [5, '', 'a\u202Eb']) field(`copy: source_snapshot ${JSON.stringify(value)}`, 'post', `${C}/copy`, { name: 'copy-1', source_snapshot: value }, '/body/source_snapshot');
  for (const value of ['yes', 0]) field(`copy: start ${JSON.stringify(value)}`, 'post', `${C}/copy`, { name: 'copy-1', start: value }, '/body/start');
  field('copy: target_project_id not a project id', 'post', `${C}/copy`, { name: 'copy-1', target_project_id: 'Not A Project!' }, '/body/target_project_id');
  field('copy: an unknown field', 'post', `${C}/copy`, { name: 'copy-1', count: 2 }, '/body/count');
  // POST/PUT /schedules
  field('schedule create: cron missing', 'post', SCHED, {}, '/body/cron');
  const scheduleFields: [string, unknown][] = [
    ['cron', 'every day'], ['cron', 5], ['cron', '61 * * * *'], ['timezone', 'Mars/Olympus'], ['timezone', 3],
    ['alias_template', '{week}'], ['alias_template', 'snap-20260101-{time}'], ['alias_template', 'a\u200Bb'], ['alias_template', 7],
    ['expiry', 0], ['expiry', '1'], ['quiesce', 'freeze'], ['keep_min', -1], ['keep_min', 10001], ['keep_min', 1.5], ['paused', 'no'], ['every', 1],
  ];
  for (const [name, value] of scheduleFields) {
    field(`schedule create: ${name} ${JSON.stringify(value)}`, 'post', SCHED, { cron: '@daily', ...(name === 'cron' ? {} : {}), [name]: value }, `/body/${name}`);
    if (name !== 'every') field(`schedule update: ${name} ${JSON.stringify(value)}`, 'put', `${SCHED}/1`, { [name]: value }, `/body/${name}`);
  }
  field('schedule update: an empty body', 'put', `${SCHED}/1`, {}, '/body');
  for (const id of ['0', 'abc', '1.5', '9'.repeat(16)]) {
    for (const method of ['get', 'put', 'delete'] as const) field(`schedule ${method}: id ${id}`, method, `${SCHED}/${id}`, method === 'put' ? { paused: true } : undefined, '/params/id');
  }
  // DELETE /copy-datasets/:pool/:name
  for (const [what, pool] of [['a leading dash', '-main'], ['65 characters', 'p'.repeat(65)]] as const) field(`reclaim copy dataset: pool ${what}`, 'delete', `/api/v1/copy-datasets/${pool}/cowsnap-copy-x-1`, undefined, '/params/pool');
  for (const name of ['volumes', 'cowsnap-copy-', 'cowsnap-copy-a%20b']) field(`reclaim copy dataset: name ${name}`, 'delete', `/api/v1/copy-datasets/main/${name}`, undefined, '/params/name');
  return list;
}

/** One request per route with every bad field at once: the 400 lists them all. */
const ALL_AT_ONCE: Case[] = [
  {
    label: 'create snapshot',
    method: 'post',
    url: '/api/v1/containers/-web/snapshots',
    body: { alias: 'snap-20260101-000000', expiry: 0, tags: ['a', 'a'], quiesce: 'later', extra: 1 },
    paths: ['/params/container', '/body/alias', '/body/expiry', '/body/tags', '/body/quiesce', '/body/extra'],
  },
  {
    label: 'list snapshots',
    method: 'get',
    url: `${C}/snapshots?limit=0&offset=-1&state=gone&origin=cron&alias=a%0Ab&x=1`,
    paths: ['/query/limit', '/query/offset', '/query/state', '/query/origin', '/query/alias', '/query/x'],
  },
  { label: 'restore', method: 'patch', url: `${C}/snapshots/a%0Ab`, body: { safety_snapshot: 'yes', force: 1 }, paths: ['/params/snapshot', '/body/safety_snapshot', '/body/force'] },
  {
    label: 'update snapshot',
    method: 'put',
    url: `${C}/snapshots/before-deploy`,
    body: { alias: 'a\u202Eb', expiry: 3651, tags: 'x', name: 'y' },
    paths: ['/body/alias', '/body/expiry', '/body/tags', '/body/name'],
  },
  {
    label: 'copy',
    method: 'post',
    url: `${C}/copy`,
    body: { name: '-bad', source_snapshot: 5, start: 'yes', target_project_id: 'Not A Project!', count: 2 },
    paths: ['/body/name', '/body/source_snapshot', '/body/start', '/body/target_project_id', '/body/count'],
  },
  {
    label: 'create schedule',
    method: 'post',
    url: SCHED,
    body: { cron: 'soon', timezone: 'Mars/Olympus', alias_template: '{week}', expiry: 0, quiesce: 'freeze', keep_min: -1, paused: 'no', every: 1 },
    paths: ['/body/cron', '/body/timezone', '/body/alias_template', '/body/expiry', '/body/quiesce', '/body/keep_min', '/body/paused', '/body/every'],
  },
  { label: 'update schedule', method: 'put', url: `${SCHED}/abc`, body: { cron: 5, keep_min: 1.5 }, paths: ['/params/id', '/body/cron', '/body/keep_min'] },
];

function app(): { http: ReturnType<typeof testApp>['http']; calls: () => unknown[] } {
  const extra: unknown[] = [];
  const record = new Proxy({}, {
    get: (_target, method) => (...args: unknown[]) => {
      extra.push([String(method), ...args]);
      return Promise.reject(new Error('a service was called with bad input'));
    },
  });
  const t = testApp({
    extraRoutes: [...scheduleRoutes(record as SchedulesApi), ...copyRoutes(record as Parameters<typeof copyRoutes>[0]), ...copyDatasetRoutes(record as CopyDatasetsApi)],
  });
  return { http: t.http, calls: () => [...t.services.calls, ...extra] };
}

async function send(http: ReturnType<typeof testApp>['http'], c: Case): Promise<{ status: number; body: unknown }> {
  const request = http[c.method](c.url).set(AUTH);
  // Sent as JSON text, so a body that is a bare string or number really is JSON (not text/plain).
  return c.body === undefined ? request : request.set('content-type', 'application/json').send(JSON.stringify(c.body));
}

interface ErrorBody {
  statusCode: number;
  message: string;
  error: { code: string; details: { path: string; message: string }[] };
}

function assertRejected(c: Case, response: { status: number; body: unknown }): ErrorBody {
  assert.equal(response.status, 400, `${c.label}: ${JSON.stringify(response.body)}`);
  const body = response.body as ErrorBody;
  assert.equal(body.error.code, c.code ?? 'validation_failed');
  // A field can break two rules at once (type and enum): each is listed, so compare the set of paths.
  assert.deepEqual([...new Set(body.error.details.map((d) => d.path))].sort(), [...c.paths].sort(), c.label);
  for (const detail of body.error.details) assert.ok(detail.message.length >= 8, `${c.label}: a sentence for ${detail.path}`);
  return body;
}

describe('bad-input matrix: every field × wrong type, range or format → 400, nothing reaches a service', () => {
  for (const c of cases()) {
    it(`${c.method.toUpperCase()} ${c.label}`, async () => {
      const t = app();
      assertRejected(c, await send(t.http, c));
      assert.deepEqual(t.calls(), [], 'no service call: nothing changed');
    });
  }
});

describe('bad-input matrix: all bad fields of a route at once → one 400 listing every problem', () => {
  for (const c of ALL_AT_ONCE) {
    it(c.label, async () => {
      const t = app();
      const body = assertRejected(c, await send(t.http, c));
      for (const path of c.paths) assert.ok(body.message.includes(path), `${c.label}: the message names ${path}`);
      assert.deepEqual(t.calls(), []);
    });
  }

  it('the matrix covers every route that takes params, a query or a body (the table cannot silently miss one)', () => {
    const t = testApp({ extraRoutes: [...scheduleRoutes({} as SchedulesApi), ...copyRoutes({} as Parameters<typeof copyRoutes>[0]), ...copyDatasetRoutes({} as CopyDatasetsApi)] });
    const covered = new Set([...cases(), ...ALL_AT_ONCE].map((c) => `${c.method.toUpperCase()} ${templateOf(c.url)}`));
    for (const route of t.app.routes) {
      if (route.request.params === undefined && route.request.query === undefined && route.request.body === undefined) continue;
      assert.ok(covered.has(`${route.method} ${route.path}`), `${route.method} ${route.path} has rows in the matrix`);
    }
  });
});

/** The route template a test URL hits: /api/v1/containers/x/snapshots/y → /api/v1/containers/:container/snapshots/:snapshot */
function templateOf(url: string): string {
  const path = url.split('?')[0] ?? url;
  const parts = path.split('/');
  if (parts[3] === 'copy-datasets') return '/api/v1/copy-datasets/:pool/:name';
  // ['', 'api', 'v1', 'containers', ':container', kind, ':id']
  if (parts.length >= 5) parts[4] = ':container';
  if (parts.length >= 7) parts[6] = parts[5] === 'snapshots' ? ':snapshot' : ':id';
  return parts.join('/');
}
