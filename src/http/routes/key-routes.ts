/** API keys (design.md §9): the secret is in the reply to create only. */
import { currentAccess } from '../../core/access/access-context.js';
import type { KeyService } from '../../core/access/key-service.js';
import type { Role } from '../../core/access/role.js';
import type { RouteDefinition } from '../route-definition.js';
import { createdKeyResultSchema, createKeyBodySchema, keyListSchema, keyParamsSchema, keyResultSchema } from '../schemas/access-schemas.js';
import { serializeKey } from '../serializers/access-serializer.js';

const BASE = '/api/v1/keys';
const TAG = 'keys';

export type KeysApi = Pick<KeyService, 'create' | 'list' | 'revoke'>;

interface CreateBody { name: string; project: string; role: Role; expires_at?: string }

export function keyRoutes(api: KeysApi): RouteDefinition[] {
  return [
    {
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
    },
    {
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
        const b = body as unknown as CreateBody;
        const { key, token } = await api.create(currentAccess(), {
          name: b.name,
          project: b.project,
          role: b.role,
          ...(b.expires_at !== undefined && { expiresAt: new Date(b.expires_at) }),
        });
        return {
          status: 201,
          message: `Key ${key.id} (${key.role}, project ${key.project}) created; store its token now, it is not shown again.`,
          data: { key: serializeKey(key), token },
        };
      },
    },
    {
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
        const key = api.revoke(currentAccess(), params['key'] ?? '');
        return Promise.resolve({ message: `Key ${key.id} revoked.`, data: { key: serializeKey(key) } });
      },
    },
  ];
}
