/**
 * `remotes` entries: defaults filled in, and the checks the schema cannot make (duplicate ids, the
 * credentials and key files exist with mode 0600), each reported as its own problem at start-up.
 */
import { statSync } from 'node:fs';
import type { ErrorDetail } from '../errors/app-error.js';
import { remoteKeyFileProblem } from '../remote/remote-key.js';
import type { RemoteConfig } from './config.js';
import { REMOTE_DEFAULTS } from './config-defaults.js';

type RawRemote = Partial<RemoteConfig> & Pick<RemoteConfig, 'id' | 'endpoint' | 'bucket' | 'credentialsFile' | 'encryptionKeyFile'>;

export function withRemoteDefaults(raw: RawRemote): RemoteConfig {
  return { ...REMOTE_DEFAULTS, ...raw };
}

function secretFileProblem(path: string): string | undefined {
  try {
    const stats = statSync(path);
    if (!stats.isFile()) return 'is not a regular file';
    if ((stats.mode & 0o077) !== 0) return `is accessible to group or others (mode ${(stats.mode & 0o777).toString(8)}); run chmod 600 on it`;
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(error as Error).message})`;
  }
}

export function remoteProblems(remotes: readonly RemoteConfig[], source: string): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const seen = new Map<string, number>();
  remotes.forEach((remote, index) => {
    const first = seen.get(remote.id);
    if (first !== undefined) problems.push({ path: `/remotes/${String(index)}/id (${source})`, message: `"${remote.id}" is already the id of remote ${String(first)}` });
    seen.set(remote.id, index);
    const credentials = secretFileProblem(remote.credentialsFile);
    if (credentials !== undefined) {
      problems.push({ path: `/remotes/${String(index)}/credentialsFile (${source})`, message: `${remote.credentialsFile} ${credentials}` });
    }
    const key = remoteKeyFileProblem(remote.encryptionKeyFile);
    if (key !== undefined) problems.push({ path: `/remotes/${String(index)}/encryptionKeyFile (${source})`, message: `${remote.encryptionKeyFile} ${key}` });
  });
  return problems;
}
