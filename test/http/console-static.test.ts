import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import supertest from 'supertest';
import { createApp } from '../../src/http/app.js';
import { resolveInside } from '../../src/http/console/console-static.js';
import { FakeServices } from './support/fake-services.js';
import { scratchDir } from '../support/scratch.js';

const TOKEN = 'test-token-0123456789abcdef';

/** A console build as Vite lays it out: index.html, hashed assets, gzip copies. */
function fakeBuild(): string {
  const dir = scratchDir('console-build');
  mkdirSync(join(dir, 'assets'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>cowsnap console</title><script type="module" src="/ui/assets/index-abc123.js"></script>');
  const script = 'console.log("cowsnap console");'.repeat(50);
  writeFileSync(join(dir, 'assets/index-abc123.js'), script);
  writeFileSync(join(dir, 'assets/index-abc123.js.gz'), gzipSync(script));
  writeFileSync(join(dir, 'assets/index-abc123.css'), 'body{margin:0}');
  return dir;
}

function appOn(directory: string): ReturnType<typeof supertest> {
  const services = new FakeServices();
  const app = createApp({ snapshots: services.snapshots, containers: services.containers, token: TOKEN, logger: pino({ level: 'silent' }), consoleDirectory: directory });
  return supertest(app.callback());
}

describe('the web console at /ui/ (static files, no token)', () => {
  const dir = fakeBuild();
  const http = appOn(dir);
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('redirects / and /ui to /ui/', async () => {
    for (const path of ['/', '/ui']) {
      const response = await http.get(path);
      assert.equal(response.status, 302, path);
      assert.equal(response.headers.location, '/ui/');
    }
  });

  it('serves index.html without a token, revalidated on each load, with a strict content security policy', async () => {
    const response = await http.get('/ui/');
    assert.equal(response.status, 200);
    assert.equal(response.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(response.headers['cache-control'], 'no-cache');
    assert.match(response.text, /cowsnap console/);
    assert.match(String(response.headers['content-security-policy']), /default-src 'self'/);
    assert.match(String(response.headers['content-security-policy']), /frame-ancestors 'none'/);
    assert.equal(response.headers['x-content-type-options'], 'nosniff');
  });

  it('answers every page path of the app with index.html (the console routes in the browser)', async () => {
    for (const path of ['/ui/containers/web', '/ui/templates', '/ui/containers/a%20b']) {
      const response = await http.get(path);
      assert.equal(response.status, 200, path);
      assert.match(response.text, /cowsnap console/, path);
      assert.equal(response.headers['cache-control'], 'no-cache');
    }
  });

  it('serves hashed assets with their content type, cached for a year, gzipped for clients that accept it', async () => {
    const plain = await http.get('/ui/assets/index-abc123.js').set('Accept-Encoding', 'identity');
    assert.equal(plain.status, 200);
    assert.equal(plain.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(plain.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.match(plain.text, /cowsnap console/);

    const gzipped = await http.get('/ui/assets/index-abc123.js').set('Accept-Encoding', 'gzip, deflate');
    assert.equal(gzipped.headers['content-encoding'], 'gzip');
    assert.equal(gzipped.headers.vary, 'Accept-Encoding');
    assert.match(gzipped.text, /cowsnap console/, 'supertest decodes it back to the script');

    const css = await http.get('/ui/assets/index-abc123.css');
    assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
    assert.equal(css.text, 'body{margin:0}');
  });

  it('answers HEAD with the headers and a conditional GET with 304', async () => {
    const head = await http.head('/ui/assets/index-abc123.css');
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], String('body{margin:0}'.length));
    const again = await http.get('/ui/assets/index-abc123.css').set('If-Modified-Since', String(head.headers['last-modified']));
    assert.equal(again.status, 304);
  });

  it('is a plain 404 for a missing asset (not index.html), and never serves a file outside the build', async () => {
    const missing = await http.get('/ui/assets/index-old999.js');
    assert.equal(missing.status, 404);
    assert.doesNotMatch(missing.text, /cowsnap console/);
    for (const path of ['/ui/../package.json', '/ui/%2e%2e/%2e%2e/etc/passwd', '/ui/..%2f..%2fetc%2fpasswd', '/ui/%00']) {
      const response = await http.get(path);
      assert.ok(response.status === 404 || response.status === 302, `${path}: ${response.status}`);
      assert.doesNotMatch(response.text, /root:|"name"/, path);
    }
    assert.equal(resolveInside('/srv/web', '/ui/../../etc/passwd'), undefined);
    assert.equal(resolveInside('/srv/web', '/ui/%2e%2e%2fetc%2fpasswd'), undefined);
    assert.equal(resolveInside('/srv/web', '/ui/assets/a.js'), '/srv/web/assets/a.js');
  });

  it('leaves the API as it was: a token is still required there, and POST to /ui/ is no file request', async () => {
    const api = await http.get('/api/v1/containers');
    assert.equal(api.status, 401);
    const post = await http.post('/ui/');
    assert.equal(post.status, 404);
    assert.equal((post.body as { error: { code: string } }).error.code, 'route_not_found');
  });

  it('says how to build the console when it is not built', async () => {
    const empty = scratchDir('console-missing');
    mkdirSync(empty, { recursive: true });
    try {
      const response = await appOn(empty).get('/ui/');
      assert.equal(response.status, 404);
      assert.match(response.text, /npm run build/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
