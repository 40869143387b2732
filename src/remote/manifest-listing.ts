/**
 * Paged listing of manifests. Keys sort lexicographically, so a page is "the next `limit` manifest keys
 * after the cursor" (ListObjectsV2 StartAfter, continuation within a scan): stateless, stable while
 * replicas are added or removed, and bounded by one container's objects when a container is given.
 * The cursor is the last manifest key returned, base64url-encoded and checked on the way back in.
 */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { ValidationError } from '../errors/validation-error.js';
import { absoluteKey, MANIFEST_FILE, relativeKey } from './object-keys.js';

export interface ManifestKeyPage {
  /** Relative keys of manifest objects, in key order. */
  readonly keys: string[];
  readonly nextCursor?: string;
}

interface Scope {
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;
}

const LIST_PAGE = 1000;

export function decodeCursor(cursor: string, within: string): string {
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!key.startsWith(within) || !key.endsWith(`/${MANIFEST_FILE}`)) {
    throw new ValidationError([{ path: '/query/cursor', message: 'is not a cursor of this listing' }]);
  }
  return key;
}

export async function listManifestKeys(scope: Scope, within: string, limit: number, cursor: string | undefined): Promise<ManifestKeyPage> {
  const keys: string[] = [];
  let startAfter = cursor === undefined ? undefined : absoluteKey(scope.prefix, decodeCursor(cursor, within));
  let continuation: string | undefined;
  for (;;) {
    const page = await scope.client.send(
      new ListObjectsV2Command({
        Bucket: scope.bucket,
        Prefix: absoluteKey(scope.prefix, within),
        MaxKeys: LIST_PAGE,
        ...(continuation !== undefined ? { ContinuationToken: continuation } : startAfter !== undefined ? { StartAfter: startAfter } : {}),
      }),
    );
    const found = (page.Contents ?? [])
      .map((object) => (object.Key === undefined ? undefined : relativeKey(scope.prefix, object.Key)))
      .filter((key): key is string => key?.endsWith(`/${MANIFEST_FILE}`) === true);
    for (const [index, key] of found.entries()) {
      keys.push(key);
      if (keys.length === limit) {
        const more = index < found.length - 1 || page.IsTruncated === true;
        return more ? { keys, nextCursor: Buffer.from(key, 'utf8').toString('base64url') } : { keys };
      }
    }
    if (page.IsTruncated !== true || page.NextContinuationToken === undefined) return { keys };
    continuation = page.NextContinuationToken;
    startAfter = undefined;
  }
}
