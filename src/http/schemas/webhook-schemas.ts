/** Requests and responses of /webhooks (design.md §10). */
const dateTime = { type: 'string', format: 'date-time' } as const;

const eventPatternSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 100,
  pattern: '^(\\*|[a-z]+(\\.[a-z]+)*)$',
  description: 'An event type or a dotted prefix: `snapshot.restore.failed`, `snapshot.restore`, `replica`, or `*` for all.',
} as const;

export const createWebhookBodySchema = {
  type: 'object',
  properties: {
    url: { type: 'string', minLength: 1, maxLength: 2000, description: 'http:// or https:// URL that receives the POSTs.' },
    events: { type: 'array', minItems: 1, maxItems: 50, uniqueItems: true, items: eventPatternSchema },
    secret: {
      type: 'string',
      minLength: 16,
      maxLength: 200,
      pattern: '^[\\x21-\\x7e]+$',
      description: 'HMAC key for X-Cowsnap-Signature (16–200 printable ASCII characters). Absent: one is generated and returned once.',
    },
  },
  required: ['url', 'events'],
  additionalProperties: false,
} as const;

export const webhookParamsSchema = {
  type: 'object',
  properties: { id: { type: 'string', pattern: '^[0-9]{1,15}$' } },
  required: ['id'],
  additionalProperties: false,
} as const;

export const webhookSchema = {
  type: 'object',
  properties: { id: { type: 'integer' }, url: { type: 'string' }, events: { type: 'array', items: { type: 'string' } }, created_at: dateTime },
  required: ['id', 'url', 'events', 'created_at'],
  additionalProperties: false,
} as const;

export const createdWebhookSchema = {
  type: 'object',
  properties: { webhook: webhookSchema, secret: { type: 'string', description: 'Shown only in this answer; stored sealed.' } },
  required: ['webhook', 'secret'],
  additionalProperties: false,
} as const;

export const webhookResultSchema = {
  type: 'object',
  properties: { webhook: webhookSchema },
  required: ['webhook'],
  additionalProperties: false,
} as const;

export const webhookListSchema = {
  type: 'object',
  properties: { webhooks: { type: 'array', items: webhookSchema } },
  required: ['webhooks'],
  additionalProperties: false,
} as const;

export const deliverySchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    event_id: { type: ['integer', 'null'], description: 'The event (null for a test ping); also sent as X-Cowsnap-Event-Id.' },
    event_type: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'delivered', 'failed'] },
    attempts: { type: 'integer', minimum: 0 },
    next_attempt_at: { type: ['string', 'null'], format: 'date-time', description: 'When a pending delivery is tried next.' },
    last_status: { type: ['integer', 'null'], description: "HTTP status of the last attempt's answer; null when there was none." },
    last_error: { type: ['string', 'null'] },
    created_at: dateTime,
    delivered_at: { type: ['string', 'null'], format: 'date-time' },
  },
  required: ['id', 'event_id', 'event_type', 'status', 'attempts', 'next_attempt_at', 'last_status', 'last_error', 'created_at', 'delivered_at'],
  additionalProperties: false,
} as const;

export const deliveryListQuerySchema = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['pending', 'delivered', 'failed'] },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    offset: { type: 'integer', minimum: 0, default: 0 },
  },
  additionalProperties: false,
} as const;

export const deliveryListSchema = {
  type: 'object',
  properties: {
    deliveries: { type: 'array', items: deliverySchema },
    total: { type: 'integer', minimum: 0 },
    limit: { type: 'integer' },
    offset: { type: 'integer' },
  },
  required: ['deliveries', 'total', 'limit', 'offset'],
  additionalProperties: false,
} as const;

export const testDeliverySchema = {
  type: 'object',
  properties: { delivery: deliverySchema },
  required: ['delivery'],
  additionalProperties: false,
} as const;
