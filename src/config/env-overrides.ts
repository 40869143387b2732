import type { ErrorDetail } from '../errors/app-error.js';

/** Which setting each COWSNAP_* variable overrides, and how its text becomes a value. */
const ENV_SETTINGS: readonly { readonly variable: string; readonly key: string; readonly kind: 'string' | 'integer' | 'json' }[] = [
  { variable: 'COWSNAP_LISTEN', key: 'listen', kind: 'string' },
  { variable: 'COWSNAP_STATE_DIR', key: 'stateDir', kind: 'string' },
  { variable: 'COWSNAP_DB', key: 'databasePath', kind: 'string' },
  { variable: 'COWSNAP_KEY_FILE', key: 'keyFile', kind: 'string' },
  { variable: 'COWSNAP_TOKEN_FILE', key: 'tokenFile', kind: 'string' },
  { variable: 'COWSNAP_TOKEN', key: 'token', kind: 'string' },
  { variable: 'COWSNAP_DOCKER_SOCKET', key: 'dockerSocket', kind: 'string' },
  { variable: 'COWSNAP_POOLS', key: 'pools', kind: 'json' },
  { variable: 'COWSNAP_REMOTES', key: 'remotes', kind: 'json' },
  { variable: 'COWSNAP_REAPER_SCHEDULE', key: 'reaperSchedule', kind: 'string' },
  { variable: 'COWSNAP_STOP_TIMEOUT', key: 'stopTimeoutSeconds', kind: 'integer' },
  { variable: 'COWSNAP_JOURNAL_RETENTION_DAYS', key: 'journalRetentionDays', kind: 'integer' },
  { variable: 'COWSNAP_EVENT_RETENTION_DAYS', key: 'eventRetentionDays', kind: 'integer' },
  { variable: 'COWSNAP_DIFF_MAX_CHANGES', key: 'diffMaxChanges', kind: 'integer' },
  { variable: 'COWSNAP_LOG_LEVEL', key: 'logLevel', kind: 'string' },
];

export interface EnvOverrides {
  readonly values: Record<string, unknown>;
  /** setting key → the variable it came from, so problems name what the operator actually set. */
  readonly sources: ReadonlyMap<string, string>;
  readonly problems: ErrorDetail[];
}

/** Reads the COWSNAP_* variables that are set (an empty value counts as unset, as shells make that easy). */
export function readEnvOverrides(env: NodeJS.ProcessEnv): EnvOverrides {
  const values: Record<string, unknown> = {};
  const sources = new Map<string, string>();
  const problems: ErrorDetail[] = [];
  for (const { variable, key, kind } of ENV_SETTINGS) {
    const text = env[variable];
    if (text === undefined || text === '') continue;
    sources.set(key, variable);
    if (kind === 'string') {
      values[key] = text;
    } else if (kind === 'integer') {
      // Left as text when not a number, so the schema reports it with the others ("must be integer").
      values[key] = /^-?\d+$/.test(text.trim()) ? Number(text.trim()) : text;
    } else {
      try {
        values[key] = JSON.parse(text) as unknown;
      } catch (error) {
        problems.push({ path: variable, message: `is not valid JSON (${(error as Error).message})` });
      }
    }
  }
  return { values, sources, problems };
}
