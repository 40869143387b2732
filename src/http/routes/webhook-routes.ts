/** Webhooks: register, list, remove, see deliveries, send a test (design.md §10). */
import type { WebhookService } from '../../core/webhooks/webhook-service.js';
import { defineRoute, type RouteDefinition } from '../route-definition.js';
import {
  createdWebhookSchema,
  createWebhookBodySchema,
  deliveryListQuerySchema,
  deliveryListSchema,
  testDeliverySchema,
  webhookListSchema,
  webhookParamsSchema,
  webhookResultSchema,
} from '../schemas/webhook-schemas.js';
import { serializeDelivery, serializeWebhook } from '../serializers/webhook-serializer.js';

const BASE = '/api/v1/webhooks';
const TAG = 'webhooks';

/** Webhooks receive every project's events: a host-wide setting, for all-projects admins (design.md §9). */
const HOST_WIDE_ADMIN = { auth: true, role: 'admin', allProjects: true } as const;

export function webhookRoutes(service: WebhookService): RouteDefinition[] {
  const idOf = (params: { readonly id: string }): number => Number(params.id);
  return [
    defineRoute({
      method: 'POST',
      path: BASE,
      operationId: 'createWebhook',
      summary: 'Register a URL for signed event POSTs; the answer holds the secret, shown this once.',
      tag: TAG,
      ...HOST_WIDE_ADMIN,
      successStatus: 201,
      request: { body: createWebhookBodySchema },
      response: createdWebhookSchema,
      handle({ body }) {
        const { webhook, secret } = service.create(body);
        return Promise.resolve({ status: 201, message: `Webhook ${String(webhook.id)} registered for ${webhook.url}.`, data: { webhook: serializeWebhook(webhook), secret } });
      },
    }),
    defineRoute({
      method: 'GET',
      path: BASE,
      operationId: 'listWebhooks',
      summary: 'Registered webhooks (without their secrets).',
      tag: TAG,
      ...HOST_WIDE_ADMIN,
      request: {},
      response: webhookListSchema,
      handle() {
        const webhooks = service.list();
        return Promise.resolve({ message: `${String(webhooks.length)} webhook(s).`, data: { webhooks: webhooks.map(serializeWebhook) } });
      },
    }),
    defineRoute({
      method: 'GET',
      path: `${BASE}/:id`,
      operationId: 'getWebhook',
      summary: 'One webhook (without its secret).',
      tag: TAG,
      ...HOST_WIDE_ADMIN,
      request: { params: webhookParamsSchema },
      response: webhookResultSchema,
      errorStatuses: [404],
      handle({ params }) {
        const webhook = service.get(idOf(params));
        return Promise.resolve({ message: `Webhook ${String(webhook.id)}.`, data: { webhook: serializeWebhook(webhook) } });
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: `${BASE}/:id`,
      operationId: 'deleteWebhook',
      summary: 'Unregister a webhook; its pending deliveries are dropped.',
      tag: TAG,
      ...HOST_WIDE_ADMIN,
      request: { params: webhookParamsSchema },
      response: webhookResultSchema,
      errorStatuses: [404],
      handle({ params }) {
        const webhook = service.delete(idOf(params));
        return Promise.resolve({ message: `Webhook ${String(webhook.id)} removed.`, data: { webhook: serializeWebhook(webhook) } });
      },
    }),
    defineRoute({
      method: 'GET',
      path: `${BASE}/:id/deliveries`,
      operationId: 'listWebhookDeliveries',
      summary: "A webhook's deliveries, newest first: status, attempts, last error, next attempt.",
      tag: TAG,
      ...HOST_WIDE_ADMIN,
      request: { params: webhookParamsSchema, query: deliveryListQuerySchema },
      response: deliveryListSchema,
      errorStatuses: [404],
      handle({ params, query }) {
        const { deliveries, total } = service.deliveries(idOf(params), query);
        return Promise.resolve({
          message: `${String(deliveries.length)} of ${String(total)} deliveries.`,
          data: { deliveries: deliveries.map(serializeDelivery), total, limit: query.limit, offset: query.offset },
        });
      },
    }),
    defineRoute({
      method: 'POST',
      path: `${BASE}/:id/test`,
      operationId: 'testWebhook',
      summary: 'Queue a signed `webhook.test` delivery to this webhook; follow it in its deliveries.',
      tag: TAG,
      ...HOST_WIDE_ADMIN,
      successStatus: 202,
      request: { params: webhookParamsSchema },
      response: testDeliverySchema,
      errorStatuses: [404],
      handle({ params }) {
        const delivery = service.test(idOf(params));
        return Promise.resolve({ status: 202, message: `Test delivery ${String(delivery.id)} queued.`, data: { delivery: serializeDelivery(delivery) } });
      },
    }),
  ];
}
