/**
 * Runs jobs with the same key one after another, in arrival order; jobs with other keys run at once.
 * Unlike ContainerLocks it never answers "busy": the second job simply waits for the first, since it
 * wants the same result (two downloads of one replica chain) and the first one's work is then reused.
 * A failed job does not fail the ones behind it; a waiting job whose signal aborts leaves the queue.
 */
export class KeyedSerialQueue {
  /** The tail of each key's chain: settles when the last queued job has finished (either way). */
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, job: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    let finished: () => void = () => undefined;
    const mine = new Promise<void>((resolve) => {
      finished = resolve;
    });
    // Whoever comes next waits for everything before this job and for the job itself.
    const tail = before.then(() => mine);
    this.tails.set(key, tail);
    try {
      await waitUnlessAborted(before, signal);
      return await job();
    } finally {
      finished();
      // The last one out removes the key, so the map holds only keys with work queued.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

async function waitUnlessAborted(previous: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) {
    await previous;
    return;
  }
  signal.throwIfAborted();
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => {
      reject(signal.reason instanceof Error ? signal.reason : new Error('stopped while waiting'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([previous, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
