import { TEST_TOKEN } from '../../test/support/cowsnap-service.js';
import type { DistService } from './dist-service.js';

/**
 * One request to a bench service with the test token: the envelope's `data` for a JSON answer, the text
 * otherwise (`/metrics`, which is served beside `/api/v1`). Throws on any status ≥ 300, with the answer's start.
 */
export async function callService(service: DistService, method: string, path: string, body?: unknown): Promise<unknown> {
  const url = path.startsWith('/metrics') ? `${service.base.replace(/\/api\/v1$/, '')}${path}` : `${service.base}${path}`;
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${TEST_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path}: ${String(response.status)} ${text.slice(0, 300)}`);
  return response.headers.get('content-type')?.includes('json') === true ? (JSON.parse(text) as { data: unknown }).data : text;
}
