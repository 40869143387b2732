/**
 * What a caller may use to name a container: a full id, a unique id prefix, or a name (with or without
 * Docker's leading "/"). Checked before anything reaches Docker, so a ref can never smuggle a path.
 */
import { ValidationError } from '../errors/validation-error.js';

/** Docker's own name rule (`[a-zA-Z0-9][a-zA-Z0-9_.-]+`); hex ids and prefixes fit it too. */
const REF_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const MAX_REF_LENGTH = 128;
const FULL_ID_PATTERN = /^[0-9a-f]{64}$/;

/** The ref without Docker's leading "/", or a ValidationError listing what is wrong with it. */
export function normalizeContainerRef(ref: string): string {
  const bare = ref.startsWith('/') ? ref.slice(1) : ref;
  const problems: string[] = [];
  if (bare.length === 0) problems.push('must not be empty');
  if (bare.length > MAX_REF_LENGTH) problems.push(`must be at most ${MAX_REF_LENGTH} characters`);
  if (bare.length > 0 && !REF_PATTERN.test(bare)) {
    problems.push('must be a container id, id prefix or name: letters, digits, "_", "." and "-", starting with a letter or digit');
  }
  if (problems.length > 0) {
    throw new ValidationError(problems.map((message) => ({ path: '/container', message: `"${ref}" ${message}` })));
  }
  return bare;
}

export function isFullContainerId(value: string): boolean {
  return FULL_ID_PATTERN.test(value);
}

export interface RefCandidate {
  readonly id: string;
  /** Names without the leading "/". */
  readonly names: readonly string[];
}

export type RefMatch<T extends RefCandidate> =
  | { readonly kind: 'none' }
  | { readonly kind: 'one'; readonly container: T }
  | { readonly kind: 'ambiguous'; readonly candidates: readonly T[] };

/**
 * Docker's own order: exact id, then exact name, then id prefix. A prefix matching several containers
 * is ambiguous — never guessed, since the caller may be about to restore or stop the container.
 */
export function matchContainerRef<T extends RefCandidate>(ref: string, containers: readonly T[]): RefMatch<T> {
  const bare = ref.startsWith('/') ? ref.slice(1) : ref;
  const byId = containers.find((c) => c.id === bare);
  if (byId !== undefined) return { kind: 'one', container: byId };
  const byName = containers.find((c) => c.names.includes(bare));
  if (byName !== undefined) return { kind: 'one', container: byName };
  const byPrefix = /^[0-9a-f]+$/.test(bare) ? containers.filter((c) => c.id.startsWith(bare)) : [];
  const [first, second] = byPrefix;
  if (first === undefined) return { kind: 'none' };
  if (second === undefined) return { kind: 'one', container: first };
  return { kind: 'ambiguous', candidates: byPrefix };
}

/** 400 ambiguous_container naming every candidate, so the caller can pick a longer prefix or the name. */
export function ambiguousRefError(ref: string, candidates: readonly RefCandidate[]): ValidationError {
  const listed = candidates.map((c) => `${c.id.slice(0, 12)} (${c.names[0] ?? 'unnamed'})`).join(', ');
  return new ValidationError(
    [{ path: '/container', message: `"${ref}" is an id prefix of ${candidates.length} containers: ${listed}; use a longer prefix or the name` }],
    'ambiguous_container',
  );
}
