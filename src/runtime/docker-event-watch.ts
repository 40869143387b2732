/**
 * Follows Docker's event stream for containers (GET /events, one JSON object per line) and reconnects
 * when it ends or fails (dockerd restarted), with a growing pause. Tells its owner when the stream is
 * connected, lost, and which container each event is about.
 */
import { createInterface } from 'node:readline';
import type Dockerode from 'dockerode';

export interface ContainerEventHandlers {
  connected(): void;
  lost(error: unknown): void;
  /** null: an event cowsnap could not read; whatever it was about must be treated as changed. */
  containerChanged(id: string | null): void;
}

export interface EventWatch {
  stop(): void;
}

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;

export function watchContainerEvents(docker: Dockerode, handlers: ContainerEventHandlers): EventWatch {
  let stopped = false;
  let stream: NodeJS.ReadableStream | undefined;
  let retryMs = FIRST_RETRY_MS;
  let timer: NodeJS.Timeout | undefined;

  const reconnectLater = (error: unknown): void => {
    stream = undefined;
    if (stopped) return;
    handlers.lost(error);
    timer = setTimeout(connect, retryMs);
    timer.unref();
    retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
  };

  function connect(): void {
    if (stopped) return;
    docker.getEvents({ filters: { type: ['container'] } }).then(
      (opened) => {
        if (stopped) {
          destroy(opened);
          return;
        }
        stream = opened;
        retryMs = FIRST_RETRY_MS;
        let ended = false;
        const end = (error: unknown): void => {
          if (ended) return;
          ended = true;
          reconnectLater(error);
        };
        opened.on('error', end);
        opened.on('end', () => { end(new Error('Docker closed the event stream')); });
        opened.on('close', () => { end(new Error('Docker closed the event stream')); });
        // readline passes its input's errors on as its own: without this listener, the "aborted" of a stream
        // dockerd cuts when it shuts down was an uncaught exception that ended the service.
        createInterface({ input: opened })
          .on('line', (line) => {
            if (line.trim() !== '') handlers.containerChanged(containerIdOf(line) ?? null);
          })
          .on('error', end);
        handlers.connected();
      },
      reconnectLater,
    );
  }

  connect();
  return {
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      if (stream !== undefined) destroy(stream);
    },
  };
}

function destroy(stream: NodeJS.ReadableStream): void {
  (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
}

/** The container id of one event line (Engine API: `id`, or `Actor.ID`); undefined for other lines. */
export function containerIdOf(line: string): string | undefined {
  try {
    const event = JSON.parse(line) as { id?: unknown; Actor?: { ID?: unknown } };
    const id = event.Actor?.ID ?? event.id;
    return typeof id === 'string' && id !== '' ? id : undefined;
  } catch {
    return undefined;
  }
}
