/** One user action against the API: running (for progress), its error (the API's words), or done. */
import { useState } from 'preact/hooks';
import { ApiError } from '../api/api-client.ts';

export interface Action<A extends unknown[]> {
  readonly busy: boolean;
  readonly error: ApiError | undefined;
  run(...args: A): Promise<void>;
}

export function useAction<A extends unknown[], R>(perform: (...args: A) => Promise<R>, onDone: (result: R) => void): Action<A> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  return {
    busy,
    error,
    async run(...args: A) {
      setBusy(true);
      setError(undefined);
      try {
        const result = await perform(...args);
        setBusy(false);
        onDone(result);
      } catch (failure) {
        setBusy(false);
        setError(failure instanceof ApiError ? failure : new ApiError(0, String(failure), 'unexpected', []));
      }
    },
  };
}
