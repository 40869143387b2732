import { execFile, spawn } from 'node:child_process';
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

/** One stage of a pipeline: a program and its argv. */
export interface PipelineStage {
  readonly command: string;
  readonly args: readonly string[];
}

/**
 * The one way cowsnap runs external programs: execFile with an argv array, never a shell,
 * so nothing a user typed can become shell syntax. Failures carry command, args, exit code and stderr.
 */
export interface CommandRunner {
  run(command: string, args: readonly string[], options?: RunOptions): Promise<CommandResult>;
  /** `a | b | c` without a shell; fails if any stage fails. Returns the last stage's output. */
  pipeline(stages: readonly PipelineStage[], options?: RunOptions): Promise<CommandResult>;
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

  pipeline(stages: readonly PipelineStage[], options: RunOptions = {}): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
      if (stages.length === 0) {
        reject(new Error('pipeline needs at least one stage'));
        return;
      }
      const env = { ...process.env, LC_ALL: 'C', ...options.env };
      const children = stages.map((stage) =>
        spawn(stage.command, [...stage.args], { env, stdio: ['pipe', 'pipe', 'pipe'] }),
      );
      const stderrs: string[] = children.map(() => '');
      let stdout = '';
      let failed = false;
      let finished = 0;
      const timer = setTimeout(() => {
        for (const child of children) child.kill('SIGKILL');
      }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);

      const fail = (error: CommandFailedError): void => {
        if (failed) return;
        failed = true;
        clearTimeout(timer);
        for (const child of children) child.kill('SIGKILL');
        reject(error);
      };

      children.forEach((child, index) => {
        const stage = stages[index];
        if (stage === undefined) return;
        const next = children[index + 1];
        if (next !== undefined) {
          child.stdout.pipe(next.stdin);
          // The reader may exit first (EPIPE); its own exit status tells the story.
          next.stdin.on('error', () => undefined);
        } else {
          child.stdout.setEncoding('utf8');
          child.stdout.on('data', (chunk: string) => (stdout += chunk));
        }
        child.stderr.setEncoding('utf8');
        child.stderr.on('data', (chunk: string) => {
          stderrs[index] = (stderrs[index] ?? '') + chunk;
        });
        child.on('error', (error) => {
          fail(new CommandFailedError(stage.command, stage.args, null, error.message));
        });
        child.on('close', (code, signal) => {
          if (code !== 0 && !failed) {
            fail(new CommandFailedError(stage.command, stage.args, code, stderrs[index] ?? '', signal));
            return;
          }
          finished += 1;
          if (finished === children.length && !failed) {
            clearTimeout(timer);
            resolve({ stdout, stderr: stderrs.join('') });
          }
        });
      });
      const first = children[0];
      if (options.input !== undefined) first?.stdin.end(options.input);
      else first?.stdin.end();
    });
  }
}
