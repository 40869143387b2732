import type { CommandRunner } from './command-runner.js';
import { CommandFailedError } from './errors.js';

/**
 * renameat2(2) with RENAME_EXCHANGE: swaps two paths in one atomic step, so a crash can never leave
 * either path missing. Node has no binding for it; perl (in every Debian base system) can make the raw
 * system call. The paths travel as argv, never inside the script.
 */
const RENAMEAT2_SYSCALL: Readonly<Partial<Record<NodeJS.Architecture, number>>> = {
  x64: 316,
  arm64: 276,
  riscv64: 276,
  ia32: 353,
  arm: 382,
  ppc64: 357,
  s390x: 347,
};

const AT_FDCWD = -100;
const RENAME_EXCHANGE = 2;

const SCRIPT = `my $r = syscall($ARGV[0], ${AT_FDCWD}, $ARGV[1], ${AT_FDCWD}, $ARGV[2], ${RENAME_EXCHANGE});
if ($r != 0) { print STDERR "renameat2: $!\\n"; exit(($!{EINVAL} || $!{ENOSYS} || $!{EXDEV}) ? 3 : 1); }`;

export class ExchangeUnsupportedError extends Error {}

/** Atomically swaps `a` and `b` (both must exist, on one filesystem). */
export async function exchangePaths(runner: CommandRunner, a: string, b: string): Promise<void> {
  const syscall = RENAMEAT2_SYSCALL[process.arch];
  if (syscall === undefined) throw new ExchangeUnsupportedError(`no renameat2 syscall number known for ${process.arch}`);
  try {
    await runner.run('perl', ['-e', SCRIPT, String(syscall), a, b]);
  } catch (error) {
    if (error instanceof CommandFailedError && error.exitCode === 3) {
      throw new ExchangeUnsupportedError(`the filesystem cannot exchange ${a} and ${b}: ${error.stderr.trim()}`);
    }
    throw error;
  }
}
