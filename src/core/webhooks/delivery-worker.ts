/**
 * Works the webhook outbox: sends due deliveries (a few at once), marks each delivered, or schedules its
 * retry with exponential backoff, or gives it up after the last attempt. The outbox is in SQLite, so
 * pending deliveries survive a restart. A delivery is marked only after its attempt ends, and one in flight
 * is never picked again by this process: normally each is sent once; a crash mid-attempt sends it again
 * after the restart (at-least-once; receivers de-duplicate on X-Cowsnap-Event-Id / X-Cowsnap-Delivery-Id).
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { DeliveryRecord, WebhookStorePort } from './webhook.js';
import { hostAllowed } from './webhook-hosts.js';
import type { WebhookSenderPort } from './webhook-sender-port.js';
import { backoffDelay } from '../backoff.js';

export interface DeliveryPolicy {
  readonly maxAttempts: number;
  /** Wait after the first failed attempt; doubles per attempt up to `maxBackoffMs`. */
  readonly baseBackoffMs: number;
  readonly maxBackoffMs: number;
  /** Deliveries sent at once. */
  readonly concurrency: number;
  /** How often the outbox is looked at besides the wake-ups of new deliveries. */
  readonly pollMs: number;
  readonly allowedHosts: readonly string[];
}

export class DeliveryWorker {
  private readonly inFlight = new Map<number, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly deps: { store: WebhookStorePort; sender: WebhookSenderPort; clock: Clock; logger: Logger },
    private readonly policy: DeliveryPolicy,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.wake();
    }, this.policy.pollMs);
    this.timer.unref();
    this.wake();
  }

  /** Looks for due deliveries now (called after an event was written to the outbox). */
  wake(): void {
    if (this.stopped) return;
    const free = this.policy.concurrency - this.inFlight.size;
    if (free <= 0) return;
    let due: DeliveryRecord[];
    try {
      due = this.deps.store.dueDeliveries(this.deps.clock.now(), free, [...this.inFlight.keys()]);
    } catch (error) {
      this.deps.logger.error({ err: error }, 'cannot read the webhook outbox');
      return;
    }
    for (const delivery of due) {
      const attempt = this.attempt(delivery).finally(() => {
        this.inFlight.delete(delivery.id);
        this.wake();
      });
      this.inFlight.set(delivery.id, attempt);
    }
  }

  /** Stops picking deliveries and waits for those in flight (each bounded by the delivery timeout). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await Promise.all([...this.inFlight.values()]);
  }

  private async attempt(delivery: DeliveryRecord): Promise<void> {
    const { store, sender, clock, logger } = this.deps;
    const webhook = store.getWebhook(delivery.webhookId);
    const secret = store.webhookSecret(delivery.webhookId);
    if (webhook === undefined || secret === undefined) return; // unregistered meanwhile: its deliveries are gone
    const log = logger.child({ webhook: webhook.id, delivery: delivery.id, event: delivery.eventId });
    if (!hostAllowed(this.policy.allowedHosts, new URL(webhook.url))) {
      store.recordAttemptFailed(delivery.id, { error: 'the webhook host is not in the configured allow-list (webhooks.allowedHosts)', status: null, retryAt: null });
      log.warn('webhook delivery refused: host not allowed');
      return;
    }
    const result = await sender.send({
      url: webhook.url,
      body: delivery.body,
      secret,
      eventId: delivery.eventId === null ? `test-${String(delivery.id)}` : String(delivery.eventId),
      eventType: delivery.eventType,
      deliveryId: delivery.id,
    });
    if (result.ok) {
      store.recordDelivered(delivery.id, result.status, clock.now());
      return;
    }
    const attempts = delivery.attempts + 1;
    const lastAttempt = attempts >= this.policy.maxAttempts;
    const backoff = backoffDelay(delivery.attempts, { baseMs: this.policy.baseBackoffMs, maxMs: this.policy.maxBackoffMs });
    const retryAt = lastAttempt ? null : new Date(clock.now().getTime() + backoff);
    store.recordAttemptFailed(delivery.id, { error: result.error, status: result.status, retryAt });
    log.warn({ attempts, retryAt, error: result.error }, lastAttempt ? 'webhook delivery failed for good' : 'webhook delivery failed; will retry');
  }
}
