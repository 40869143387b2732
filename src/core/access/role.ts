/** The three roles of design.md §9, weakest first: each may do what the ones before it may. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;

export type Role = (typeof ROLES)[number];

export function roleAllows(held: Role, needed: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(needed);
}

/** A key for every project (the bootstrap token, or a key created with project "*"). */
export const ALL_PROJECTS = '*';

export const DEFAULT_PROJECT = 'default';

/** Project ids: lowercase letters, digits, "_" and "-", starting with a letter or digit, at most 63. */
export const PROJECT_ID_PATTERN = '^[a-z0-9][a-z0-9_-]{0,62}$';

/** The label that puts a container in a project when cowsnap first sees it. */
export const PROJECT_LABEL = 'cowsnap.project';
