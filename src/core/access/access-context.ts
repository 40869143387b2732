/**
 * Who is asking, for the duration of one request: the key's id, role and project. Kept in an
 * AsyncLocalStorage so the few places that look containers up or list them (container-resolver,
 * container-service, the operation and remote listings) scope by project without every service method
 * taking a new parameter. Outside a request (the reaper, the scheduler, start-up, the CLI's embedded
 * commands) the caller is the system, which sees every project.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ALL_PROJECTS, type Role } from './role.js';

export interface Principal {
  /** The key's id; "bootstrap" for the token file's token, "system" for background work. */
  readonly keyId: string;
  readonly role: Role;
  /** A project id, or "*" for every project. */
  readonly project: string;
}

export class AccessContext {
  /** The project of what the request acted on (noted by the container lookup), for the audit log. */
  targetProject: string | null = null;

  constructor(readonly principal: Principal) {}

  get allProjects(): boolean {
    return this.principal.project === ALL_PROJECTS;
  }

  canSee(projectId: string): boolean {
    return this.allProjects || this.principal.project === projectId;
  }

  /** The project a listing is limited to, or undefined for every project. */
  get projectFilter(): string | undefined {
    return this.allProjects ? undefined : this.principal.project;
  }
}

export const SYSTEM: Principal = { keyId: 'system', role: 'admin', project: ALL_PROJECTS };

const storage = new AsyncLocalStorage<AccessContext>();

/** The caller of the current request, or the system outside any request. */
export function currentAccess(): AccessContext {
  return storage.getStore() ?? new AccessContext(SYSTEM);
}

export function runWithAccess<T>(context: AccessContext, fn: () => T): T {
  return storage.run(context, fn);
}
