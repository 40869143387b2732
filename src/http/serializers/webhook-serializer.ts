import type { DeliveryRecord, WebhookRecord } from '../../core/webhooks/webhook.js';

/** Never the secret: it is shown once, in the create answer only. */
export function serializeWebhook(webhook: WebhookRecord): Record<string, unknown> {
  return { id: webhook.id, url: webhook.url, events: webhook.events, created_at: webhook.createdAt.toISOString() };
}

export function serializeDelivery(delivery: DeliveryRecord): Record<string, unknown> {
  return {
    id: delivery.id,
    event_id: delivery.eventId,
    event_type: delivery.eventType,
    status: delivery.status,
    attempts: delivery.attempts,
    next_attempt_at: delivery.status === 'pending' ? delivery.nextAttemptAt.toISOString() : null,
    last_status: delivery.lastStatus,
    last_error: delivery.lastError,
    created_at: delivery.createdAt.toISOString(),
    delivered_at: delivery.deliveredAt?.toISOString() ?? null,
  };
}
