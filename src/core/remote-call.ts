import { AppError } from '../errors/app-error.js';
import { ServiceUnavailableError } from '../errors/service-unavailable-error.js';

/**
 * A request-time call to a remote (a manifest read, a listing, a delete). A failure that is not already
 * an API error means the bucket could not be reached or answered oddly: 503 remote_unavailable with a
 * sentence for the client; the cause (S3 error, endpoint) goes to the log with the request id.
 */
export async function askRemote<T>(remoteId: string, what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new ServiceUnavailableError('remote_unavailable', `Remote ${remoteId} could not ${what}; check that the bucket is reachable (the service log has the details).`, {
      cause: error,
    });
  }
}
