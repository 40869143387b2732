/**
 * Manifest <-> stored JSON. Writing seals the environment values; reading validates the JSON against
 * the schema and opens the sealed values, and anything that does not hold up is a RemoteDataError
 * naming every problem (a manifest is never half-trusted).
 */
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { ReplicaManifest, StoredReplicaManifest } from './manifest.js';
import { storedManifestSchema } from './manifest-schema.js';
import { RemoteDataError } from './remote-data-error.js';
import { openEnv, sealEnv } from './sealed-env.js';

// ajv-formats is CommonJS with `exports.default`; under NodeNext the default import is the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;
const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats(ajv);
const validateStored = ajv.compile<StoredReplicaManifest>(storedManifestSchema);

function context(manifest: Pick<ReplicaManifest, 'containerId' | 'snapshotName'>): string {
  return `${manifest.containerId}/${manifest.snapshotName}`;
}

export function encodeManifest(manifest: ReplicaManifest, master: Buffer): string {
  const stored: StoredReplicaManifest = { ...manifest, config: { ...manifest.config, env: sealEnv(master, manifest.config.env, context(manifest)) } };
  // Our own output goes through the same schema a reader applies: an invalid manifest is never written.
  if (!validateStored(stored)) throw new Error(`refusing to write an invalid manifest: ${schemaProblems()}`);
  return `${JSON.stringify(stored, null, 1)}\n`;
}

function schemaProblems(): string {
  return (validateStored.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`).join('; ');
}

/**
 * `where` names the object; `expected` (when reading a known key) must match what the manifest says
 * it is, so a manifest copied to another container's prefix is not taken for that container's replica.
 */
export function decodeManifest(text: string, master: Buffer, where: string, expected?: { containerId: string; snapshotName: string }): ReplicaManifest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new RemoteDataError('manifest_invalid', `${where}: not valid JSON (${(error as Error).message}).`);
  }
  if (!validateStored(parsed)) throw new RemoteDataError('manifest_invalid', `${where}: ${schemaProblems()}.`);
  if (expected !== undefined && (parsed.containerId !== expected.containerId || parsed.snapshotName !== expected.snapshotName)) {
    throw new RemoteDataError('manifest_invalid', `${where}: it describes ${context(parsed)}, not ${context(expected)}.`);
  }
  try {
    return { ...parsed, config: { ...parsed.config, env: openEnv(master, parsed.config.env, context(parsed)) } };
  } catch (error) {
    throw new RemoteDataError('manifest_invalid', `${where}: ${(error as Error).message}.`, { cause: error });
  }
}
