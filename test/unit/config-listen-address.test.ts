import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatListenAddress, listenUrl, parseListenAddress } from '../../src/config/listen-address.js';

describe('listen addresses', () => {
  it('parses host:port, [v6]:port and unix:/path, and formats them back the same way', () => {
    for (const [text, parsed] of [
      ['127.0.0.1:7878', { host: '127.0.0.1', port: 7878 }],
      ['localhost:1', { host: 'localhost', port: 1 }],
      ['[::1]:65535', { host: '::1', port: 65535 }],
      ['unix:/run/cowsnap.sock', { socket: '/run/cowsnap.sock' }],
    ] as const) {
      assert.deepEqual(parseListenAddress(text), parsed);
      assert.equal(formatListenAddress(parsed), text);
    }
  });

  it('explains what is wrong with anything else', () => {
    for (const text of ['7878', '127.0.0.1', '127.0.0.1:0', '127.0.0.1:65536', ':7878', '::1:7878', 'unix:run.sock', 'http://127.0.0.1:7878']) {
      const result = parseListenAddress(text);
      assert.equal(typeof result, 'string', text);
      assert.match(result as string, new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    }
  });

  it('gives clients a reachable URL, also for wildcard listeners', () => {
    assert.equal(listenUrl({ host: '0.0.0.0', port: 80 }), 'http://127.0.0.1:80');
    assert.equal(listenUrl({ host: '::', port: 7878 }), 'http://[::1]:7878');
    assert.equal(listenUrl({ socket: '/run/c.sock' }), 'unix:/run/c.sock');
  });
});
