/**
 * How a snapshot's recorded container configuration is stored: plain JSON, except `env`, which is
 * sealed as one SecretBox blob (`envSealed`) — environment values are where passwords and tokens live.
 */
import type { RecordedContainerConfig } from '../core/model.js';
import { InternalError } from '../errors/internal-error.js';
import type { SecretBox } from './secret-box.js';

export function encodeConfig(config: RecordedContainerConfig, secrets: SecretBox): string {
  const { env, ...rest } = config;
  return JSON.stringify({ ...rest, envSealed: secrets.encrypt(JSON.stringify(env)) });
}

export function decodeConfig(json: string, secrets: SecretBox): RecordedContainerConfig {
  const parsed = JSON.parse(json) as Omit<RecordedContainerConfig, 'env'> & { envSealed?: unknown };
  const { envSealed, ...rest } = parsed;
  if (typeof envSealed !== 'string') throw corrupt('it has no sealed environment');
  const env: unknown = JSON.parse(secrets.decrypt(envSealed));
  if (!Array.isArray(env) || !env.every((entry) => typeof entry === 'string')) throw corrupt('its environment is not a list of strings');
  return { ...rest, env };
}

function corrupt(reason: string): InternalError {
  return new InternalError('database_corrupt', `A snapshot's recorded container configuration is unreadable: ${reason}.`);
}
