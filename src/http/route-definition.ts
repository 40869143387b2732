/**
 * One table entry per API operation. The router is built from these, the validators are compiled from
 * their schemas, and the OpenAPI document is generated from the same entries, so the three cannot drift.
 * `defineRoute` also derives the handler's params, query and body types from those schemas.
 */
import type { Context } from 'koa';
import type { Logger } from 'pino';
import type { Role } from '../core/access/role.js';
import type { RequestSchemas, ValidatedRequest } from './validation.js';
import type { SchemaType } from './schema-type.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What a handler returns; the app wraps it in the envelope. */
export interface RouteResponse {
  readonly status?: number;
  readonly message: string;
  readonly data: unknown;
}

/** A part without a schema: validation lets nothing through there (no query key, no params, an empty body). */
type Validated<S, K extends keyof RequestSchemas> = S extends { readonly [P in K]: infer Schema } ? SchemaType<Schema> : Readonly<Record<string, never>>;

/**
 * What validation hands the handler: typed from the route's schemas; the plain records of ValidatedRequest
 * for the type-erased table entry (RequestSchemas itself) that the router, access control and OpenAPI read.
 */
type TypedRequest<S extends RequestSchemas> = RequestSchemas extends S
  ? ValidatedRequest
  : { readonly params: Validated<S, 'params'>; readonly query: Validated<S, 'query'>; readonly body: Validated<S, 'body'> };

export type RouteInput<S extends RequestSchemas = RequestSchemas> = TypedRequest<S> & {
  readonly ctx: Context;
  readonly logger: Logger;
};

export interface RouteDefinition<S extends RequestSchemas = RequestSchemas> {
  readonly method: HttpMethod;
  /** Full path in @koa/router syntax, e.g. "/api/v1/containers/:container". */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly tag: string;
  /**
   * False only for the few routes that must work without a token (the OpenAPI document). 'optional':
   * answers without a token, but says more with a valid one (health); the handler reads
   * `requestState(ctx).authenticated`.
   */
  readonly auth: boolean | 'optional';
  /**
   * The weakest role a key needs (design.md §9), checked by the router before anything else runs:
   * viewer = reads; operator = snapshots, restore, copy, schedules, replicas; admin = keys, projects,
   * quotas, remotes, audit. A key with a weaker role gets 403 `forbidden` naming this role. (On routes
   * with `auth: false` nobody is asked for a key, so it only documents what the route is.)
   */
  readonly role: Role;
  /**
   * Only a key for every project may call it: host-wide things no project owns (copy datasets, metrics,
   * creating projects and setting quotas). A project's key gets 403 `forbidden`.
   */
  readonly allProjects?: boolean;
  /** The status of a success (200 unless said otherwise). */
  readonly successStatus?: number;
  readonly request: S;
  /** Schema of `data` in the success envelope. */
  readonly response: object;
  /** Statuses of the errors this operation can answer with, besides 400/401/500 which every route can. */
  readonly errorStatuses?: readonly number[];
  /**
   * A frozen `data` object the handler returns may come again with the same content (a cached page,
   * core/snapshot-list-cache.ts): the router then reuses the JSON it wrote for that object (with the same
   * status and message) instead of serializing it again. Other answers are serialized as usual and not
   * remembered.
   */
  readonly stableData?: boolean;
  /** Replies with something other than the JSON envelope (e.g. Prometheus text). */
  readonly raw?: { readonly contentType: string };
  // A method, not a function property: its parameter is compared both ways, so a typed entry
  // (RouteDefinition<S>) is also a plain RouteDefinition for the table.
  handle(input: RouteInput<S>): Promise<RouteResponse>;
}

/**
 * A table entry whose handler sees params, query and body typed from the schemas in `request` (after
 * validation and defaults), so no handler casts what the validator already guarantees.
 */
export function defineRoute<const S extends RequestSchemas>(route: RouteDefinition<S>): RouteDefinition;
// The one place where "validated against S" becomes "of type SchemaType<S>": the router only calls handle
// with what compileRequestValidator accepted for these very schemas (the overload above states it).
export function defineRoute(route: RouteDefinition): RouteDefinition {
  return route;
}
