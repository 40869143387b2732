import type { CowsnapConfig } from '../config/config.js';
import { ConfigError, formatProblem } from '../config/config-error.js';
import { loadConfig } from '../config/config-loader.js';
import { CliFailure, ExitCode } from './exit-codes.js';

/** loadConfig for commands that run the service: a bad config prints every problem and exits 2. */
export function loadConfigOrFail(file: string | undefined, env: NodeJS.ProcessEnv): CowsnapConfig {
  try {
    return loadConfig({ ...(file !== undefined ? { file } : {}), env });
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new CliFailure(ExitCode.usage, `invalid configuration (${error.problems.length} problems)`, error.problems.map(formatProblem));
    }
    throw error;
  }
}
