/**
 * Whatever a handler or middleware threw, as an AppError with a status and a stable code: the core's
 * public-error mapping, plus the HTTP library errors (unreadable body, too large, ...) that are the
 * client's fault. Unknown errors become a generic 500: their text may hold paths, commands or internals,
 * so it goes to the log only.
 */
import type { AppError } from '../errors/app-error.js';
import { ERROR_CODES, type ErrorCode } from '../errors/error-codes.js';
import { knownPublicError, toPublicError } from '../core/public-error.js';
import { HttpError } from './errors/http-error.js';

/** http-errors style errors (raw-body, co-body, koa's ctx.throw) that are the client's fault. */
const CLIENT_ERROR_CODES: Record<number, [ErrorCode, string]> = {
  400: ['bad_request', 'The request could not be read'],
  413: ['payload_too_large', 'The request body is too large'],
  415: ['unsupported_content_encoding', 'The request body uses an unsupported content encoding'],
};

function clientStatus(error: unknown): number | null {
  if (typeof error !== 'object' || error === null) return null;
  const { status, expose } = error as { status?: unknown; expose?: unknown };
  return typeof status === 'number' && status >= 400 && status < 500 && expose === true ? status : null;
}

export function toAppError(error: unknown): AppError {
  const known = knownPublicError(error);
  if (known !== null) return known;
  const status = clientStatus(error);
  if (status !== null) {
    // A status outside the table (411, 408, ...) answers 400: the code's own status, so the two never disagree.
    const [code, message] = CLIENT_ERROR_CODES[status] ?? ['bad_request', 'The request could not be processed'];
    return new HttpError(ERROR_CODES[code], code, `${message}: ${(error as Error).message}`);
  }
  return toPublicError(error);
}
