/**
 * sha256 of a stream, computed on a worker thread. On the 2-core machines cowsnap was measured on, the
 * plain stream's sha256 (OpenSSL, ~360 MiB/s per core without SHA extensions) cost as much main-thread
 * time as zstd; hashing beside the main thread lets the two run in parallel (bench/README.md, "Remote
 * pipeline"). Bytes are copied into 1 MiB batches that are transferred to the worker and back, then
 * reused: allocating fresh ones let the worker's garbage (external memory its small heap rarely
 * collects) grow RSS by hundreds of MiB per GiB. update() makes the caller wait while more than
 * MAX_IN_FLIGHT bytes are queued, so memory stays bounded however slow the worker is.
 *
 * The worker is inline source using only node: built-ins, so it needs no file of its own next to a
 * bundled or compiled service.
 */
import { Worker } from 'node:worker_threads';

const BATCH_BYTES = 1024 * 1024;
const MAX_IN_FLIGHT = 8 * BATCH_BYTES;

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hash = createHash('sha256');
parentPort.on('message', (message) => {
  if (message === 'end') {
    parentPort.postMessage({ digest: hash.digest('hex') });
    return;
  }
  hash.update(message.batch.subarray(0, message.length));
  parentPort.postMessage({ hashed: message.length, batch: message.batch }, [message.batch.buffer]);
});
`;

type WorkerReply = { hashed: number; batch: Uint8Array<ArrayBuffer> } | { digest: string };

export class OffThreadSha256 {
  private readonly worker = new Worker(WORKER_SOURCE, { eval: true });
  private batch = new Uint8Array(new ArrayBuffer(BATCH_BYTES));
  /** Batches back from the worker, ready to be filled again. */
  private readonly spare: Uint8Array<ArrayBuffer>[] = [];
  private filled = 0;
  private inFlight = 0;
  private failure: Error | undefined;
  private wakeUp: (() => void) | undefined;
  private finished: { resolve: (digest: string) => void; reject: (error: Error) => void } | undefined;

  constructor() {
    // The worker must never keep the process alive on its own (a destroyed upload, a crash path).
    this.worker.unref();
    this.worker.on('message', (reply: WorkerReply) => {
      if ('digest' in reply) {
        this.finished?.resolve(reply.digest);
        void this.worker.terminate();
        return;
      }
      this.inFlight -= reply.hashed;
      this.spare.push(reply.batch);
      this.wake();
    });
    this.worker.on('error', (error) => {
      this.fail(error);
    });
    this.worker.on('exit', () => {
      this.fail(new Error('the sha256 worker thread exited early'));
    });
  }

  /** Resolves at once unless too much is queued for the worker; then when it has caught up. */
  update(data: Buffer): Promise<void> {
    let offset = 0;
    while (offset < data.length) {
      const copied = data.copy(this.batch, this.filled, offset);
      this.filled += copied;
      offset += copied;
      if (this.filled === BATCH_BYTES) this.send();
    }
    return this.room();
  }

  /** The hex digest of everything passed to update(); the worker ends afterwards. */
  digest(): Promise<string> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.filled > 0) this.send();
    return new Promise((resolve, reject) => {
      this.finished = { resolve, reject };
      this.worker.postMessage('end');
    });
  }

  /** Stops the worker (an upload given up halfway). */
  destroy(): void {
    this.fail(new Error('the sha256 worker was stopped'));
    void this.worker.terminate();
  }

  private send(): void {
    this.worker.postMessage({ batch: this.batch, length: this.filled }, [this.batch.buffer]);
    this.inFlight += this.filled;
    this.batch = this.spare.pop() ?? new Uint8Array(new ArrayBuffer(BATCH_BYTES));
    this.filled = 0;
  }

  private room(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.inFlight <= MAX_IN_FLIGHT) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.wakeUp = () => {
        if (this.failure !== undefined) reject(this.failure);
        else resolve();
      };
    });
  }

  private wake(): void {
    if (this.wakeUp === undefined || (this.failure === undefined && this.inFlight > MAX_IN_FLIGHT)) return;
    const wakeUp = this.wakeUp;
    this.wakeUp = undefined;
    wakeUp();
  }

  private fail(error: Error): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    this.finished?.reject(error);
    this.wake();
  }
}
