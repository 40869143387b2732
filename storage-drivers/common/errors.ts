/**
 * Typed storage errors. The layers above map them by `code`, never by message text.
 */
export type StorageErrorCode =
  | 'not_found'
  | 'already_exists'
  | 'busy'
  | 'no_space'
  | 'unsupported'
  | 'nested_datasets'
  | 'invalid_name'
  | 'invalid_stream'
  | 'too_many_changes'
  | 'command_failed';

export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class NotFoundError extends StorageError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('not_found', message, options);
  }
}

export class AlreadyExistsError extends StorageError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('already_exists', message, options);
  }
}

export class BusyError extends StorageError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('busy', message, options);
  }
}

export class NoSpaceError extends StorageError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('no_space', message, options);
  }
}

/**
 * A diff found more changed paths than its caller allows (`DiffOptions.maxEntries`): stopped there, so a
 * container that rewrote millions of files cannot make the service hold them all.
 */
export class TooManyChangesError extends StorageError {
  constructor(
    readonly limit: number,
    message = `more than ${String(limit)} paths changed`,
  ) {
    super('too_many_changes', message);
  }
}

export class UnsupportedError extends StorageError {
  constructor(message: string) {
    super('unsupported', message);
  }
}

/**
 * Software the driver needs is not installed on the host (a library, a command). `missing` names it the way
 * an operator installs it ("libbtrfsutil1") and may be shown to clients; the message keeps the loader's or
 * spawn's own text (which can name host paths) for the log.
 */
export class MissingSoftwareError extends StorageError {
  constructor(
    readonly missing: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('unsupported', message, options);
  }
}

/**
 * The dataset holds datasets nested in it (btrfs subvolumes, ZFS child datasets) that this operation
 * cannot capture. `relativePaths` are relative to the dataset's root, so they can be shown to clients.
 */
export class NestedDatasetsError extends StorageError {
  constructor(
    message: string,
    readonly relativePaths: readonly string[],
  ) {
    super('nested_datasets', message);
  }
}

export class InvalidNameError extends StorageError {
  constructor(
    message: string,
    readonly problems: readonly string[],
  ) {
    super('invalid_name', message);
  }
}

/** A replication stream that is no stream of this driver, was cut, or does not fit onto this pool. */
export class InvalidStreamError extends StorageError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('invalid_stream', message, options);
  }
}

/** An external command exited non-zero (or could not start). Keeps everything needed to debug it. */
export class CommandFailedError extends StorageError {
  constructor(
    readonly command: string,
    readonly args: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
    readonly signal: string | null = null,
  ) {
    const how = signal !== null ? `killed by ${signal}` : `exit code ${String(exitCode)}`;
    super('command_failed', `${command} ${args.join(' ')} failed (${how}): ${stderr.trim() || '(no stderr)'}`);
  }
}
