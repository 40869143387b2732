/**
 * Webhooks (design.md §10): registered URLs that get events as signed POSTs from a persistent outbox.
 * A delivery is one event for one webhook; it is retried with exponential backoff until it succeeds or
 * runs out of attempts.
 */
export interface WebhookRecord {
  readonly id: number;
  readonly url: string;
  /** Event types or dotted prefixes (`snapshot.restore`, `replica`, `*`), as in GET /events?kind=. */
  readonly events: readonly string[];
  readonly createdAt: Date;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';
export interface DeliveryRecord {
  readonly id: number;
  readonly webhookId: number;
  /** The logged event; null for a test ping. */
  readonly eventId: number | null;
  readonly eventType: string;
  /** The exact JSON body every attempt sends. */
  readonly body: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly nextAttemptAt: Date;
  readonly lastError: string | null;
  /** HTTP status of the last attempt; null when it got no answer. */
  readonly lastStatus: number | null;
  readonly createdAt: Date;
  readonly deliveredAt: Date | null;
}

export interface NewDelivery {
  readonly webhookId: number;
  readonly eventId: number | null;
  readonly eventType: string;
  readonly body: string;
}

export interface WebhookStorePort {
  createWebhook(input: { url: string; events: readonly string[]; secret: string }, at: Date): WebhookRecord;
  listWebhooks(): WebhookRecord[];
  getWebhook(id: number): WebhookRecord | undefined;
  /** The secret, unsealed, for signing; never leaves the delivery path. */
  webhookSecret(id: number): string | undefined;
  deleteWebhook(id: number): boolean;

  enqueueDelivery(input: NewDelivery, at: Date): DeliveryRecord;
  /** Pending deliveries due at `now`, oldest first, leaving out those in flight. */
  dueDeliveries(now: Date, limit: number, excluding: readonly number[]): DeliveryRecord[];
  recordDelivered(id: number, status: number, at: Date): void;
  recordAttemptFailed(id: number, failure: { error: string; status: number | null; retryAt: Date | null }): void;
  listDeliveries(webhookId: number, query: { status?: DeliveryStatus; limit: number; offset: number }): { deliveries: DeliveryRecord[]; total: number };
  getDelivery(id: number): DeliveryRecord | undefined;
}
