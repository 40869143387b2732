import { request as httpRequest, type RequestOptions } from 'node:http';
import type { ErrorDetail } from '../errors/app-error.js';
import { CliFailure, ExitCode } from './exit-codes.js';

/**
 * The CLI's HTTP client. node:http rather than global fetch: Node 20's fetch cannot reach a unix socket
 * without the undici package's Agent, and node:http does both TCP and `socketPath` with no dependency.
 */
export interface ApiClientOptions {
  /** http://host:port or unix:/path/to.sock */
  readonly url: string;
  readonly token?: string;
  readonly timeoutMs?: number;
}

export interface ApiSuccess {
  readonly statusCode: number;
  readonly message: string;
  readonly data: unknown;
}

const DEFAULT_TIMEOUT_MS = 15 * 60 * 1000;

export class ApiClient {
  private readonly target: Pick<RequestOptions, 'socketPath' | 'host' | 'port'> & { basePath: string };

  constructor(private readonly options: ApiClientOptions) {
    this.target = parseTarget(options.url);
  }

  get url(): string {
    return this.options.url;
  }

  async call(method: string, path: string, body?: unknown): Promise<ApiSuccess> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (payload !== undefined) headers['content-type'] = 'application/json';
    if (this.options.token !== undefined) headers['authorization'] = `Bearer ${this.options.token}`;
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest(
        { ...this.target, path: `${this.target.basePath}${path}`, method, headers, timeout: this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => { resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }); });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${String(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS)} ms`)));
      req.on('error', reject);
      req.end(payload);
    }).catch((error: unknown) => {
      throw new CliFailure(ExitCode.cannotConnect, `cannot reach cowsnap at ${this.options.url}: ${(error as Error).message}`, [
        'Is the service running (cowsnap serve, cowsnap up)? Set --url or COWSNAP_URL if it listens elsewhere.',
      ]);
    });
    return toResult(status, text);
  }
}

function parseTarget(url: string): Pick<RequestOptions, 'socketPath' | 'host' | 'port'> & { basePath: string } {
  if (url.startsWith('unix:')) {
    const socketPath = url.slice('unix:'.length);
    if (!socketPath.startsWith('/')) throw new CliFailure(ExitCode.usage, `--url ${url}: the socket path must be absolute`);
    return { socketPath, basePath: '' };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliFailure(ExitCode.usage, `--url ${url} is not a URL (http://127.0.0.1:7878 or unix:/run/cowsnap.sock)`);
  }
  if (parsed.protocol !== 'http:') throw new CliFailure(ExitCode.usage, `--url ${url}: only http:// and unix: are supported`);
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port === '' ? 80 : Number(parsed.port),
    basePath: parsed.pathname.replace(/\/$/, ''),
  };
}

function toResult(status: number, text: string): ApiSuccess {
  let envelope: unknown;
  try {
    envelope = JSON.parse(text);
  } catch {
    throw new CliFailure(ExitCode.unexpected, `the service answered HTTP ${status} with something that is not JSON`, [text.slice(0, 500)]);
  }
  if (typeof envelope !== 'object' || envelope === null || typeof (envelope as { message?: unknown }).message !== 'string') {
    throw new CliFailure(ExitCode.unexpected, `the service answered HTTP ${status} without a cowsnap envelope`, [text.slice(0, 500)]);
  }
  const { message, data, error } = envelope as { message: string; data?: unknown; error?: { code?: unknown; details?: unknown } };
  if (status >= 200 && status < 300) return { statusCode: status, message, data: data ?? null };
  const details = Array.isArray(error?.details) ? (error.details as ErrorDetail[]) : [];
  const code = typeof error?.code === 'string' ? ` [${error.code}]` : '';
  throw new CliFailure(
    ExitCode.apiError,
    `${message} (HTTP ${status}${code})`,
    details.map((d) => (d.path === '' ? d.message : `${d.path}: ${d.message}`)),
  );
}
