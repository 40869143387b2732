/**
 * Live views: load now, again at once when an event the view cares about arrives on the session's event
 * stream (`reloadOn`), and every `intervalMs` while the tab is visible as the fallback (and at once when it
 * becomes visible again). `reload()` refreshes after an action. Responses that arrive out of order are dropped.
 */
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/api-client.ts';
import type { LiveEvent } from '../api/live-events.ts';
import { LiveEventsContext } from '../api/live-events-context.ts';

/** A burst of events (a schedule run, a restore of several filesystems) is one reload. */
const EVENT_SETTLE_MS = 150;

export interface Polled<T> {
  readonly data: T | undefined;
  readonly error: ApiError | undefined;
  readonly loading: boolean;
  reload(): void;
}

export function usePolling<T>(
  load: () => Promise<T>,
  deps: readonly unknown[],
  intervalMs = 4000,
  reloadOn?: (event: LiveEvent) => boolean,
): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const reloadOnRef = useRef(reloadOn);
  reloadOnRef.current = reloadOn;
  const live = useContext(LiveEventsContext);

  const run = useCallback(() => {
    const mine = ++generation.current;
    loadRef.current().then(
      (value) => {
        if (mine !== generation.current) return;
        setData(value);
        setError(undefined);
        setLoading(false);
      },
      (failure: unknown) => {
        if (mine !== generation.current) return;
        setError(failure instanceof ApiError ? failure : new ApiError(0, String(failure), 'unexpected', []));
        setLoading(false);
      },
    );
  }, []);

  useEffect(() => {
    setData(undefined);
    setLoading(true);
    run();
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') run();
    }, intervalMs);
    const onVisible = (): void => {
      if (document.visibilityState === 'visible') run();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      generation.current++;
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, deps);

  useEffect(() => {
    if (live === null || reloadOnRef.current === undefined) return undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const unsubscribe = live.subscribe((event) => {
      if (reloadOnRef.current?.(event) !== true) return;
      clearTimeout(timer);
      timer = setTimeout(run, EVENT_SETTLE_MS);
    });
    return () => {
      clearTimeout(timer);
      unsubscribe();
    };
  }, [live, run]);

  return { data, error, loading, reload: run };
}
