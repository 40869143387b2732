/**
 * A pipeline stage run by another program (the `zstd` tool): bytes written go to its stdin, its stdout
 * comes out. Its CPU is in its own process, so on a 2-core machine it runs beside Node's main thread
 * (encryption, HTTP) and the sha256 thread instead of in series with them (bench/README.md, "Replica push:
 * CPU spread over both cores").
 *
 * - The stage ends only when the program exited 0 after its output ended; any other exit, a signal, or a
 *   program that cannot be started fails the stream with a StageProcessError. Its message names the stage
 *   and the exit status only (it reaches API clients); argv and stderr stay in `detail` for the log.
 * - Destroying the stage (the pipeline failed elsewhere, the upload was cancelled) kills the program:
 *   nothing runs on after the stream is gone.
 * - Back-pressure both ways: a write completes when stdin accepted it, stdout pauses while our reader is full.
 *   Memory: 1 MiB on each side here, the pipes' 64 KiB, and the program's own (zstd -3 in its default
 *   asynchronous mode: a 2 MiB window and one ~8 MiB job of input, in its process, not Node's).
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { Duplex } from 'node:stream';
import type { Readable, Writable } from 'node:stream';

const STDERR_KEEP_BYTES = 2048;

export class StageProcessError extends Error {
  constructor(
    message: string,
    /** argv and stderr: for the log, never for a client. */
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StageProcessError';
  }
}

export class ChildProcessStage extends Duplex {
  private readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  private stderr = '';
  private exited = false;

  /** `what` names the stage in errors ("zstd compression"). */
  constructor(
    what: string,
    private readonly command: string,
    private readonly args: readonly string[],
  ) {
    // The readable side's buffer: what zstd produced and the next stage has not taken yet.
    super({ readableHighWaterMark: 1024 * 1024, writableHighWaterMark: 1024 * 1024 });
    this.child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (data: Buffer) => {
      if (!this.push(data)) this.child.stdout.pause();
    });
    this.child.stderr.on('data', (data: Buffer) => {
      this.stderr = (this.stderr + data.toString('utf8')).slice(-STDERR_KEEP_BYTES);
    });
    // EPIPE when the program died first: its exit status (reported on 'close') says more.
    this.child.stdin.on('error', () => undefined);
    this.child.on('error', (error) => {
      this.exited = true;
      this.destroy(new StageProcessError(`${what} could not be started (${(error as NodeJS.ErrnoException).code ?? 'error'})`, this.describe(), { cause: error }));
    });
    this.child.on('close', (code, signal) => {
      this.exited = true;
      if (this.destroyed) return;
      if (code === 0) {
        this.push(null);
        return;
      }
      const status = signal !== null ? `was killed by ${signal}` : `exited with code ${String(code)}`;
      this.destroy(new StageProcessError(`${what} failed: the ${command} process ${status}`, this.describe()));
    });
  }

  override _write(data: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.child.stdin.write(data)) callback();
    else {
      this.child.stdin.once('drain', () => {
        callback();
      });
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    // The exit status, not an EPIPE here, says whether the stage worked ('close' above).
    this.child.stdin.end(() => {
      callback();
    });
  }

  override _read(): void {
    this.child.stdout.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.exited) this.child.kill('SIGKILL');
    this.child.stdout.destroy();
    this.child.stdin.destroy();
    callback(error);
  }

  /** The program's pid while it runs (tests check it is gone after a failure). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  private describe(): string {
    return `argv ${JSON.stringify([this.command, ...this.args])}; stderr: ${this.stderr.trim() || '(empty)'}`;
  }
}
