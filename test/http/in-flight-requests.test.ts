import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { InFlightRequests } from '../../src/http/in-flight-requests.js';

/** A server whose handler waits until the test releases it. */
async function slowServer(inFlight: InFlightRequests): Promise<{ server: Server; base: string; release: () => void; finished: string[] }> {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const finished: string[] = [];
  const server = createServer(
    inFlight.wrap(async (req, res) => {
      await gate;
      finished.push(req.url ?? '');
      res.end('done');
    }),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, base: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`, release, finished };
}

test('a request arriving during shutdown gets 503 shutting_down, and the running one finishes before settled()', async (t) => {
  const inFlight = new InFlightRequests();
  const { server, base, release, finished } = await slowServer(inFlight);
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const running = fetch(`${base}/running`);
  while (inFlight.count === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  inFlight.beginShutdown();

  const late = await fetch(`${base}/late`);
  assert.equal(late.status, 503);
  assert.equal(late.headers.get('connection'), 'close');
  const body = (await late.json()) as { error: { code: string } };
  assert.equal(body.error.code, 'shutting_down');

  const settled = inFlight.settled(5000);
  release();
  assert.equal(await settled, true);
  assert.deepEqual(finished, ['/running']);
  assert.equal(await (await running).text(), 'done');
  assert.equal(inFlight.count, 0);
});

test('settled() gives up after its bound when a handler does not return', async (t) => {
  const inFlight = new InFlightRequests();
  const { server, base, release } = await slowServer(inFlight);
  t.after(() => {
    release();
    server.closeAllConnections();
    server.close();
  });
  void fetch(`${base}/stuck`).catch(() => undefined);
  while (inFlight.count === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  inFlight.beginShutdown();
  assert.equal(await inFlight.settled(50), false);
  assert.equal(inFlight.count, 1);
});
