/**
 * What `cowsnap` exits with, so scripts can tell "the API said no" from "I typed it wrong" from
 * "the service is not there". Documented in `cowsnap --help` and the README.
 */
export const ExitCode = {
  ok: 0,
  /** The API answered with an error (its message and details are printed). */
  apiError: 1,
  /** Bad command line or bad configuration; nothing was sent. */
  usage: 2,
  /** The service could not be reached (not running, wrong --url, socket missing). */
  cannotConnect: 3,
  /** The service answered something that is not a cowsnap envelope, or the CLI itself failed. */
  unexpected: 4,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  the API reported an error (message and every detail printed)
  2  bad command line or configuration (nothing was sent)
  3  cannot connect to the service (not running, wrong --url)
  4  unexpected answer from the service or internal CLI failure`;

/** A failure that already knows its exit code and the lines to print on stderr. */
export class CliFailure extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    readonly detailLines: readonly string[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CliFailure';
  }
}
