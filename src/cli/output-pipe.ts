import type { Writable } from 'node:stream';

/**
 * `cowsnap snapshots list | head` closes our stdout early; writing on then raises EPIPE, which Node
 * turns into an unhandled 'error' event and a stack trace. Like other Unix tools, end quietly: the
 * reader has what it wanted. Any other output error is real and still surfaces.
 */
export function endQuietlyWhenOutputCloses(output: Writable, exit: (code: number) => void = (code) => process.exit(code)): void {
  output.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') {
      exit(0);
      return;
    }
    throw error;
  });
}
