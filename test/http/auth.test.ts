import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tokenMatches } from '../../src/core/access/authenticator.js';
import { TOKEN, testApp } from './support/test-app.js';

interface ErrorBody {
  statusCode: number;
  error: { code: string };
}

const PROTECTED: [method: 'get' | 'post' | 'put' | 'patch' | 'delete', path: string][] = [
  ['get', '/api/v1/containers'],
  ['get', '/api/v1/containers/web'],
  ['post', '/api/v1/containers/web/snapshots'],
  ['get', '/api/v1/containers/web/snapshots'],
  ['get', '/api/v1/containers/web/snapshots/s'],
  ['patch', '/api/v1/containers/web/snapshots/s'],
  ['put', '/api/v1/containers/web/snapshots/s'],
  ['delete', '/api/v1/containers/web/snapshots/s'],
];

describe('API token', () => {
  for (const [label, header] of [
    ['no Authorization header', null],
    ['a wrong token', `Bearer ${TOKEN}x`],
    ['a prefix of the token', `Bearer ${TOKEN.slice(0, 10)}`],
    ['the token without "Bearer"', TOKEN],
    ['Basic auth', `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`],
  ] as const) {
    it(`${label} → 401 unauthorized on every protected route, service not called`, async () => {
      const t = testApp();
      for (const [method, path] of PROTECTED) {
        let request = t.http[method](path);
        if (header !== null) request = request.set('Authorization', header);
        const response = await request;
        assert.equal(response.status, 401, `${method} ${path}`);
        const body = response.body as ErrorBody;
        assert.equal(body.statusCode, 401);
        assert.equal(body.error.code, 'unauthorized');
      }
      assert.deepEqual(t.services.calls, []);
    });
  }

  it('the token is checked before the body: bad input without a token is still 401', async () => {
    const t = testApp();
    const response = await t.http.post('/api/v1/containers/web/snapshots').set('Content-Type', 'application/json').send('{bad');
    assert.equal(response.status, 401);
  });

  it('the right token works, scheme case-insensitive', async () => {
    const t = testApp();
    const response = await t.http.get('/api/v1/containers').set('Authorization', `bearer ${TOKEN}`);
    assert.equal(response.status, 200);
  });

  it('health and the OpenAPI document need no token', async () => {
    const t = testApp();
    assert.equal((await t.http.get('/api/v1/health')).status, 200);
    assert.equal((await t.http.get('/api/v1/openapi.json')).status, 200);
  });

  it('tokenMatches compares whole tokens of any length', () => {
    assert.equal(tokenMatches(TOKEN, TOKEN), true);
    assert.equal(tokenMatches('', TOKEN), false);
    assert.equal(tokenMatches(`${TOKEN}${TOKEN}`, TOKEN), false);
  });
});
