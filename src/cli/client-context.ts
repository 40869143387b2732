import type { Command } from 'commander';
import type { CowsnapConfig } from '../config/config.js';
import { ConfigError, formatProblem } from '../config/config-error.js';
import { loadConfig } from '../config/config-loader.js';
import { listenUrl } from '../config/listen-address.js';
import { readToken } from '../config/token-file.js';
import { ApiClient, type ApiSuccess } from './api-client.js';
import type { CliIo } from './cli-io.js';
import { CliFailure, ExitCode } from './exit-codes.js';

export interface GlobalOptions {
  readonly url?: string;
  readonly token?: string;
  readonly json?: boolean;
  readonly config?: string;
}

/** What every client command gets: the API client (built on first use) and how to print results. */
export class ClientContext {
  private client: ApiClient | undefined;

  constructor(
    readonly io: CliIo,
    private readonly command: Command,
  ) {}

  get options(): GlobalOptions {
    return this.command.optsWithGlobals<GlobalOptions>();
  }

  get json(): boolean {
    return this.options.json === true;
  }

  async call(method: string, path: string, body?: unknown): Promise<ApiSuccess> {
    this.client ??= await createClient(this.options, this.io.env);
    return this.client.call(method, path, body);
  }

  /** --json: the API's `data` for scripts; otherwise the human rendering. */
  print(result: ApiSuccess, human: (data: unknown) => string): void {
    this.io.stdout(this.json ? `${JSON.stringify(result.data, null, 2)}\n` : human(result.data));
  }
}

/**
 * URL: --url, COWSNAP_URL, then the configured listen address. Token: --token, COWSNAP_TOKEN, the
 * configured token, then the token file (read, never created: creating it is the service's job).
 * The config is read only when a flag or variable leaves something open.
 */
export async function createClient(options: GlobalOptions, env: NodeJS.ProcessEnv): Promise<ApiClient> {
  let url = options.url ?? nonEmpty(env['COWSNAP_URL']);
  let token = options.token ?? nonEmpty(env['COWSNAP_TOKEN']);
  if (url === undefined || token === undefined) {
    const config = loadClientConfig(options, env);
    url ??= listenUrl(config.listen);
    token ??= config.token ?? (await tokenFromFile(config.tokenFile));
  }
  return new ApiClient({ url, ...(token !== undefined ? { token } : {}) });
}

function loadClientConfig(options: GlobalOptions, env: NodeJS.ProcessEnv): CowsnapConfig {
  try {
    return loadConfig({ ...(options.config !== undefined ? { file: options.config } : {}), env });
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new CliFailure(ExitCode.usage, 'cannot work out where the service is: the configuration is invalid', error.problems.map(formatProblem));
    }
    throw error;
  }
}

async function tokenFromFile(path: string): Promise<string | undefined> {
  try {
    return await readToken(path);
  } catch (error) {
    // Not fatal: the request goes out without a token and the API's 401 explains what is needed.
    if ((error as NodeJS.ErrnoException).code === 'EACCES') return undefined;
    throw new CliFailure(ExitCode.usage, (error as Error).message);
  }
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text === '' ? undefined : text;
}
