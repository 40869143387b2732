/**
 * What a copy's name must be. It becomes three things: the Docker container name, the container's
 * hostname, and part of the cloned datasets' names (`cowsnap-copy-<name>-<n>`). The hostname is the
 * tightest of them: the kernel holds 64 bytes and a DNS label 63, so 63 it is. Checked before anything
 * is made, so a name that would fail halfway is a 400 instead.
 */
import type { ErrorDetail } from '../errors/app-error.js';

export const COPY_NAME_MAX_LENGTH = 63;

/** Docker's rule for container names, which also keeps the name safe inside a dataset name. */
export const COPY_NAME_PATTERN = '^[a-zA-Z0-9][a-zA-Z0-9_.-]+$';

/** Every problem with a copy's name, each at `path`; empty when it is fine. */
export function copyNameProblems(name: string, path = '/body/name'): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  if (name.length > COPY_NAME_MAX_LENGTH) {
    problems.push({ path, message: `is ${name.length} characters long; a copy's name is also its hostname, which holds at most ${COPY_NAME_MAX_LENGTH}` });
  }
  if (!new RegExp(COPY_NAME_PATTERN).test(name)) {
    problems.push({ path, message: 'must be a container name: at least 2 characters, letters, digits, "_", "." and "-", starting with a letter or digit' });
  }
  return problems;
}

/** The dataset a copy's `index`-th cloned pool mount gets (1-based; the caller picks a free one). */
export function copyDatasetName(copyName: string, index: number): string {
  return `cowsnap-copy-${copyName}-${index}`;
}
