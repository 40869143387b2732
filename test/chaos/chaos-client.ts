import { TEST_ROOT } from '../support/scratch.js';
import type { Violations } from './violations.js';

export interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** The request never got an answer: `refused` = the service was not listening (nothing happened). */
export class NoAnswer extends Error {
  constructor(readonly refused: boolean, cause: unknown) {
    super(`no answer (${refused ? 'connection refused' : 'connection cut'})`, { cause });
  }
}

/** HTTP as a client would use it; every answer is checked for 5xx and every error for leaked host paths. */
export class ChaosClient {
  readonly statusCounts = new Map<number, number>();
  /** 503 is the documented answer while Docker is unreachable (the dockerd restart). */
  dockerDown = false;

  constructor(private readonly baseUrl: string, private readonly token: string, private readonly violations: Violations) {}

  async call(method: string, path: string, body?: unknown): Promise<Answer> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    const init: RequestInit = { method, headers, signal: AbortSignal.timeout(180_000) };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.baseUrl}/api/v1${path}`, init);
      text = await response.text();
    } catch (error) {
      if (error instanceof Error && error.name === 'TimeoutError') {
        this.violations.add('request-hung', `${method} ${path} got no answer in 180 s`);
      }
      const code = (error as { cause?: { code?: string } }).cause?.code;
      throw new NoAnswer(code === 'ECONNREFUSED', error);
    }
    this.statusCounts.set(response.status, (this.statusCounts.get(response.status) ?? 0) + 1);
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      parsed = { text };
    }
    const what = `${method} ${path} ${body === undefined ? '' : JSON.stringify(body)}`;
    if (response.status >= 500 && !(response.status === 503 && this.dockerDown) && response.status !== 507) {
      this.violations.add('5xx-answer', `${what} -> ${String(response.status)} ${text.slice(0, 400)}`);
    }
    // Snapshot and container objects name their datasets by design (§5); an error never names host paths.
    if (response.status >= 400 && text.includes(TEST_ROOT)) this.violations.add('host-path-leaked', `${what} -> ${String(response.status)} ${text.slice(0, 400)}`);
    return { status: response.status, body: parsed };
  }
}
