/**
 * Creating, listing and revoking API keys. An all-projects admin manages every key; a project's admin
 * only the keys of its project (another project's key answers 404, as if absent). The secret is
 * returned once, by create, and never stored.
 */
import { ForbiddenError } from '../../errors/forbidden-error.js';
import { NotFoundError } from '../../errors/not-found-error.js';
import { ValidationError } from '../../errors/validation-error.js';
import type { Clock } from '../clock.js';
import type { AccessContext } from './access-context.js';
import type { ApiKeyRecord, ApiKeyStorePort } from './api-key.js';
import { newKeyToken } from './api-key-token.js';
import { ALL_PROJECTS, type Role } from './role.js';
import { hashSecret } from './secret-hash.js';

export interface NewKeyInput {
  readonly name: string;
  /** A project id or "*". */
  readonly project: string;
  readonly role: Role;
  readonly expiresAt?: Date;
}

export class KeyService {
  constructor(
    private readonly deps: {
      readonly keys: ApiKeyStorePort;
      readonly projectExists: (id: string) => boolean;
      readonly clock: Clock;
      /** Called on revoke so the authenticator's cache forgets the key. */
      readonly forget: (keyId: string) => void;
    },
  ) {}

  async create(access: AccessContext, input: NewKeyInput): Promise<{ key: ApiKeyRecord; token: string }> {
    if (!access.allProjects && input.project !== access.principal.project) {
      throw new ForbiddenError(`A key of project ${access.principal.project} can only create keys for that project.`);
    }
    if (input.project !== ALL_PROJECTS && !this.deps.projectExists(input.project)) {
      throw new NotFoundError('project_not_found', `There is no project "${input.project}".`);
    }
    const now = this.deps.clock.now();
    if (input.expiresAt !== undefined && input.expiresAt.getTime() <= now.getTime()) {
      throw new ValidationError([{ path: '/body/expires_at', message: `must be in the future, not ${input.expiresAt.toISOString()}` }]);
    }
    const { keyId, secret, token } = newKeyToken();
    const { salt, hash } = await hashSecret(secret);
    const key: ApiKeyRecord = {
      id: keyId,
      name: input.name,
      project: input.project,
      role: input.role,
      createdAt: now,
      createdBy: access.principal.keyId,
      expiresAt: input.expiresAt ?? null,
      revokedAt: null,
    };
    this.deps.keys.insertKey({ ...key, salt, hash });
    noteProject(access, input.project);
    return { key, token };
  }

  list(access: AccessContext): ApiKeyRecord[] {
    return this.deps.keys.listKeys(access.projectFilter);
  }

  revoke(access: AccessContext, id: string): ApiKeyRecord {
    const key = this.deps.keys.getKey(id);
    if (key === undefined || !access.canSee(key.project) || (!access.allProjects && key.project === ALL_PROJECTS)) {
      throw new NotFoundError('key_not_found', `There is no API key "${id}".`);
    }
    noteProject(access, key.project);
    const revoked = this.deps.keys.revokeKey(id, this.deps.clock.now());
    this.deps.forget(id);
    if (revoked === undefined) throw new NotFoundError('key_not_found', `There is no API key "${id}".`);
    return revoked;
  }
}

/** For the audit log: the project the key belongs to ("*" keys belong to none). */
function noteProject(access: AccessContext, project: string): void {
  access.targetProject = project === ALL_PROJECTS ? null : project;
}
