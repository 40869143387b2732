/** API keys (design.md §9): the secret is in the reply to create only. */
import { currentAccess } from '../../core/access/access-context.js';
import type { KeyService } from '../../core/access/key-service.js';
import { defineRoute, type RouteDefinition } from '../route-definition.js';
import { createdKeyResultSchema, createKeyBodySchema, keyListSchema, keyParamsSchema, keyResultSchema } from '../schemas/access-schemas.js';
import { serializeKey } from '../serializers/access-serializer.js';

const BASE = '/api/v1/keys';
const TAG = 'keys';

export type KeysApi = Pick<KeyService, 'create' | 'list' | 'revoke'>;


export function keyRoutes(api: KeysApi): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: BASE,
      operationId: 'listKeys',
      summary: "API keys, without secrets (a project's admin sees its project's keys).",
      tag: TAG,
      auth: true,
      role: 'admin',
      request: {},
      response: keyListSchema,
      errorStatuses: [403],
      handle() {
        const keys = api.list(currentAccess());
        return Promise.resolve({ message: `${String(keys.length)} key(s).`, data: { keys: keys.map(serializeKey) } });
      },
    }),
    defineRoute({
      method: 'POST',
      path: BASE,
      operationId: 'createKey',
      summary: 'Create an API key; the reply holds its token, shown this once.',
      tag: TAG,
      auth: true,
      role: 'admin',
      successStatus: 201,
      request: { body: createKeyBodySchema },
      response: createdKeyResultSchema,
      errorStatuses: [403, 404],
      async handle({ body }) {
        const { key, token } = await api.create(currentAccess(), {
          name: body.name,
          project: body.project,
          role: body.role,
          ...(body.expires_at !== undefined && { expiresAt: new Date(body.expires_at) }),
        });
        return {
          status: 201,
          message: `Key ${key.id} (${key.role}, project ${key.project}) created; store its token now, it is not shown again.`,
          data: { key: serializeKey(key), token },
        };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: `${BASE}/:key`,
      operationId: 'revokeKey',
      summary: 'Revoke an API key: it stops working at once.',
      tag: TAG,
      auth: true,
      role: 'admin',
      request: { params: keyParamsSchema },
      response: keyResultSchema,
      errorStatuses: [403, 404],
      handle({ params }) {
        const key = api.revoke(currentAccess(), params.key);
        return Promise.resolve({ message: `Key ${key.id} revoked.`, data: { key: serializeKey(key) } });
      },
    }),
  ];
}
