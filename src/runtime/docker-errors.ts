/**
 * dockerode failures → the API's errors. Docker answers with an HTTP status and a JSON message; a daemon
 * that is down shows up as a socket error (ECONNREFUSED, ENOENT for a missing socket file).
 */
import { AppError } from '../errors/app-error.js';
import { ConflictError } from '../errors/conflict-error.js';
import { InternalError } from '../errors/internal-error.js';
import { NotFoundError } from '../errors/not-found-error.js';
import { ServiceUnavailableError } from '../errors/service-unavailable-error.js';
import { ValidationError } from '../errors/validation-error.js';
import { withoutHostPaths } from '../core/public-error.js';

export { withoutHostPaths };

/** Socket-level error codes that mean "nobody answers at the Docker socket". */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND']);

export interface DockerFailure {
  /** HTTP status from the daemon, undefined when the request never got an answer. */
  readonly statusCode: number | undefined;
  /** The daemon's own message (its JSON `message`), or the socket error's message. */
  readonly message: string;
  /** errno-style code of a socket error (ECONNREFUSED, ...). */
  readonly code: string | undefined;
}

/** Reads what dockerode (docker-modem) puts on its errors: statusCode, json.message, reason, code. */
export function describeDockerFailure(error: unknown): DockerFailure {
  if (typeof error !== 'object' || error === null) return { statusCode: undefined, message: typeof error === 'string' ? error : 'unknown error', code: undefined };
  const e = error as { statusCode?: unknown; json?: unknown; reason?: unknown; message?: unknown; code?: unknown };
  const statusCode = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const code = typeof e.code === 'string' ? e.code : undefined;
  let message = typeof e.message === 'string' ? e.message : 'unknown error';
  if (typeof e.json === 'object' && e.json !== null && typeof (e.json as { message?: unknown }).message === 'string') {
    message = (e.json as { message: string }).message;
  } else if (Buffer.isBuffer(e.json) || typeof e.json === 'string') {
    // docker-modem leaves a non-JSON body as a string/Buffer; Docker's body is still usually JSON.
    const text = String(e.json);
    try {
      const parsed = JSON.parse(text) as { message?: unknown };
      if (typeof parsed.message === 'string') message = parsed.message;
    } catch {
      if (text.trim() !== '') message = text.trim();
    }
  }
  return { statusCode, message: message.trim(), code };
}

/**
 * What dockerd answers while it shuts down or restarts: its connection to containerd is already gone, so
 * a request in flight gets a 500 (or the socket closes under it) saying so. These sentences are gRPC's
 * and containerd's own, not Docker's opinion of the request; retried once dockerd is back, the request
 * works. Kept narrow on purpose: any other 500 is Docker's own failure and stays docker_failed.
 */
const SHUTTING_DOWN_MESSAGES = [
  /grpc: the client connection is closing/i,
  /transport is closing/i,
  /error reading from server: EOF/i,
  /connection error: desc = "transport/i,
  /dial unix [^ ]*containerd\.sock: connect: (connection refused|no such file or directory)/i,
  /the daemon is shutting down/i,
];

/** The request got no answer because nobody listens at the socket, or the socket closed under it. */
function isUnreachable(failure: DockerFailure): boolean {
  if (failure.statusCode !== undefined) return false;
  if (failure.code !== undefined && UNREACHABLE_CODES.has(failure.code)) return true;
  // docker-modem's "socket hang up" carries ECONNRESET; an aborted HTTP parse carries none.
  return /socket hang up/i.test(failure.message);
}

/** Docker is going away or coming back: retrying once it answers again is the cure. */
function isShuttingDown(failure: DockerFailure): boolean {
  return (failure.statusCode === undefined || failure.statusCode >= 500) && SHUTTING_DOWN_MESSAGES.some((pattern) => pattern.test(failure.message));
}

export function isDockerUnreachable(error: unknown): boolean {
  const failure = describeDockerFailure(error);
  return isUnreachable(failure) || isShuttingDown(failure);
}

/** True for the 503 docker_unavailable this module maps an unreachable or departing Docker to. */
export function isDockerUnavailableError(error: unknown): boolean {
  return error instanceof AppError && error.code === 'docker_unavailable';
}

export interface DockerErrorContext {
  /** What we were doing, for the message: "stop container web", "inspect container abc". */
  readonly action: string;
  /** The container reference the caller gave, for the 404 message. */
  readonly container?: string;
  /** Where the daemon should be, for the 503 message. */
  readonly socket?: string;
}

/**
 * One place that decides what a Docker failure means to the caller:
 * unreachable or shutting down (see SHUTTING_DOWN_MESSAGES) → 503 docker_unavailable, 404 → container_not_found (or not_found for non-container
 * requests), 409 → 409 conflict, 400 → 400, anything else → 500 docker_failed (Docker's message in the log).
 */
export function mapDockerError(error: unknown, context: DockerErrorContext): AppError {
  if (error instanceof AppError) return error;
  const failure = describeDockerFailure(error);
  if (isUnreachable(failure)) {
    // The socket path is the host's business: it stays in the cause, which the log prints.
    return new ServiceUnavailableError(
      'docker_unavailable',
      `Docker is not reachable (${failure.code ?? 'connection closed'}) while trying to ${context.action}; is dockerd running?`,
      { cause: error },
    );
  }
  if (isShuttingDown(failure)) {
    return new ServiceUnavailableError(
      'docker_unavailable',
      `Docker is shutting down or restarting and could not ${context.action}; try again once it is back.`,
      { cause: error },
    );
  }
  // Docker's 4xx sentences are about the request (a name taken, a container not running) and help the
  // caller, less any host path in them; a 5xx is Docker's own failure: the log gets it, the client a sentence.
  const said = withoutHostPaths(failure.message);
  switch (failure.statusCode) {
    case 404:
      return context.container !== undefined
        ? new NotFoundError('container_not_found', `No container "${context.container}" in Docker (${context.action}: ${said}).`, { cause: error })
        : new NotFoundError('not_found', `Docker could not ${context.action}: ${said}`, { cause: error });
    case 409:
      return new ConflictError('docker_conflict', `Docker refused to ${context.action}: ${said}`, { cause: error });
    case 400:
      return new ValidationError([{ path: '', message: `Docker refused to ${context.action}: ${said}` }], 'docker_rejected');
    default:
      return new InternalError('docker_failed', `Docker failed to ${context.action}. The server log has the details (search for the request id).`, { cause: error });
  }
}
