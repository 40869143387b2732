/** API keys (design.md §9): a bearer secret with a role and a project, stored only as a slow hash. */
import type { Role } from './role.js';

export interface ApiKeyRecord {
  readonly id: string;
  readonly name: string;
  /** A project id or "*" for every project. */
  readonly project: string;
  readonly role: Role;
  readonly createdAt: Date;
  /** The key id that created it ("bootstrap" for the token file's token). */
  readonly createdBy: string;
  readonly expiresAt: Date | null;
  readonly revokedAt: Date | null;
}

/** A stored key with what verifying it needs. */
export interface StoredApiKey extends ApiKeyRecord {
  readonly salt: Buffer;
  readonly hash: Buffer;
}

export interface ApiKeyStorePort {
  insertKey(key: StoredApiKey): void;
  getKey(id: string): StoredApiKey | undefined;
  listKeys(project?: string): ApiKeyRecord[];
  revokeKey(id: string, at: Date): ApiKeyRecord | undefined;
  countKeysOfProject(project: string): number;
}
