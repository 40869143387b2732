/**
 * One table entry per API operation. The router is built from these, the validators are compiled from
 * their schemas, and the OpenAPI document is generated from the same entries, so the three cannot drift.
 */
import type { Context } from 'koa';
import type { Logger } from 'pino';
import type { Role } from '../core/access/role.js';
import type { RequestSchemas, ValidatedRequest } from './validation.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What a handler returns; the app wraps it in the envelope. */
export interface RouteResponse {
  readonly status?: number;
  readonly message: string;
  readonly data: unknown;
}

export interface RouteInput extends ValidatedRequest {
  readonly ctx: Context;
  readonly logger: Logger;
}

export interface RouteDefinition {
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
  readonly request: RequestSchemas;
  /** Schema of `data` in the success envelope. */
  readonly response: object;
  /** Statuses of the errors this operation can answer with, besides 400/401/500 which every route can. */
  readonly errorStatuses?: readonly number[];
  /** Replies with something other than the JSON envelope (e.g. Prometheus text). */
  readonly raw?: { readonly contentType: string };
  readonly handle: (input: RouteInput) => Promise<RouteResponse>;
}
