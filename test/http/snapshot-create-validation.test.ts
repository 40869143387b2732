import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AUTH, testApp } from './support/test-app.js';

const URL = '/api/v1/containers/web/snapshots';

interface ErrorBody {
  statusCode: number;
  message: string;
  error: { code: string; details: { path: string; message: string }[] };
}

/** POSTs the body, expects 400 with exactly these detail paths, and checks the service was never called. */
async function expectRejected(body: unknown, paths: string[]): Promise<ErrorBody> {
  const t = testApp();
  const response = await t.http.post(URL).set(AUTH).send(body as object);
  assert.equal(response.status, 400, JSON.stringify(response.body));
  const error = response.body as ErrorBody;
  assert.equal(error.statusCode, 400);
  assert.equal(error.error.code, 'validation_failed');
  assert.deepEqual(error.error.details.map((d) => d.path).sort(), [...paths].sort());
  for (const detail of error.error.details) assert.ok(detail.message.length > 5, `a sentence for ${detail.path}`);
  assert.deepEqual(t.services.calls, [], 'the service must not be called with bad input');
  return error;
}

describe('POST /containers/:container/snapshots validation', () => {
  it('rejects an alias of 101 characters and says the limit', async () => {
    const error = await expectRejected({ alias: 'a'.repeat(101) }, ['/body/alias']);
    assert.match(error.error.details[0]?.message ?? '', /at most 100 characters.*got 101/);
  });

  it('counts characters, not bytes: 100 emoji are a valid alias', async () => {
    const t = testApp();
    const response = await t.http.post(URL).set(AUTH).send({ alias: '🐄'.repeat(100) });
    assert.equal(response.status, 201);
  });

  for (const [label, alias] of [
    ['a newline', 'before\ndeploy'],
    ['an escape sequence', 'x\u001b[2J'],
    ['a NUL', 'a\u0000b'],
    ['a C1 control', 'a\u0085b'],
    ['leading whitespace', ' deploy'],
    ['trailing whitespace', 'deploy '],
    ['nothing', ''],
  ] as const) {
    it(`rejects an alias with ${label}`, async () => {
      await expectRejected({ alias }, ['/body/alias']);
    });
  }

  for (const expiry of [0, -1, 1.5, '30', 3651, null, true]) {
    it(`rejects expiry ${JSON.stringify(expiry)}`, async () => {
      await expectRejected({ expiry }, ['/body/expiry']);
    });
  }

  it('explains a string expiry as a type problem, without coercing it', async () => {
    const error = await expectRejected({ expiry: '30' }, ['/body/expiry']);
    assert.match(error.error.details[0]?.message ?? '', /whole number.*string "30"/);
  });

  it('rejects unknown fields, naming the accepted ones', async () => {
    const error = await expectRejected({ alias: 'ok', expires: 3 }, ['/body/expires']);
    assert.match(error.error.details[0]?.message ?? '', /accepted: alias, expiry, tags, quiesce/);
  });

  it('rejects a bad quiesce with the allowed values', async () => {
    const error = await expectRejected({ quiesce: 'freeze' }, ['/body/quiesce']);
    assert.match(error.error.details[0]?.message ?? '', /"none", "pause", "stop"/);
  });

  it('rejects bad tags: too many, duplicates, empty, too long, not strings', async () => {
    await expectRejected({ tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }, ['/body/tags']);
    await expectRejected({ tags: ['a', 'a'] }, ['/body/tags']);
    await expectRejected({ tags: ['', 'x'.repeat(65), 3] }, ['/body/tags/0', '/body/tags/1', '/body/tags/2']);
    await expectRejected({ tags: 'nightly' }, ['/body/tags']);
  });

  it('lists every problem at once', async () => {
    const error = await expectRejected(
      { alias: 'x'.repeat(101), expiry: 0, tags: ['a', 'a'], quiesce: 'later', extra: 1 },
      ['/body/alias', '/body/expiry', '/body/tags', '/body/quiesce', '/body/extra'],
    );
    for (const path of ['/body/alias', '/body/expiry', '/body/tags', '/body/quiesce', '/body/extra']) {
      assert.ok(error.message.includes(path), `the message names ${path}`);
    }
  });

  it('rejects a body that is a JSON array, not an object', async () => {
    await expectRejected([1, 2], ['/body']);
  });

  it('rejects a container reference that cannot be a Docker id or name', async () => {
    const t = testApp();
    const response = await t.http.post('/api/v1/containers/-web/snapshots').set(AUTH).send({});
    assert.equal(response.status, 400);
    assert.equal((response.body as ErrorBody).error.details[0]?.path, '/params/container');
    assert.deepEqual(t.services.calls, []);
  });

  it('accepts the boundaries and passes them to the service as typed input', async () => {
    const t = testApp();
    const tags = Array.from({ length: 50 }, (_, i) => `tag-${i}`);
    for (const expiry of [1, 3650]) {
      const response = await t.http.post(URL).set(AUTH).send({ alias: 'a'.repeat(100), expiry, tags, quiesce: 'pause' });
      assert.equal(response.status, 201, JSON.stringify(response.body));
    }
    assert.deepEqual(t.services.calls[1], {
      method: 'create',
      args: ['web', { alias: 'a'.repeat(100), expiryDays: 3650, tags, quiesce: 'pause' }],
    });
  });

  it('accepts no body at all and an empty object, defaulting quiesce to none', async () => {
    const t = testApp();
    assert.equal((await t.http.post(URL).set(AUTH)).status, 201);
    assert.equal((await t.http.post(URL).set(AUTH).send({})).status, 201);
    assert.deepEqual(t.services.calls.map((c) => c.args), [['web', { quiesce: 'none' }], ['web', { quiesce: 'none' }]]);
  });
});
