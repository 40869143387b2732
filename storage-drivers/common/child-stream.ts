import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { PassThrough, Readable } from 'node:stream';
import type { SendStream } from '../driver.js';
import { CommandFailedError } from './errors.js';

/**
 * Streams in and out of child processes (`btrfs send`, `zfs recv`, ...), for data too big to hold:
 * the runner's run() buffers output, these never do. Same rules as the runner otherwise: argv arrays,
 * never a shell, and failures carry command, args, exit code and stderr.
 */

/** stderr kept for the error message; a tool that chatters for hours must not grow memory. */
const MAX_STDERR_CHARS = 64 * 1024;

function childEnv(): NodeJS.ProcessEnv {
  return { ...process.env, LC_ALL: 'C' };
}

/** Collects the tail of a text stream, bounded. */
class BoundedText {
  private text = '';

  append(chunk: string): void {
    this.text += chunk;
    if (this.text.length > MAX_STDERR_CHARS) this.text = this.text.slice(-MAX_STDERR_CHARS);
  }

  toString(): string {
    return this.text;
  }
}

/**
 * The child's stdout as a stream. Back-pressure is the pipe's own: a consumer that stops reading
 * stops the child once the pipe buffer is full. A consumer that gives up (destroy()) stops the child
 * too, and `done` then rejects, as it does for any non-zero exit.
 */
export function spawnSendStream(command: string, args: readonly string[]): SendStream {
  const child = spawn(command, [...args], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr = new BoundedText();
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr.append(chunk);
  });
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (error) => {
      // The program could not start (ENOENT...): there will be no exit code.
      reject(new CommandFailedError(command, args, null, error.message));
    });
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new CommandFailedError(command, args, code, stderr.toString(), signal));
    });
  });
  // Whoever consumes the stream awaits `done`; until then a failure must not count as unhandled.
  done.catch(() => undefined);
  // Node resumes a child's stdout nobody listens to once the child exits, dropping what the pipe still
  // held: a short stream would arrive empty if its reader started late. Piping it on at once keeps it;
  // the pass-through holds only its own small buffer, so back-pressure still reaches the child.
  const stream = new PassThrough();
  child.stdout.pipe(stream);
  child.stdout.once('error', (error) => stream.destroy(error));
  let ended = false;
  stream.once('end', () => {
    ended = true;
  });
  stream.once('close', () => {
    // Closed before the end: the consumer gave up. Without this the sender would wait on a pipe nobody reads.
    if (!ended && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    child.stdout.destroy();
  });
  return { stream, done };
}

/**
 * Runs the command (stdin from `input` when given) and hands its stdout to `onLine` a line at a time,
 * never holding more than a line: for output that grows with the data (a diff's changed paths). When
 * `onLine` throws (a limit reached), the command and the input are stopped and the promise rejects with
 * that error; otherwise it settles when the command exits, rejecting on a non-zero exit. After a clean
 * exit, input the command left unread is drained: `input` must be finite.
 */
export function forEachOutputLine(command: string, args: readonly string[], onLine: (line: string) => void, input?: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { env: childEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    const stderr = new BoundedText();
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr.append(chunk);
    });
    let stopped: { error: unknown } | undefined;
    let spawnError: Error | undefined;
    const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
    lines.on('line', (line) => {
      if (stopped !== undefined) return;
      try {
        onLine(line);
      } catch (error) {
        stopped = { error };
        lines.close();
        child.kill('SIGTERM');
        input?.destroy();
      }
    });
    // EPIPE when the command quits before reading everything: its exit status (or `stopped`) says why.
    child.stdin.on('error', () => undefined);
    if (input === undefined) child.stdin.end();
    else {
      input.on('error', () => child.stdin.end());
      input.pipe(child.stdin);
    }
    child.once('error', (error) => {
      spawnError = error;
    });
    child.once('close', (code, signal) => {
      if (input !== undefined && !input.readableEnded) {
        input.unpipe(child.stdin);
        // A reader may finish at its input's own end marker (`btrfs receive --dump` stops at the send stream's END
        // command) while the writer is still exiting: the rest is drained so the writer ends normally.
        // Cutting it there would fail a diff that went well (seen under load in CI). Stopped or failed: cut.
        if (code === 0 && stopped === undefined && spawnError === undefined) input.resume();
        else input.destroy();
      }
      if (stopped !== undefined) reject(stopped.error instanceof Error ? stopped.error : new Error(String(stopped.error)));
      else if (spawnError !== undefined) reject(new CommandFailedError(command, args, null, spawnError.message));
      else if (code !== 0) reject(new CommandFailedError(command, args, code, stderr.toString(), signal));
      else resolve();
    });
  });
}

export interface StreamInResult {
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the command with `input` as its stdin and waits for it to exit. Rejects with the input's own
 * error when the input fails (after the child has exited: what it left behind is then final and can be
 * cleaned up), else with the command's failure. The child sees end-of-file when the input fails, never
 * a kill, so it undoes its own partial work where it can (zfs recv does).
 */
export function runWithInput(command: string, args: readonly string[], input: Readable): Promise<StreamInResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { env: childEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout = new BoundedText();
    const stderr = new BoundedText();
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout.append(chunk);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr.append(chunk);
    });
    let inputError: unknown;
    let spawnError: Error | undefined;
    const onInputError = (error: unknown): void => {
      inputError ??= error;
      child.stdin.end();
    };
    input.on('error', onInputError);
    // EPIPE when the child quits before reading everything: its exit status says why.
    child.stdin.on('error', () => undefined);
    child.once('error', (error) => {
      spawnError = error;
    });
    child.once('close', (code, signal) => {
      input.off('error', onInputError);
      // Failures of the input after this point change nothing; they must not crash the process either.
      input.on('error', () => undefined);
      input.unpipe(child.stdin);
      // The child is gone: whatever produces the input must stop too (a download, a sender).
      if (!input.readableEnded) input.destroy();
      if (inputError !== undefined) reject(inputError instanceof Error ? inputError : new Error('the input stream failed', { cause: inputError }));
      else if (spawnError !== undefined) reject(new CommandFailedError(command, args, null, spawnError.message));
      else if (code !== 0) reject(new CommandFailedError(command, args, code, stderr.toString(), signal));
      else resolve({ stdout: stdout.toString(), stderr: stderr.toString() });
    });
    if (input.errored !== null) onInputError(input.errored);
    else input.pipe(child.stdin);
  });
}

/**
 * Reads the first `size` bytes (fewer when the stream is shorter) and returns them with a stream of the
 * whole content, those bytes included, for a parser that must see a header before choosing what to run.
 * `observe` sees every chunk as it passes, head included. Reading stays on demand (back-pressure holds);
 * destroying `body` destroys `source`.
 */
export async function splitHead(
  source: Readable,
  size: number,
  observe: (chunk: Buffer) => void = () => undefined,
): Promise<{ head: Buffer; body: Readable }> {
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const chunks: Buffer[] = [];
  let length = 0;
  let finished = false;
  while (length < size) {
    const next = await iterator.next();
    if (next.done === true) {
      finished = true;
      break;
    }
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    chunks.push(chunk);
    length += chunk.length;
  }
  const buffered = Buffer.concat(chunks);
  async function* all(): AsyncGenerator<Buffer> {
    let complete = finished;
    try {
      if (buffered.length > 0) {
        observe(buffered);
        yield buffered;
      }
      while (!complete) {
        const next = await iterator.next();
        if (next.done === true) {
          complete = true;
          break;
        }
        const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
        observe(chunk);
        yield chunk;
      }
    } finally {
      // Stopped early (consumer gone or failed): let the source go as well.
      if (!complete) await iterator.return?.();
    }
  }
  return { head: buffered.subarray(0, size), body: Readable.from(all(), { objectMode: false }) };
}
