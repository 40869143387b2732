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
