/**
 * Webhooks on the real stack (private dockerd on btrfs, the service over HTTP, a real HTTP receiver in
 * this test): signed deliveries the receiver verifies; with the receiver down, retries with backoff that
 * arrive once it is back, also across a service restart; nothing delivered twice.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { verifySignature } from '../../src/webhooks/webhook-signature.js';
import { ManualClock } from '../../src/core/clock.js';
import { needs } from '../support/components.js';
import { startTestService, type TestService } from '../support/cowsnap-service.js';
import { createDockerEngine, type TestDockerEngine } from '../support/docker-engine.js';

const SECRET = 'receiver-secret-0123456789';

interface Received {
  readonly eventId: string | undefined;
  readonly deliveryId: string | undefined;
  readonly type: string;
  readonly body: Record<string, unknown>;
  readonly signed: boolean;
}

/** A webhook receiver that checks every signature, as a user's would; it can go down and come back on its port. */
class Receiver {
  readonly received: Received[] = [];
  private server: Server | undefined;
  port = 0;

  async up(): Promise<void> {
    const server = createServer((req, res) => {
      void readBody(req).then((body) => {
        const header = String(req.headers['x-cowsnap-signature'] ?? '');
        const parsed = JSON.parse(body) as Record<string, unknown>;
        this.received.push({
          eventId: header === '' ? undefined : String(req.headers['x-cowsnap-event-id']),
          deliveryId: String(req.headers['x-cowsnap-delivery-id']),
          type: String(parsed['type']),
          body: parsed,
          signed: verifySignature(SECRET, body, header, Math.floor(Date.now() / 1000)),
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => { resolve(); }));
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return text;
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface DeliveryJson { id: number; event_id: number | null; event_type: string; status: string; attempts: number; last_error: string | null; next_attempt_at: string | null }

describe('webhooks (real dockerd on btrfs, real HTTP receiver)', needs('docker'), () => {
  let engine: TestDockerEngine;
  let service: TestService;
  const clock = new ManualClock(new Date());
  const receiver = new Receiver();
  const serviceOptions = { events: { webhookDelivery: { baseBackoffMs: 5_000, pollMs: 100 } } };
  let webhookId = 0;

  before(async () => {
    engine = await createDockerEngine();
    service = await startTestService({ engine, clock, serviceOptions });
    await receiver.up();
    const container = await engine.docker.createContainer({ Image: engine.image, Cmd: ['sleep', '100000'], name: 'hooked' });
    await container.start();
  });
  after(async () => {
    await receiver.down();
    await service.close();
    await engine.destroy();
  });

  const deliveries = async (): Promise<DeliveryJson[]> =>
    ((await service.api('GET', `/webhooks/${String(webhookId)}/deliveries?limit=500`)).body.data as { deliveries: DeliveryJson[] }).deliveries;

  it('refuses bad registrations with every problem listed, and never shows the secret again', async () => {
    const bad = await service.api('POST', '/webhooks', { url: 'ftp://127.0.0.1/x', events: [], secret: 'short' });
    assert.equal(bad.status, 400);
    const paths = ((bad.body.error as { details: { path: string }[] }).details).map((d) => d.path).sort();
    assert.deepEqual(paths, ['/body/events', '/body/secret']);
    const scheme = await service.api('POST', '/webhooks', { url: 'file:///etc/passwd', events: ['*'] });
    assert.equal(scheme.status, 400);
    assert.equal((await service.api('GET', '/webhooks')).body.data && ((await service.api('GET', '/webhooks')).body.data as { webhooks: unknown[] }).webhooks.length, 0);

    const created = await service.api('POST', '/webhooks', { url: `http://127.0.0.1:${String(receiver.port)}/hook`, events: ['snapshot.create'], secret: SECRET });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const data = created.body.data as { webhook: { id: number }; secret: string };
    assert.equal(data.secret, SECRET);
    webhookId = data.webhook.id;
    const listed = await service.api('GET', '/webhooks');
    assert.doesNotMatch(JSON.stringify(listed.body), new RegExp(SECRET));
    assert.doesNotMatch(JSON.stringify((await service.api('GET', `/webhooks/${String(webhookId)}`)).body), new RegExp(SECRET));
    assert.equal((await service.api('GET', '/webhooks/999')).status, 404);
  });

  it('delivers signed events the receiver verifies, with the event id for de-duplication', async () => {
    const snap = await service.api('POST', '/containers/hooked/snapshots', {});
    assert.equal(snap.status, 201);
    const name = (snap.body.data as { snapshot: { name: string } }).snapshot.name;
    const succeeded = await until('the succeeded delivery', () => receiver.received.find((r) => r.type === 'snapshot.create.succeeded'));
    assert.ok(receiver.received.some((r) => r.type === 'snapshot.create.started'));
    assert.ok(receiver.received.every((r) => r.signed), 'every signature verifies');
    assert.equal(succeeded.body['snapshot'], name);
    assert.equal(succeeded.eventId, String(succeeded.body['id']));
    const listed = await until('delivered status', async () => {
      const all = await deliveries();
      return all.length === 2 && all.every((d) => d.status === 'delivered') ? all : undefined;
    });
    assert.deepEqual(listed.map((d) => d.attempts), [1, 1]);

    const test = await service.api('POST', `/webhooks/${String(webhookId)}/test`);
    assert.equal(test.status, 202);
    const ping = await until('the test ping', () => receiver.received.find((r) => r.type === 'webhook.test'));
    assert.ok(ping.signed);
  });

  it('retries while the receiver is down and delivers once it is back, also across a service restart', async () => {
    await receiver.down();
    const before = receiver.received.length;
    assert.equal((await service.api('POST', '/containers/hooked/snapshots', {})).status, 201);
    // Both events fail their first attempt and wait for a retry, with the reason.
    const failedOnce = await until('failed first attempts', async () => {
      const pending = (await deliveries()).filter((d) => d.status === 'pending');
      return pending.length === 2 && pending.every((d) => d.attempts === 1) ? pending : undefined;
    });
    assert.match(failedOnce[0]?.last_error ?? '', /cannot connect/);
    // A second attempt, 5 s (of the service's clock) later, still fails; the next waits twice as long.
    clock.advance(5_000);
    const failedTwice = await until('second attempts', async () => {
      const pending = (await deliveries()).filter((d) => d.status === 'pending');
      return pending.length === 2 && pending.every((d) => d.attempts === 2) ? pending : undefined;
    });
    const retryIn = Date.parse(failedTwice[0]?.next_attempt_at ?? '') - clock.now().getTime();
    assert.equal(retryIn, 10_000);

    // The service stops (the outbox is in its database) and starts again; then the receiver comes back.
    await service.running.close();
    service = await startTestService({ engine, clock, serviceOptions, config: service.config });
    await receiver.up();
    clock.advance(10_000);
    const delivered = await until('deliveries after the restart', async () => {
      const all = await deliveries();
      return all.every((d) => d.status === 'delivered') ? all : undefined;
    });
    const late = receiver.received.slice(before);
    assert.deepEqual(late.map((r) => r.type).sort(), ['snapshot.create.started', 'snapshot.create.succeeded']);
    assert.ok(late.every((r) => r.signed));
    // Each delivery arrived exactly once.
    const ids = receiver.received.map((r) => r.deliveryId);
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(delivered.filter((d) => d.event_type.startsWith('snapshot.create')).some((d) => d.attempts === 3));
  });

  it('an unregistered webhook gets nothing more', async () => {
    assert.equal((await service.api('DELETE', `/webhooks/${String(webhookId)}`)).status, 200);
    const count = receiver.received.length;
    assert.equal((await service.api('POST', '/containers/hooked/snapshots', {})).status, 201);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(receiver.received.length, count);
    assert.equal((await service.api('GET', `/webhooks/${String(webhookId)}/deliveries`)).status, 404);
  });
});
