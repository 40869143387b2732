/** The kinds of caller the access matrix tries on every route, and what each should get. */
export type RoleName = 'viewer' | 'operator' | 'admin';

export const KEY_KINDS = ['none', 'viewer', 'operator', 'admin', 'otherProject', 'revoked', 'expired'] as const;
export type KeyKind = (typeof KEY_KINDS)[number];

/** viewer and operator keys are of project alpha; admin is for all projects; otherProject is beta's admin. */
const HELD: Partial<Record<KeyKind, { role: RoleName; allProjects: boolean }>> = {
  viewer: { role: 'viewer', allProjects: false },
  operator: { role: 'operator', allProjects: false },
  admin: { role: 'admin', allProjects: true },
};

const RANK: Record<RoleName, number> = { viewer: 0, operator: 1, admin: 2 };

export function expectedStatus(
  route: { role: RoleName; allProjects?: boolean; success: number; otherProject: number; anonymous?: number },
  kind: KeyKind,
): number {
  if (kind === 'none' || kind === 'revoked' || kind === 'expired') return route.anonymous ?? 401;
  if (kind === 'otherProject') return route.otherProject;
  const held = HELD[kind];
  if (held === undefined) throw new Error(`no key of kind ${kind}`);
  if (RANK[held.role] < RANK[route.role]) return 403;
  if (route.allProjects === true && !held.allProjects) return 403;
  return route.success;
}
