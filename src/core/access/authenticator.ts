/**
 * Bearer string → who is asking. The bootstrap token (the token file of design.md §6) is an all-projects
 * admin key, so existing set-ups keep working. API keys are found by their id and checked against the
 * scrypt hash once; after that a SHA-256 of the presented string is remembered for a few minutes so
 * the KDF is not paid per request. The key's row is still read on every request (a primary-key lookup),
 * so a revoked or expired key stops working at once, cache or not.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Principal } from './access-context.js';
import type { ApiKeyStorePort } from './api-key.js';
import { parseKeyToken } from './api-key-token.js';
import { ALL_PROJECTS } from './role.js';
import { secretMatches } from './secret-hash.js';

export const BOOTSTRAP_KEY_ID = 'bootstrap';

const DEFAULT_CACHE_MS = 5 * 60 * 1000;
const MAX_CACHED = 10_000;

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Equal-length digests: the comparison does not leak the token's length. */
export function tokenMatches(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

export interface Authenticate {
  authenticate(presented: string): Promise<Principal | undefined>;
}

export class Authenticator implements Authenticate {
  private readonly verified = new Map<string, { digest: Buffer; until: number }>();
  /** The bootstrap token's digest, computed once rather than on every request. */
  private readonly bootstrapDigest: Buffer;

  constructor(
    private readonly deps: {
      readonly bootstrapToken: string;
      readonly keys: Pick<ApiKeyStorePort, 'getKey'>;
      readonly clock: Clock;
      readonly cacheMs?: number;
    },
  ) {
    if (deps.bootstrapToken.length === 0) throw new Error('Authenticator: the bootstrap token must not be empty');
    this.bootstrapDigest = digest(deps.bootstrapToken);
  }

  async authenticate(presented: string): Promise<Principal | undefined> {
    const presentedDigest = digest(presented);
    if (timingSafeEqual(presentedDigest, this.bootstrapDigest)) return { keyId: BOOTSTRAP_KEY_ID, role: 'admin', project: ALL_PROJECTS };
    const parsed = parseKeyToken(presented);
    if (parsed === undefined) return undefined;
    const key = this.deps.keys.getKey(parsed.keyId);
    const now = this.deps.clock.now().getTime();
    if (key === undefined || key.revokedAt !== null || (key.expiresAt !== null && key.expiresAt.getTime() <= now)) {
      this.verified.delete(parsed.keyId);
      return undefined;
    }
    const principal: Principal = { keyId: key.id, role: key.role, project: key.project };
    const cached = this.verified.get(key.id);
    if (cached !== undefined && cached.until > now && timingSafeEqual(cached.digest, presentedDigest)) return principal;
    if (!(await secretMatches(parsed.secret, key.salt, key.hash))) return undefined;
    if (this.verified.size >= MAX_CACHED) this.verified.clear();
    this.verified.set(key.id, { digest: presentedDigest, until: now + (this.deps.cacheMs ?? DEFAULT_CACHE_MS) });
    return principal;
  }

  /** A revoked key leaves the cache too (the row check alone already refuses it). */
  forget(keyId: string): void {
    this.verified.delete(keyId);
  }
}

/** Only the bootstrap token: what an app built without a key store (unit tests) accepts. */
export function bootstrapOnly(token: string): Authenticate {
  if (token.length === 0) throw new Error('the API token must not be empty');
  return {
    authenticate: (presented) => Promise.resolve(tokenMatches(presented, token) ? { keyId: BOOTSTRAP_KEY_ID, role: 'admin', project: ALL_PROJECTS } : undefined),
  };
}
