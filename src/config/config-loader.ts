import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { validate as isValidCron } from 'node-cron';
import type { ErrorDetail } from '../errors/app-error.js';
import type { CowsnapConfig, PoolConfig, RemoteConfig } from './config.js';
import { DEFAULT_CONFIG_FILE, DEFAULTS } from './config-defaults.js';
import { ConfigError } from './config-error.js';
import { configFileSchema } from './config-schema.js';
import { readEnvOverrides } from './env-overrides.js';
import { parseListenAddress } from './listen-address.js';
import { remoteProblems, withRemoteDefaults } from './remote-config.js';

export interface LoadConfigOptions {
  /** An explicit file must exist; without one, COWSNAP_CONFIG or /etc/cowsnap/config.json, which may be absent. */
  readonly file?: string;
  readonly env: NodeJS.ProcessEnv;
  /** Where to look when no file is named (tests point it at a scratch path). */
  readonly defaultFile?: string;
}

type RawConfig = Record<string, unknown>;

// Compiled once: the schema never changes, and compiling is the slow part of ajv.
const validateRaw = new Ajv({ allErrors: true, discriminator: true, strict: true }).compile<RawConfig>(configFileSchema);

/**
 * Reads the config file, applies COWSNAP_* overrides (they win), validates the result once and fills in
 * defaults. Every problem is collected before throwing one ConfigError, so nothing starts half-configured.
 */
export function loadConfig(options: LoadConfigOptions): CowsnapConfig {
  const explicitFile = options.file ?? emptyToUndefined(options.env['COWSNAP_CONFIG']);
  const file = explicitFile ?? options.defaultFile ?? DEFAULT_CONFIG_FILE;
  const problems: ErrorDetail[] = [];

  const fromFile = readConfigFile(file, explicitFile !== undefined, problems);
  const overrides = readEnvOverrides(options.env);
  problems.push(...overrides.problems);
  const raw: RawConfig = { ...fromFile, ...overrides.values };
  const where = (key: string): string => overrides.sources.get(key) ?? file;

  if (!validateRaw(raw)) {
    for (const error of validateRaw.errors ?? []) problems.push(describeSchemaError(error, where));
  }
  const badKeys = new Set((validateRaw.errors ?? []).map((e) => topKey(e)));
  const str = (key: string, fallback: string): string => {
    const value = raw[key];
    return typeof value === 'string' && !badKeys.has(key) ? value : fallback;
  };

  const listenText = str('listen', DEFAULTS.listen);
  const listen = parseListenAddress(listenText);
  if (typeof listen === 'string') problems.push({ path: `/listen (${where('listen')})`, message: listen });

  const reaperSchedule = str('reaperSchedule', DEFAULTS.reaperSchedule);
  if (!isValidCron(reaperSchedule)) {
    problems.push({
      path: `/reaperSchedule (${where('reaperSchedule')})`,
      message: `"${reaperSchedule}" is not a cron expression (five or six fields, e.g. "* * * * *")`,
    });
  }

  const pools = !badKeys.has('pools') && Array.isArray(raw['pools']) ? (raw['pools'] as PoolConfig[]) : [];
  problems.push(...poolProblems(pools, where('pools')));

  const remotes = !badKeys.has('remotes') && Array.isArray(raw['remotes']) ? (raw['remotes'] as Parameters<typeof withRemoteDefaults>[0][]).map(withRemoteDefaults) : [];
  problems.push(...remoteProblems(remotes, where('remotes')));

  if (problems.length > 0 || typeof listen === 'string') throw new ConfigError(problems);

  const stateDir = str('stateDir', DEFAULTS.stateDir);
  const token = str('token', '');
  return {
    listen,
    stateDir,
    databasePath: str('databasePath', join(stateDir, DEFAULTS.databaseFileName)),
    keyFile: str('keyFile', DEFAULTS.keyFile),
    tokenFile: str('tokenFile', DEFAULTS.tokenFile),
    ...(token !== '' ? { token } : {}),
    dockerSocket: str('dockerSocket', DEFAULTS.dockerSocket),
    pools,
    remotes: remotes satisfies RemoteConfig[],
    reaperSchedule,
    stopTimeoutSeconds: typeof raw['stopTimeoutSeconds'] === 'number' ? raw['stopTimeoutSeconds'] : DEFAULTS.stopTimeoutSeconds,
    journalRetentionDays: typeof raw['journalRetentionDays'] === 'number' ? raw['journalRetentionDays'] : DEFAULTS.journalRetentionDays,
    logLevel: str('logLevel', DEFAULTS.logLevel) as CowsnapConfig['logLevel'],
    ...(typeof raw['eventRetentionDays'] === 'number' && { eventRetentionDays: raw['eventRetentionDays'] }),
    ...(typeof raw['diffMaxChanges'] === 'number' && { diffMaxChanges: raw['diffMaxChanges'] }),
    // Shape checked by the schema above.
    ...(typeof raw['webhooks'] === 'object' && raw['webhooks'] !== null && { webhooks: raw['webhooks'] }),
    // Validated by the schema above; absent = the defaults of access-wiring.ts / rate-limiter.ts.
    ...(raw['rateLimit'] !== undefined && { rateLimit: raw['rateLimit'] as NonNullable<CowsnapConfig['rateLimit']> }),
    ...(typeof raw['auditRetentionDays'] === 'number' && { auditRetentionDays: raw['auditRetentionDays'] }),
  };
}

function emptyToUndefined(text: string | undefined): string | undefined {
  return text === undefined || text === '' ? undefined : text;
}

function readConfigFile(file: string, required: boolean, problems: ErrorDetail[]): RawConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // No file at the default place means "all defaults"; a file the operator named must be there.
    if (code === 'ENOENT' && !required) return {};
    problems.push({ path: file, message: code === 'ENOENT' ? 'no such file' : `cannot be read (${(error as Error).message})` });
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    problems.push({ path: file, message: `is not valid JSON (${(error as Error).message})` });
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    problems.push({ path: file, message: 'must hold a JSON object of settings' });
    return {};
  }
  return parsed as RawConfig;
}

function topKey(error: ErrorObject): string {
  if (error.instancePath === '' && error.keyword === 'additionalProperties') {
    return (error.params as { additionalProperty: string }).additionalProperty;
  }
  return error.instancePath.split('/')[1] ?? '';
}

function describeSchemaError(error: ErrorObject, where: (key: string) => string): ErrorDetail {
  const path = `${error.instancePath === '' ? '' : error.instancePath} (${where(topKey(error))})`.trimStart();
  switch (error.keyword) {
    case 'additionalProperties': {
      const name = (error.params as { additionalProperty: string }).additionalProperty;
      return { path: `${error.instancePath}/${name} (${where(name)})`, message: 'is not a known setting' };
    }
    case 'enum':
      return { path, message: `must be one of: ${(error.params as { allowedValues: unknown[] }).allowedValues.join(', ')}` };
    case 'pattern':
      return { path, message: error.instancePath.endsWith('/id') ? 'must be 1–64 letters, digits, "_", "." or "-"' : patternMessage(error) };
    case 'discriminator':
      return { path: `${error.instancePath}/driver (${where(topKey(error))})`, message: 'must be "btrfs" or "zfs"' };
    default:
      return { path, message: error.message ?? 'is invalid' };
  }
}

function patternMessage(error: ErrorObject): string {
  const pattern = (error.params as { pattern: string }).pattern;
  if (pattern === '^/') return 'must be an absolute path';
  return `does not match ${pattern}`;
}

function poolProblems(pools: readonly PoolConfig[], source: string): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const seen = new Map<string, number>();
  pools.forEach((pool, index) => {
    const first = seen.get(pool.id);
    if (first !== undefined) {
      problems.push({ path: `/pools/${index}/id (${source})`, message: `"${pool.id}" is already the id of pool ${first}` });
    }
    seen.set(pool.id, index);
  });
  return problems;
}
