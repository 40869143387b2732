import { AlreadyExistsError, BusyError, CommandFailedError, NoSpaceError, NotFoundError, StorageError } from './errors.js';

/**
 * Turns a failed command or file-system call into the typed storage error the layers above map by code.
 * Tools report errno only as text in stderr, so the text is matched here, once, and nowhere else.
 */
export function toStorageError(error: unknown, what: string): unknown {
  if (error instanceof StorageError && !(error instanceof CommandFailedError)) return error;
  // The program itself could not start (not installed): that is no missing dataset, keep the raw failure.
  if (error instanceof CommandFailedError && error.exitCode === null && error.signal === null) return error;
  const code = typeof error === 'object' && error !== null && 'code' in error ? (error).code : undefined;
  const text = error instanceof CommandFailedError ? error.stderr : error instanceof Error ? error.message : String(error);
  const options = { cause: error };
  if (code === 'ENOSPC' || code === 'EDQUOT' || /no space left|quota exceeded/i.test(text)) {
    return new NoSpaceError(`${what}: the pool is full (${firstLine(text)})`, options);
  }
  if (code === 'ENOENT' || /no such file or directory|does not exist|not found/i.test(text)) {
    return new NotFoundError(`${what}: not found (${firstLine(text)})`, options);
  }
  if (code === 'EEXIST' || /file exists|already exists/i.test(text)) {
    return new AlreadyExistsError(`${what}: already exists (${firstLine(text)})`, options);
  }
  if (code === 'EBUSY' || /device or resource busy|dataset is busy/i.test(text)) {
    return new BusyError(`${what}: busy (${firstLine(text)})`, options);
  }
  return error;
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

/** Runs `body` and rethrows any failure as a typed storage error. */
export async function mapErrors<T>(what: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    throw toStorageError(error, what);
  }
}
