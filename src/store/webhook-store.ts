/** Webhooks and their delivery outbox (core/webhooks/webhook.ts). Secrets are sealed with the key file. */
import type { Statement } from 'better-sqlite3';
import type { DeliveryRecord, DeliveryStatus, NewDelivery, WebhookRecord, WebhookStorePort } from '../core/webhooks/webhook.js';
import type { Database } from './database.js';
import type { SecretBox } from './secret-box.js';

interface WebhookRow {
  readonly id: number;
  readonly url: string;
  readonly events: string;
  readonly secret_sealed: string;
  readonly created_at: number;
}

interface DeliveryRow {
  readonly id: number;
  readonly webhook_id: number;
  readonly event_id: number | null;
  readonly event_type: string;
  readonly body: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly next_attempt_at: number;
  readonly last_error: string | null;
  readonly last_status: number | null;
  readonly created_at: number;
  readonly delivered_at: number | null;
}

interface PageParams { webhookId: number; status: string | null; limit: number; offset: number }

export class WebhookStore implements WebhookStorePort {
  private readonly insertHook: Statement<[{ url: string; events: string; secret: string; at: number }], WebhookRow>;
  private readonly allHooks: Statement<[], WebhookRow>;
  private readonly hookById: Statement<[number], WebhookRow>;
  private readonly removeHook: Statement<[number]>;
  private readonly insertDelivery: Statement<[{ webhookId: number; eventId: number | null; eventType: string; body: string; at: number }], DeliveryRow>;
  private readonly due: Statement<[number, string, number], DeliveryRow>;
  private readonly delivered: Statement<[{ id: number; status: number; at: number }]>;
  private readonly failedAttempt: Statement<[{ id: number; error: string; status: number | null; retryAt: number | null }]>;
  private readonly page: Statement<[PageParams], DeliveryRow>;
  private readonly count: Statement<[Omit<PageParams, 'limit' | 'offset'>], { n: number }>;
  private readonly deliveryById: Statement<[number], DeliveryRow>;

  constructor(
    db: Database,
    private readonly secrets: Pick<SecretBox, 'encrypt' | 'decrypt'>,
  ) {
    this.insertHook = db.prepare('INSERT INTO webhooks (url, events, secret_sealed, created_at) VALUES (@url, @events, @secret, @at) RETURNING *');
    this.allHooks = db.prepare('SELECT * FROM webhooks ORDER BY id');
    this.hookById = db.prepare('SELECT * FROM webhooks WHERE id = ?');
    this.removeHook = db.prepare('DELETE FROM webhooks WHERE id = ?');
    this.insertDelivery = db.prepare(
      `INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, body, status, next_attempt_at, created_at)
       VALUES (@webhookId, @eventId, @eventType, @body, 'pending', @at, @at) RETURNING *`,
    );
    // `excluding` is a JSON array: one prepared statement whatever the number of deliveries in flight.
    this.due = db.prepare(
      `SELECT * FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ?
       AND id NOT IN (SELECT value FROM json_each(?)) ORDER BY next_attempt_at, id LIMIT ?`,
    );
    this.delivered = db.prepare(
      "UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, last_status = @status, last_error = NULL, delivered_at = @at WHERE id = @id",
    );
    this.failedAttempt = db.prepare(
      `UPDATE webhook_deliveries SET attempts = attempts + 1, last_error = @error, last_status = @status,
       status = CASE WHEN @retryAt IS NULL THEN 'failed' ELSE 'pending' END,
       next_attempt_at = coalesce(@retryAt, next_attempt_at) WHERE id = @id`,
    );
    const filter = 'webhook_id = @webhookId AND (@status IS NULL OR status = @status)';
    this.page = db.prepare(`SELECT * FROM webhook_deliveries WHERE ${filter} ORDER BY id DESC LIMIT @limit OFFSET @offset`);
    this.count = db.prepare(`SELECT count(*) AS n FROM webhook_deliveries WHERE ${filter}`);
    this.deliveryById = db.prepare('SELECT * FROM webhook_deliveries WHERE id = ?');
  }

  createWebhook(input: { url: string; events: readonly string[]; secret: string }, at: Date): WebhookRecord {
    const row = this.insertHook.get({ url: input.url, events: JSON.stringify(input.events), secret: this.secrets.encrypt(input.secret), at: at.getTime() });
    if (row === undefined) throw new Error('webhook insert returned no row');
    return toWebhook(row);
  }

  listWebhooks(): WebhookRecord[] {
    return this.allHooks.all().map(toWebhook);
  }

  getWebhook(id: number): WebhookRecord | undefined {
    const row = this.hookById.get(id);
    return row === undefined ? undefined : toWebhook(row);
  }

  webhookSecret(id: number): string | undefined {
    const row = this.hookById.get(id);
    return row === undefined ? undefined : this.secrets.decrypt(row.secret_sealed);
  }

  /** Its deliveries go with it (ON DELETE CASCADE): nothing is sent to a URL that was unregistered. */
  deleteWebhook(id: number): boolean {
    return this.removeHook.run(id).changes > 0;
  }

  enqueueDelivery(input: NewDelivery, at: Date): DeliveryRecord {
    const row = this.insertDelivery.get({ ...input, at: at.getTime() });
    if (row === undefined) throw new Error('delivery insert returned no row');
    return toDelivery(row);
  }

  dueDeliveries(now: Date, limit: number, excluding: readonly number[]): DeliveryRecord[] {
    return this.due.all(now.getTime(), JSON.stringify(excluding), limit).map(toDelivery);
  }

  recordDelivered(id: number, status: number, at: Date): void {
    this.delivered.run({ id, status, at: at.getTime() });
  }

  recordAttemptFailed(id: number, failure: { error: string; status: number | null; retryAt: Date | null }): void {
    this.failedAttempt.run({ id, error: failure.error, status: failure.status, retryAt: failure.retryAt?.getTime() ?? null });
  }

  listDeliveries(webhookId: number, query: { status?: DeliveryStatus; limit: number; offset: number }): { deliveries: DeliveryRecord[]; total: number } {
    const filter = { webhookId, status: query.status ?? null };
    return { deliveries: this.page.all({ ...filter, limit: query.limit, offset: query.offset }).map(toDelivery), total: this.count.get(filter)?.n ?? 0 };
  }

  getDelivery(id: number): DeliveryRecord | undefined {
    const row = this.deliveryById.get(id);
    return row === undefined ? undefined : toDelivery(row);
  }
}

function toWebhook(row: WebhookRow): WebhookRecord {
  return { id: row.id, url: row.url, events: JSON.parse(row.events) as string[], createdAt: new Date(row.created_at) };
}

function toDelivery(row: DeliveryRow): DeliveryRecord {
  return {
    id: row.id,
    webhookId: row.webhook_id,
    eventId: row.event_id,
    eventType: row.event_type,
    body: row.body,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: new Date(row.next_attempt_at),
    lastError: row.last_error,
    lastStatus: row.last_status,
    createdAt: new Date(row.created_at),
    deliveredAt: row.delivered_at === null ? null : new Date(row.delivered_at),
  };
}
