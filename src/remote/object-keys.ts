/**
 * Where a replica lives in the bucket (design.md §8). Keys given to and taken from the RemotePort are
 * relative to the remote's configured prefix (`containers/<container-id>/<snapshot-name>/...`); the
 * adapter adds the prefix, so core never needs to know it.
 */
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
export const MANIFEST_FILE = 'manifest.json';
const CONTAINERS = 'containers';

function segment(kind: string, value: string): string {
  // Ids and snapshot names are already restricted to this alphabet; checking again keeps a bad value
  // from ever addressing another replica's objects (".." or "/" in a key).
  if (!SEGMENT.test(value) || value === '.' || value === '..') throw new Error(`Invalid ${kind} for an object key: ${JSON.stringify(value)}`);
  return value;
}

/** `containers/<id>/` — every replica of one container; listing stays bounded per container. */
export function containerPrefix(containerId: string): string {
  return `${CONTAINERS}/${segment('container id', containerId)}/`;
}

/** `containers/<id>/<snapshot>/` — every object of one replica. */
export function replicaPrefix(containerId: string, snapshotName: string): string {
  return `${containerPrefix(containerId)}${segment('snapshot name', snapshotName)}/`;
}

export function manifestKey(containerId: string, snapshotName: string): string {
  return `${replicaPrefix(containerId, snapshotName)}${MANIFEST_FILE}`;
}

/** One object per captured filesystem's stream, numbered in the manifest's filesystems order. */
export function streamKey(containerId: string, snapshotName: string, index: number): string {
  if (!Number.isInteger(index) || index < 0) throw new Error(`Invalid stream index ${String(index)}`);
  return `${replicaPrefix(containerId, snapshotName)}stream-${String(index)}.cszst`;
}

/** Joins the configured prefix ("" or "a/b", no slashes at the ends) and a relative key. */
export function absoluteKey(prefix: string, relativeKey: string): string {
  return prefix === '' ? relativeKey : `${prefix}/${relativeKey}`;
}

/** The relative key of an absolute one, or undefined when it is outside the prefix. */
export function relativeKey(prefix: string, key: string): string | undefined {
  if (prefix === '') return key;
  return key.startsWith(`${prefix}/`) ? key.slice(prefix.length + 1) : undefined;
}
