import { execFile } from 'node:child_process';
import { CommandFailedError } from './errors.js';

export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /** Bytes written to the command's standard input. */
  readonly input?: string | Buffer;
  /** Kill the command after this long (default 10 minutes). */
  readonly timeoutMs?: number;
  /** Extra environment variables for this command. */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * The one way cowsnap runs external programs: execFile with an argv array, never a shell,
 * so nothing a user typed can become shell syntax. Failures carry command, args, exit code and stderr.
 */
export interface CommandRunner {
  run(command: string, args: readonly string[], options?: RunOptions): Promise<CommandResult>;
}

const DEFAULT_TIMEOUT_MS = 10 * 60 * 1000;
const MAX_BUFFER = 256 * 1024 * 1024;

export class ExecFileRunner implements CommandRunner {
  run(command: string, args: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
      const child = execFile(
        command,
        args,
        {
          encoding: 'utf8',
          maxBuffer: MAX_BUFFER,
          timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          env: { ...process.env, LC_ALL: 'C', ...options.env },
        },
        (error, stdout, stderr) => {
          if (error === null) {
            resolve({ stdout, stderr });
            return;
          }
          const exitCode = typeof error.code === 'number' ? error.code : null;
          // ENOENT and friends: the program itself is missing; say so in stderr's place.
          const why = stderr !== '' ? stderr : typeof error.code === 'string' ? `${error.code}: ${error.message}` : error.message;
          reject(new CommandFailedError(command, args, exitCode, why, error.signal ?? null));
        },
      );
      if (options.input !== undefined) child.stdin?.end(options.input);
      else child.stdin?.end();
    });
  }
}
