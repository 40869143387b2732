import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AUTH, testApp } from './support/test-app.js';

const SNAPSHOTS = '/api/v1/containers/web/snapshots';

interface ErrorBody {
  error: { code: string; details: { path: string; message: string }[] };
}

async function expect400(send: (t: ReturnType<typeof testApp>) => Promise<{ status: number; body: unknown }>, path: string, pattern: RegExp): Promise<void> {
  const t = testApp();
  const response = await send(t);
  assert.equal(response.status, 400, JSON.stringify(response.body));
  const details = (response.body as ErrorBody).error.details;
  assert.deepEqual(details.map((d) => d.path), [path]);
  assert.match(details[0]?.message ?? '', pattern);
  assert.deepEqual(t.services.calls, [], 'nothing reached the service');
}

describe('defect-9 aliases cannot shadow snapshot names', () => {
  for (const alias of ['snap-20260101-000000', 'snap-20260101-000000-2', 'snap-19990101-235959-17']) {
    it(`defect-9 create and PUT refuse the name-shaped alias ${alias}`, async () => {
      await expect400((t) => t.http.post(SNAPSHOTS).set(AUTH).send({ alias }), '/body/alias', /snapshot name/);
      await expect400((t) => t.http.put(`${SNAPSHOTS}/before-deploy`).set(AUTH).send({ alias }), '/body/alias', /snapshot name/);
    });
  }

  it('defect-9 aliases that merely start with "snap" stay allowed', async () => {
    const t = testApp();
    for (const alias of ['snap-before-deploy', 'snapshot-1', 'snap-2026-01-01']) {
      assert.equal((await t.http.post(SNAPSHOTS).set(AUTH).send({ alias })).status, 201, alias);
    }
  });

  it('defect-9 a schedule alias template that renders snapshot-name-shaped aliases is refused', async () => {
    const { scheduleRoutes } = await import('../../src/http/routes/schedule-routes.js');
    const calls: unknown[] = [];
    const api = new Proxy({}, { get: () => (...args: unknown[]) => { calls.push(args); return Promise.reject(new Error('not reached')); } });
    const t = testApp({ extraRoutes: scheduleRoutes(api as never) });
    const response = await t.http.post('/api/v1/containers/web/schedules').set(AUTH).send({ cron: '@daily', alias_template: 'snap-20260101-{time}' });
    assert.equal(response.status, 400, JSON.stringify(response.body));
    assert.match(JSON.stringify(response.body), /snapshot names/);
    assert.deepEqual(calls, []);
  });
});

describe('defect-9 invisible format characters are refused in aliases and tags', () => {
  const invisible: [string, string][] = [
    ['RIGHT-TO-LEFT OVERRIDE U+202E', '\u202E'],
    ['LEFT-TO-RIGHT EMBEDDING U+202A', '\u202A'],
    ['RIGHT-TO-LEFT ISOLATE U+2067', '\u2067'],
    ['POP DIRECTIONAL ISOLATE U+2069', '\u2069'],
    ['ZERO WIDTH SPACE U+200B', '\u200B'],
    ['ZERO WIDTH JOINER U+200D', '\u200D'],
    ['BYTE ORDER MARK U+FEFF', '\uFEFF'],
  ];
  for (const [label, char] of invisible) {
    it(`defect-9 alias with ${label} → 400 on create and PUT`, async () => {
      const alias = `deploy${char}gpj.exe`;
      await expect400((t) => t.http.post(SNAPSHOTS).set(AUTH).send({ alias }), '/body/alias', /invisible/);
      await expect400((t) => t.http.put(`${SNAPSHOTS}/before-deploy`).set(AUTH).send({ alias }), '/body/alias', /invisible/);
    });
    it(`defect-9 tag with ${label} → 400`, async () => {
      await expect400((t) => t.http.post(SNAPSHOTS).set(AUTH).send({ tags: ['ok', `night${char}ly`] }), '/body/tags/1', /invisible/);
    });
  }

  it('defect-9 visible non-ASCII text stays allowed (accents, CJK, emoji)', async () => {
    const t = testApp();
    for (const alias of ['vor-dem-Überlauf', '部署前', 'deploy 🐄']) {
      assert.equal((await t.http.post(SNAPSHOTS).set(AUTH).send({ alias, tags: [alias] })).status, 201, alias);
    }
  });
});
