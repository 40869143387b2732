/** What the delivery worker needs from the HTTP adapter (src/webhooks/webhook-sender.ts). */
export interface SendRequest {
  readonly url: string;
  readonly body: string;
  readonly secret: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly deliveryId: number;
}

export type SendResult = { readonly ok: true; readonly status: number } | { readonly ok: false; readonly status: number | null; readonly error: string };

export interface WebhookSenderPort {
  send(request: SendRequest): Promise<SendResult>;
}
