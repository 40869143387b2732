/**
 * Graceful shutdown needs two things Node's `server.close()` does not give:
 * - a keep-alive client may keep sending requests on its open connection while the server drains; those
 *   get 503 `shutting_down` with `Connection: close` (a script retries them against the next process);
 * - a handler keeps running after its socket is cut off at the end of the grace period, so the database
 *   may be closed only once every handler has returned (else a running create fails half-way on a closed
 *   database instead of finishing its journaled step).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export class InFlightRequests {
  private readonly running = new Set<Promise<void>>();
  private closing = false;

  /** Wraps the app's handler: counts each request and refuses new ones once shutdown began. */
  wrap(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>): (req: IncomingMessage, res: ServerResponse) => void {
    return (req, res) => {
      if (this.closing) {
        refuse(res);
        return;
      }
      const run = handler(req, res).finally(() => {
        this.running.delete(run);
      });
      this.running.add(run);
    };
  }

  /** From now on requests are refused. */
  beginShutdown(): void {
    this.closing = true;
  }

  get count(): number {
    return this.running.size;
  }

  /** Resolves when every handler that started has returned, or after `maxMs`; true if all returned. */
  async settled(maxMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => {
        resolve(false);
      }, maxMs);
    });
    const all = Promise.allSettled([...this.running]).then(() => true);
    try {
      return await Promise.race([all, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function refuse(res: ServerResponse): void {
  const body = JSON.stringify({
    statusCode: 503,
    message: 'cowsnap is shutting down; send the request again in a moment.',
    error: { code: 'shutting_down', details: [] },
  });
  res.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close', 'retry-after': '1' });
  res.end(body);
}
