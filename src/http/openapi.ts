/**
 * The OpenAPI 3.1 document, generated from the route table: the same schema objects the server compiles
 * for validation, so the published contract and the enforced one are one thing.
 */
import type { RouteDefinition } from './route-definition.js';
import { envelopeSchema, errorEnvelopeSchema } from './schemas/response-schemas.js';

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Bad input; every problem is listed in error.details.',
  401: 'Missing API key, or a key that is unknown, revoked or expired.',
  403: "forbidden: the key's role (or project scope) does not allow this route, error.details names the role needed; quota_exceeded: the project's quota is used up (details: quota, limit, used), nothing was created.",
  404: "Unknown container, snapshot or other resource, or one in another project than the key's (answered exactly as if absent).",
  429: 'rate_limited: too many changing requests from this key; the Retry-After header says how many seconds to wait.',
  409: 'Busy or conflicting state (another operation on the container, alias taken, ...).',
  500: 'Internal error; the server log has the details under the request id.',
  503: 'A component cowsnap needs (Docker, a pool) is unreachable.',
  507: 'The storage pool is full.',
};

/** "/api/v1/containers/:container" → "/api/v1/containers/{container}" */
export function toOpenApiPath(routerPath: string): string {
  return routerPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

interface ObjectSchema {
  properties?: Record<string, { description?: string }>;
  required?: readonly string[];
  minProperties?: number;
}

function parameters(schema: object | undefined, location: 'path' | 'query'): object[] {
  const s = (schema ?? {}) as ObjectSchema;
  return Object.entries(s.properties ?? {}).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || (s.required ?? []).includes(name),
    ...(property.description !== undefined && { description: property.description }),
    schema: property,
  }));
}

function errorResponse(status: number): object {
  return {
    description: ERROR_DESCRIPTIONS[status] ?? 'Error.',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelope' } } },
  };
}

function operation(route: RouteDefinition): object {
  const success = route.successStatus ?? 200;
  const responses: Record<string, object> = {
    [String(success)]: route.raw
      ? { description: 'Success.', content: { [route.raw.contentType]: { schema: { type: 'string' } } } }
      : { description: 'Success.', content: { 'application/json': { schema: envelopeSchema(route.response) } } },
  };
  const authenticated = route.auth === true;
  const statuses = new Set([
    ...(route.request.params || route.request.query || route.request.body ? [400] : []),
    ...(authenticated ? [401, 403] : []),
    ...(authenticated && route.method !== 'GET' ? [429] : []),
    ...(route.errorStatuses ?? []),
    500,
  ]);
  for (const status of [...statuses].sort()) responses[String(status)] = errorResponse(status);

  const body = route.request.body as ObjectSchema | undefined;
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    // Who may call it (design.md §9), for clients and for the access matrix test.
    'x-required-role': route.role,
    'x-all-projects': route.allProjects === true,
    // Optional auth: anonymous or bearer, both accepted (OpenAPI: an empty requirement object means none).
    ...(route.auth === true ? {} : { security: route.auth === 'optional' ? [{}, { bearerAuth: [] }] : [] }),
    parameters: [...parameters(route.request.params, 'path'), ...parameters(route.request.query, 'query')],
    ...(body !== undefined && {
      requestBody: {
        required: (body.minProperties ?? 0) > 0,
        content: { 'application/json': { schema: body } },
      },
    }),
    responses,
  };
}

export function buildOpenApiDocument(routes: readonly RouteDefinition[], version: string): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const route of routes) {
    const path = toOpenApiPath(route.path);
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'cowsnap',
      version,
      description:
        'Instant copy-on-write snapshots, rollback and cloning for Docker containers on btrfs or ZFS. Every response is an ' +
        'envelope {statusCode, message, data}; errors are {statusCode, message, error: {code, details}}.',
    },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }],
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description:
            'An API key "cs_<key id>_<secret>" (POST /api/v1/keys; role viewer, operator or admin; one project or all) or the bootstrap token from the token file (an all-projects admin key).',
        },
      },
      schemas: { ErrorEnvelope: errorEnvelopeSchema },
    },
    paths,
  };
}
