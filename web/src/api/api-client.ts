/**
 * The console's only way to cowsnap: the public REST API under /api/v1 with the signed-in token, exactly
 * as a script would call it. Errors keep the API's message, code and every detail for the user to read.
 */
import type { ErrorDetail } from './api-types.ts';

export const API_BASE = '/api/v1';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string,
    readonly details: readonly ErrorDetail[],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

interface ErrorEnvelope {
  message?: unknown;
  error?: { code?: unknown; details?: unknown };
}

/** An error envelope (or anything else a proxy may answer with) as an ApiError. */
export function toApiError(status: number, body: unknown): ApiError {
  const envelope = (typeof body === 'object' && body !== null ? body : {}) as ErrorEnvelope;
  const message = typeof envelope.message === 'string' ? envelope.message : `The server answered ${status} without an explanation.`;
  const code = typeof envelope.error?.code === 'string' ? envelope.error.code : `http_${status}`;
  const details = Array.isArray(envelope.error?.details)
    ? (envelope.error.details as unknown[]).filter(
        (d): d is ErrorDetail => typeof d === 'object' && d !== null && typeof (d as ErrorDetail).message === 'string',
      )
    : [];
  return new ApiError(status, message, code, details);
}

export interface ApiReply<T> {
  readonly message: string;
  readonly data: T;
}

export type UnauthorizedHandler = (error: ApiError) => void;

export class ApiClient {
  constructor(
    private readonly token: string,
    private readonly onUnauthorized: UnauthorizedHandler = () => undefined,
    private readonly fetcher: typeof fetch = (input, init) => fetch(input, init),
  ) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<ApiReply<T>> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}`, accept: 'application/json' };
    const init: RequestInit = { method, headers };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response: Response;
    try {
      response = await this.fetcher(`${API_BASE}${path}`, init);
    } catch {
      throw new ApiError(0, 'cowsnap cannot be reached: is the service running?', 'unreachable', []);
    }
    const parsed: unknown = await response.json().catch(() => undefined);
    if (!response.ok) {
      const error = toApiError(response.status, parsed);
      if (response.status === 401) this.onUnauthorized(error);
      throw error;
    }
    const envelope = (parsed ?? {}) as { message?: string; data?: T };
    return { message: envelope.message ?? '', data: envelope.data as T };
  }

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path).then((reply) => reply.data);
  }
}

/** A path segment for a container or snapshot reference (names, aliases with spaces, ...). */
export function segment(value: string): string {
  return encodeURIComponent(value);
}
