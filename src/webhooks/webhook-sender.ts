/**
 * Sends one webhook delivery: a POST with the JSON body, the signature, the event and delivery ids (for
 * the receiver's de-duplication: after a crash a delivery may come twice), within a time limit. Redirects
 * are not followed: a redirect could lead past the host allow-list.
 */
import type { SendRequest, SendResult, WebhookSenderPort } from '../core/webhooks/webhook-sender-port.js';
import { signatureHeader, SIGNATURE_HEADER } from './webhook-signature.js';

export class HttpWebhookSender implements WebhookSenderPort {
  constructor(
    private readonly timeoutMs: number,
    private readonly userAgent: string,
  ) {}

  async send(request: SendRequest): Promise<SendResult> {
    try {
      const response = await fetch(request.url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
        headers: {
          'content-type': 'application/json',
          'user-agent': this.userAgent,
          [SIGNATURE_HEADER]: signatureHeader(request.secret, request.body, Math.floor(Date.now() / 1000)),
          'x-cowsnap-event-id': request.eventId,
          'x-cowsnap-event-type': request.eventType,
          'x-cowsnap-delivery-id': String(request.deliveryId),
        },
        body: request.body,
      });
      // Drain it so the connection is released; what the receiver says is not kept.
      await response.body?.cancel().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
      return { ok: false, status: response.status, error: `the receiver answered HTTP ${String(response.status)}` };
    } catch (error) {
      return { ok: false, status: null, error: describe(error, this.timeoutMs) };
    }
  }
}

/** A sentence for the delivery's `last_error`: the receiver's URL is the operator's own, the cause is kept short. */
function describe(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `no answer within ${String(timeoutMs / 1000)} s`;
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = typeof cause === 'object' && cause !== null && 'code' in cause ? String((cause).code) : undefined;
  if (code !== undefined) return `cannot connect to the receiver (${code})`;
  return `the request failed: ${cause instanceof Error ? cause.message : String(cause)}`;
}
