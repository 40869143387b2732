/**
 * The S3 remotes of the configuration, with the AWS SDK loaded only when there is one: the SDK adds
 * ~20 MiB to the resident memory of a service that never replicates (most single-host set-ups).
 */
import type { RemoteConfig } from './config/config.js';
import type { S3Remote } from './remote/s3-remote.js';

export async function s3RemotesFor(remotes: readonly RemoteConfig[]): Promise<S3Remote[]> {
  if (remotes.length === 0) return [];
  const { S3Remote: Remote } = await import('./remote/s3-remote.js');
  return remotes.map((remote) => new Remote(remote));
}
