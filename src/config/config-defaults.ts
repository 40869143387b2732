/** Where cowsnap looks and what it uses when nothing says otherwise (the README documents the same values). */
export const DEFAULT_CONFIG_FILE = '/etc/cowsnap/config.json';

export const DEFAULTS = {
  listen: '127.0.0.1:7878',
  stateDir: '/var/lib/cowsnap',
  /** Relative to the state dir, which may itself be overridden. */
  databaseFileName: 'cowsnap.db',
  // Key and token live outside the state dir so a copied database alone does not reveal secrets.
  keyFile: '/etc/cowsnap/secret.key',
  tokenFile: '/etc/cowsnap/token',
  dockerSocket: '/var/run/docker.sock',
  reaperSchedule: '* * * * *',
  stopTimeoutSeconds: 10,
  journalRetentionDays: 30,
  logLevel: 'info',
} as const;

/** Defaults of each entry in `remotes` (the README documents the same values). */
export const REMOTE_DEFAULTS = {
  region: 'us-east-1',
  prefix: 'cowsnap',
  forcePathStyle: false,
  compressionLevel: 3,
  // 8 MiB x (4 + 1) parts in flight keeps an upload's buffers near 40 MiB; S3 allows 10,000 parts,
  // so one stream can hold up to ~78 GiB stored: raise partSizeMiB for larger filesystems.
  partSizeMiB: 8,
  maxConcurrentUploads: 4,
} as const;
