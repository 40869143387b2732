/**
 * Webhook registrations: create (URL checked, secret sealed and shown once), list, delete, deliveries,
 * and a test ping. Events reach the outbox through `outboxWriter`, inside the event's own transaction.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { EventWriter } from '../events/event-bus.js';
import { eventJson } from '../events/event.js';
import { typeMatches } from '../events/event-filter.js';
import { NotFoundError } from '../../errors/not-found-error.js';
import { ValidationError } from '../../errors/validation-error.js';
import type { ErrorDetail } from '../../errors/app-error.js';
import type { DeliveryRecord, DeliveryStatus, WebhookRecord, WebhookStorePort } from './webhook.js';
import { hostAllowed } from './webhook-hosts.js';

export interface NewWebhookInput {
  readonly url: string;
  readonly events: readonly string[];
  readonly secret?: string;
}

export class WebhookService {
  constructor(
    private readonly deps: {
      store: WebhookStorePort;
      clock: Clock;
      allowedHosts: readonly string[];
      /** New deliveries are waiting: the worker looks now rather than at its next poll. */
      wake: () => void;
    },
  ) {}

  /** The only time the secret is returned: it is stored sealed and never shown again. */
  create(input: NewWebhookInput): { webhook: WebhookRecord; secret: string } {
    const problems = urlProblems(input.url, this.deps.allowedHosts);
    if (problems.length > 0) throw new ValidationError(problems);
    const secret = input.secret ?? randomBytes(32).toString('hex');
    return { webhook: this.deps.store.createWebhook({ url: input.url, events: input.events, secret }, this.deps.clock.now()), secret };
  }

  list(): WebhookRecord[] {
    return this.deps.store.listWebhooks();
  }

  get(id: number): WebhookRecord {
    const webhook = this.deps.store.getWebhook(id);
    if (webhook === undefined) throw new NotFoundError('webhook_not_found', `There is no webhook ${String(id)}.`);
    return webhook;
  }

  delete(id: number): WebhookRecord {
    const webhook = this.get(id);
    this.deps.store.deleteWebhook(id);
    return webhook;
  }

  deliveries(id: number, query: { status?: DeliveryStatus; limit: number; offset: number }): { deliveries: DeliveryRecord[]; total: number } {
    this.get(id);
    return this.deps.store.listDeliveries(id, query);
  }

  /** Queues a `webhook.test` delivery to this webhook only (not logged as an event); returns it. */
  test(id: number): DeliveryRecord {
    const webhook = this.get(id);
    const now = this.deps.clock.now();
    const body = JSON.stringify({ id: null, type: 'webhook.test', at: now.toISOString(), webhook_id: webhook.id });
    const delivery = this.deps.store.enqueueDelivery({ webhookId: webhook.id, eventId: null, eventType: 'webhook.test', body }, now);
    this.deps.wake();
    return delivery;
  }

  /** Runs in the event's transaction: one pending delivery per webhook that wants the event. */
  readonly outboxWriter: EventWriter = (event) => {
    const now = this.deps.clock.now();
    const body = JSON.stringify(eventJson(event));
    for (const webhook of this.deps.store.listWebhooks()) {
      if (webhook.events.some((pattern) => typeMatches(pattern, event.type))) {
        this.deps.store.enqueueDelivery({ webhookId: webhook.id, eventId: event.id, eventType: event.type, body }, now);
      }
    }
  };
}

function urlProblems(text: string, allowedHosts: readonly string[]): ErrorDetail[] {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return [{ path: '/body/url', message: 'must be an absolute http:// or https:// URL' }];
  }
  const problems: ErrorDetail[] = [];
  if (url.protocol !== 'http:' && url.protocol !== 'https:') problems.push({ path: '/body/url', message: 'must use http or https' });
  if (url.username !== '' || url.password !== '') problems.push({ path: '/body/url', message: 'must not carry credentials; the signature authenticates deliveries' });
  if (!hostAllowed(allowedHosts, url)) problems.push({ path: '/body/url', message: `host ${url.hostname} is not in the allow-list (config webhooks.allowedHosts)` });
  return problems;
}
