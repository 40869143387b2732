/**
 * sha256 of a stream, computed on a worker thread. On the 2-core machines cowsnap was measured on, the
 * plain stream's sha256 (OpenSSL, ~360 MiB/s per core without SHA extensions) cost as much main-thread
 * time as zstd; hashing beside the main thread lets the two run in parallel (bench/README.md, "Remote
 * pipeline").
 *
 * - One hashing thread for the process, started on first use and kept: starting a worker costs ~40 ms
 *   of CPU, which an incremental stream of a few MiB would notice. Concurrent streams share it, each
 *   with its own hash state. It keeps the process alive only while a stream is open.
 * - Bytes are copied into 1 MiB batches that travel to the worker and back and are then reused:
 *   allocating fresh ones let the worker's garbage (external memory its small heap rarely collects)
 *   grow RSS by hundreds of MiB per GiB.
 * - update() makes the caller wait while more than MAX_IN_FLIGHT bytes of its stream are queued, so
 *   memory stays bounded however slow the worker is.
 * - The worker is inline source using only node: built-ins, so it needs no file of its own next to a
 *   bundled or compiled service.
 */
import { Worker } from 'node:worker_threads';

const BATCH_BYTES = 1024 * 1024;
const MAX_IN_FLIGHT = 8 * BATCH_BYTES;

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = new Map();
parentPort.on('message', ({ id, batch, length, end, drop }) => {
  if (drop) {
    hashes.delete(id);
    return;
  }
  let hash = hashes.get(id);
  if (hash === undefined) hashes.set(id, (hash = createHash('sha256')));
  if (end) {
    hashes.delete(id);
    parentPort.postMessage({ id, digest: hash.digest('hex') });
    return;
  }
  hash.update(batch.subarray(0, length));
  parentPort.postMessage({ id, hashed: length, batch }, [batch.buffer]);
});
`;

type Batch = Uint8Array<ArrayBuffer>;
type WorkerReply = { id: number; hashed: number; batch: Batch } | { id: number; digest: string };

interface Session {
  onHashed(bytes: number, batch: Batch): void;
  onDigest(hex: string): void;
  onFailure(error: Error): void;
}

/** The process's hashing thread and the streams it serves. */
class HashingThread {
  private readonly worker = new Worker(WORKER_SOURCE, { eval: true });
  private readonly sessions = new Map<number, Session>();
  private nextId = 1;
  dead = false;

  constructor() {
    this.worker.on('message', (reply: WorkerReply) => {
      const session = this.sessions.get(reply.id);
      if ('digest' in reply) {
        this.close(reply.id);
        session?.onDigest(reply.digest);
      } else {
        session?.onHashed(reply.hashed, reply.batch);
      }
    });
    const fail = (error: Error): void => {
      this.dead = true;
      for (const session of this.sessions.values()) session.onFailure(error);
      this.sessions.clear();
      this.worker.unref();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', () => {
      fail(new Error('the sha256 worker thread exited'));
    });
  }

  open(session: Session): number {
    const id = this.nextId++;
    this.sessions.set(id, session);
    // Whoever awaits a digest may have nothing else keeping the event loop alive.
    this.worker.ref();
    return id;
  }

  post(id: number, message: { batch: Batch; length: number } | { end: true } | { drop: true }): void {
    if ('batch' in message) this.worker.postMessage({ id, ...message }, [message.batch.buffer]);
    else this.worker.postMessage({ id, ...message });
    if ('drop' in message) this.close(id);
  }

  private close(id: number): void {
    this.sessions.delete(id);
    // Idle between uploads: the thread must not keep the process alive on its own.
    if (this.sessions.size === 0) this.worker.unref();
  }
}

let thread: HashingThread | undefined;

function hashingThread(): HashingThread {
  if (thread === undefined || thread.dead) thread = new HashingThread();
  return thread;
}

export class OffThreadSha256 {
  private readonly thread = hashingThread();
  private readonly id: number;
  private batch: Batch = new Uint8Array(new ArrayBuffer(BATCH_BYTES));
  /** Batches back from the worker, ready to be filled again. */
  private readonly spare: Batch[] = [];
  private filled = 0;
  private inFlight = 0;
  private failure: Error | undefined;
  private wakeUp: (() => void) | undefined;
  private finished: { resolve: (digest: string) => void; reject: (error: Error) => void } | undefined;

  constructor() {
    this.id = this.thread.open({
      onHashed: (bytes, batch) => {
        this.inFlight -= bytes;
        this.spare.push(batch);
        this.wake();
      },
      onDigest: (hex) => this.finished?.resolve(hex),
      onFailure: (error) => {
        this.fail(error);
      },
    });
  }

  /** Resolves at once unless too much of this stream is queued for the worker; then when it has caught up. */
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

  /** The hex digest of everything passed to update(). */
  digest(): Promise<string> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.filled > 0) this.send();
    return new Promise((resolve, reject) => {
      this.finished = { resolve, reject };
      this.thread.post(this.id, { end: true });
    });
  }

  /** Gives up this stream (an upload stopped halfway); the thread stays for others. */
  destroy(): void {
    if (this.failure !== undefined) return;
    this.fail(new Error('the sha256 of this stream was given up'));
    this.thread.post(this.id, { drop: true });
  }

  private send(): void {
    this.thread.post(this.id, { batch: this.batch, length: this.filled });
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
