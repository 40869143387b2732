import { assertNoProblems, assertSnapshotName, MAX_NAME_LENGTH, relativeDatasetProblems } from '../common/names.js';
import { randomBytes } from 'node:crypto';

/** ZFS refuses names of 256 bytes or more, snapshot part included (ZFS_MAX_DATASET_NAME_LEN). */
const ZFS_MAX_NAME = 255;
const MAX_ROOT_LENGTH = 80;

/**
 * Where cowsnap keeps its own datasets: restore lineages (also what a destroyed dataset leaves of its snapshots, and
 * received snapshots), temporary clones, receives under way. A leading dot would
 * read as hidden, but OpenZFS refuses it in some versions, so the name is a plain, reserved one.
 */
export const INTERNAL_NAME = 'cowsnap-internal';

/** Kinds of internal datasets; the kind is the prefix of the name, so recovery can tell them apart. */
export type InternalKind = 'lineage' | 'restore' | 'diff' | 'probe' | 'receive';

export class ZfsNames {
  readonly internal: string;

  constructor(readonly root: string) {
    const problems = root.split('/').flatMap((part, index) =>
      part === '' || !/^[A-Za-z0-9_.:-]+$/.test(part) || part.startsWith('-')
        ? [`root dataset component ${index + 1} (${JSON.stringify(part)}) is not a valid ZFS name`]
        : [],
    );
    // Internal names add ~45 characters and a snapshot name up to 128; ZFS stops at 255.
    if (root.length > MAX_ROOT_LENGTH) problems.push(`root dataset name is ${root.length} characters long; the limit is ${MAX_ROOT_LENGTH}`);
    assertNoProblems(problems);
    this.internal = `${root}/${INTERNAL_NAME}`;
  }

  /** Throws InvalidNameError listing every problem with a user dataset name; runs before any command. */
  assertDataset(dataset: string): void {
    const prefix = `${this.root}/`;
    if (!dataset.startsWith(prefix)) {
      assertNoProblems([`dataset ${JSON.stringify(dataset)} must be inside the root dataset ${JSON.stringify(this.root)}`]);
    }
    const relative = dataset.slice(prefix.length);
    const problems = relativeDatasetProblems(relative);
    if (relative.split('/')[0] === INTERNAL_NAME) {
      problems.push(`dataset ${JSON.stringify(dataset)} is inside ${INTERNAL_NAME}, which is reserved for cowsnap`);
    }
    if (dataset.length + 1 + MAX_NAME_LENGTH > ZFS_MAX_NAME) {
      problems.push(`dataset name is ${dataset.length} characters long; with a snapshot name it must stay under ${ZFS_MAX_NAME}`);
    }
    assertNoProblems(problems);
  }

  assertSnapshot(dataset: string, name: string): void {
    const problems: string[] = [];
    try {
      this.assertDataset(dataset);
    } catch (error) {
      problems.push(...((error as { problems?: string[] }).problems ?? []));
    }
    try {
      assertSnapshotName(name);
    } catch (error) {
      problems.push(...((error as { problems?: string[] }).problems ?? []));
    }
    assertNoProblems(problems);
  }

  /** A fresh internal dataset name of this kind, unique enough to never collide. */
  fresh(kind: InternalKind, id = newId()): string {
    return `${this.internal}/${kind}-${id}`;
  }

  /** The kind and id of an internal dataset name, or undefined for anything else. */
  parseInternal(name: string): { kind: InternalKind; id: string } | undefined {
    if (!name.startsWith(`${this.internal}/`)) return undefined;
    const match = /^(lineage|restore|diff|probe|receive)-([a-z0-9-]+)$/.exec(name.slice(this.internal.length + 1));
    if (match?.[1] === undefined || match[2] === undefined) return undefined;
    return { kind: match[1] as InternalKind, id: match[2] };
  }

  isInternal(name: string): boolean {
    return name === this.internal || name.startsWith(`${this.internal}/`);
  }
}

export function newId(): string {
  return `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}
