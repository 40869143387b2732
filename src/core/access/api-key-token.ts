/**
 * The bearer string of an API key: `cs_<key id>_<secret>`. The id (16 hex) finds the row by primary key
 * in one indexed lookup; only the secret (32 random bytes, base64url) is secret, and only its scrypt hash
 * is stored.
 */
import { randomBytes } from 'node:crypto';

const TOKEN = /^cs_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface ParsedKeyToken {
  readonly keyId: string;
  readonly secret: string;
}

export function newKeyToken(): ParsedKeyToken & { token: string } {
  const keyId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { keyId, secret, token: `cs_${keyId}_${secret}` };
}

export function parseKeyToken(token: string): ParsedKeyToken | undefined {
  const match = TOKEN.exec(token);
  if (match?.[1] === undefined || match[2] === undefined) return undefined;
  return { keyId: match[1], secret: match[2] };
}
