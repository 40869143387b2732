import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { diffConfig } from '../../src/core/config-diff.js';
import { typeMatches } from '../../src/core/events/event-filter.js';
import type { RecordedContainerConfig } from '../../src/core/model.js';
import { hostAllowed } from '../../src/core/webhooks/webhook-hosts.js';
import { prefersAsync } from '../../src/http/prefer-async.js';
import { signatureHeader, verifySignature } from '../../src/webhooks/webhook-signature.js';

describe('webhook signature (Stripe-style t=,v1=)', () => {
  it('is the hex HMAC-SHA256 of "<t>.<body>" and verifies only with the right secret, body and a fresh t', () => {
    const header = signatureHeader('s3cret-s3cret-s3cret', '{"a":1}', 1_700_000_000);
    const expected = createHmac('sha256', 's3cret-s3cret-s3cret').update('1700000000.{"a":1}').digest('hex');
    assert.equal(header, `t=1700000000,v1=${expected}`);
    assert.equal(verifySignature('s3cret-s3cret-s3cret', '{"a":1}', header, 1_700_000_100), true);
    assert.equal(verifySignature('other-secret-other', '{"a":1}', header, 1_700_000_100), false);
    assert.equal(verifySignature('s3cret-s3cret-s3cret', '{"a":2}', header, 1_700_000_100), false);
    assert.equal(verifySignature('s3cret-s3cret-s3cret', '{"a":1}', header, 1_700_001_000), false, 'older than 5 minutes');
  });
});

describe('webhook host allow-list', () => {
  it('allows any host when empty, else exact names and *.domain subdomains only', () => {
    assert.equal(hostAllowed([], new URL('http://anything:1/x')), true);
    const list = ['hooks.example.com', '*.ci.example.org', '127.0.0.1'];
    assert.equal(hostAllowed(list, new URL('https://HOOKS.example.com/x')), true);
    assert.equal(hostAllowed(list, new URL('https://a.ci.example.org/x')), true);
    assert.equal(hostAllowed(list, new URL('https://ci.example.org/x')), false);
    assert.equal(hostAllowed(list, new URL('https://evilci.example.org/x')), false);
    assert.equal(hostAllowed(list, new URL('http://127.0.0.1:8080/x')), true);
    assert.equal(hostAllowed(list, new URL('http://hooks.example.com.evil.net/x')), false);
  });
});

describe('event type patterns and Prefer', () => {
  it('match exactly or as a dotted prefix', () => {
    assert.equal(typeMatches('snapshot.restore', 'snapshot.restore.failed'), true);
    assert.equal(typeMatches('snapshot', 'snapshot.create.started'), true);
    assert.equal(typeMatches('snap', 'snapshot.create.started'), false);
    assert.equal(typeMatches('*', 'replica.upload.progress'), true);
    assert.equal(prefersAsync('respond-async, wait=10'), true);
    assert.equal(prefersAsync('return=minimal'), false);
  });
});

describe('config diff', () => {
  const base: RecordedContainerConfig = {
    image: 'app:1', imageId: 'sha256:1', cmd: ['run'], entrypoint: null, env: ['TOKEN=old-value', 'SAME=1', 'GONE=x'], labels: { tier: 'web' },
    workingDir: '/', user: '', hostname: 'h', ports: [], mounts: [], restartPolicy: { name: 'no', maximumRetryCount: 0 }, networks: [],
  };
  it('names environment variables whose values changed, never the values', () => {
    const after = { ...base, image: 'app:2', env: ['TOKEN=new-value', 'SAME=1', 'NEW=y'], labels: { tier: 'api', extra: '1' } };
    const diff = diffConfig(base, after);
    assert.equal(diff.changed, true);
    assert.deepEqual(diff.env, { added: ['NEW'], removed: ['GONE'], changed: ['TOKEN'] });
    assert.deepEqual(diff.labels, { added: ['extra'], removed: [], changed: ['tier'] });
    assert.deepEqual(diff.image, { before: 'app:1', after: 'app:2' });
    assert.doesNotMatch(JSON.stringify(diff), /old-value|new-value/);
    assert.equal(diffConfig(base, base).changed, false);
  });
});
