/** A minimal Server-Sent Events client over fetch, for tests: collects events, waits for one, closes. */
export interface SseEvent {
  readonly id: string | undefined;
  readonly data: Record<string, unknown>;
}

export interface SseClient {
  readonly events: SseEvent[];
  readonly status: number;
  readonly contentType: string | null;
  /** Heartbeat comments seen so far. */
  heartbeats(): number;
  /** Resolves when an event matching `predicate` has arrived (also one that arrived before the call). */
  waitFor(predicate: (event: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  close(): void;
}

export async function openSse(url: string, token: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const events: SseEvent[] = [];
  let heartbeats = 0;
  const waiters = new Set<() => void>();
  const body = response.body;
  if (response.ok && body !== null) {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of body) {
          buffer += decoder.decode(chunk as Uint8Array, { stream: true });
          let end = buffer.indexOf('\n\n');
          while (end >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let id: string | undefined;
            let data = '';
            for (const line of frame.split('\n')) {
              if (line.startsWith('id: ')) id = line.slice(4);
              else if (line.startsWith('data: ')) data += line.slice(6);
              else if (line === ': heartbeat') heartbeats += 1;
            }
            if (data !== '') events.push({ id, data: JSON.parse(data) as Record<string, unknown> });
            for (const wake of waiters) wake();
            end = buffer.indexOf('\n\n');
          }
        }
      } catch {
        // aborted by close()
      }
    })();
  }
  return {
    events,
    status: response.status,
    contentType: response.headers.get('content-type'),
    heartbeats: () => heartbeats,
    waitFor(predicate, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const found = events.find(predicate);
          if (found === undefined) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching event within ${String(timeoutMs)} ms; got ${JSON.stringify(events.map((e) => e.data['type']))}`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    close: () => {
      controller.abort();
    },
  };
}
