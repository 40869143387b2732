import { InvalidNameError } from './errors.js';

/**
 * Name rules shared by every driver. A name becomes part of a btrfs path or a ZFS dataset name and an
 * argv element of btrfs/zfs commands, so only a small, boring alphabet is allowed: it keeps `/` tricks,
 * `..`, `@` (ZFS snapshot separator), `#` (ZFS bookmark), whitespace, control characters and option-like
 * leading dashes out before any command runs.
 */

/** btrfs allows 255 bytes per path component and ZFS 255 for the whole name; leave room for the parent. */
export const MAX_NAME_LENGTH = 128;

const ALLOWED = /^[A-Za-z0-9_.:-]+$/;
// eslint-disable-next-line no-control-regex -- control characters are reported by their own rule
const ALREADY_REPORTED = /[\s/@\u0000-\u001f\u007f]/;

/** What is wrong with one name (a snapshot name or one component of a dataset path); empty when fine. */
export function nameProblems(label: string, name: string): string[] {
  const problems: string[] = [];
  if (name.length === 0) return [`${label} must not be empty`];
  if (name.length > MAX_NAME_LENGTH) {
    problems.push(`${label} is ${name.length} characters long; the limit is ${MAX_NAME_LENGTH}`);
  }
  if (name === '.' || name === '..') problems.push(`${label} must not be "." or ".."`);
  if (name.includes('/')) problems.push(`${label} must not contain "/"`);
  if (name.includes('@')) problems.push(`${label} must not contain "@"`);
  // eslint-disable-next-line no-control-regex -- control characters are exactly what we look for
  if (/[\u0000-\u001f\u007f]/.test(name)) problems.push(`${label} must not contain control characters`);
  if (/\s/.test(name)) problems.push(`${label} must not contain whitespace`);
  if (name.startsWith('-')) problems.push(`${label} must not start with "-" (it would read as a command option)`);
  if (name.startsWith('.') && name !== '.' && name !== '..') problems.push(`${label} must not start with "." (hidden names are reserved for cowsnap)`);
  // Code points are what a user sees as characters; the characters reported above are not repeated here.
  const others = [...new Set(Array.from(name).filter((ch) => !ALLOWED.test(ch) && !ALREADY_REPORTED.test(ch)))];
  if (others.length > 0) {
    problems.push(
      `${label} contains characters that are not allowed (${others.map((ch) => JSON.stringify(ch)).join(', ')}); ` +
        'use letters, digits, "_", "-", "." and ":"',
    );
  }
  return problems;
}

/** Throws one InvalidNameError listing every problem, or returns when there is none. */
export function assertNoProblems(problems: readonly string[]): void {
  if (problems.length === 0) return;
  throw new InvalidNameError(`invalid name: ${problems.join('; ')}`, problems);
}

/** Checks a snapshot name; throws InvalidNameError listing every problem. */
export function assertSnapshotName(name: string): void {
  assertNoProblems(nameProblems(`snapshot name ${JSON.stringify(name)}`, name));
}

/**
 * Checks the components of a dataset path relative to its pool (btrfs: path below the mount point;
 * zfs: name below the root dataset). `separator` is "/" for both today.
 */
export function relativeDatasetProblems(relative: string, separator = '/'): string[] {
  if (relative === '') return ['dataset must be inside the pool, not the pool itself'];
  const parts = relative.split(separator);
  return parts.flatMap((part, index) => nameProblems(`dataset path component ${index + 1} (${JSON.stringify(part)})`, part));
}
