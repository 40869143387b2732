/**
 * Containers cowsnap has seen. Rows are never deleted: after `docker rm` a container is only marked
 * removed, so its snapshots stay reachable under the old id and name (design.md §3).
 */
import type { Statement } from 'better-sqlite3';
import type { ContainerRecord } from '../core/model.js';
import type { Database } from './database.js';
import { toContainerRecord, toMillis, type ContainerRow } from './row-mapping.js';

export interface SeenContainer {
  readonly id: string;
  /** Docker's name; a leading '/' (as the Engine API reports it) is dropped. */
  readonly name: string;
  readonly image: string;
  /**
   * The project its `cowsnap.project` label names: used only the first time the container is seen (an
   * admin's later assignment is never undone by the label). A project named this way is created.
   */
  readonly project?: string;
}

const HEX = /^[0-9a-f]+$/;
/** Project ids as the API accepts them (project-id.ts); a label with anything else is ignored. */
const PROJECT_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const DEFAULT_PROJECT = 'default';
// Live containers before removed ones, then the most recently seen: the likeliest meaning of a name.
const ORDER = 'ORDER BY removed_at IS NOT NULL, last_seen_at DESC, id';

export class ContainerStore {
  private readonly upsert: Statement<[{ id: string; name: string; image: string; seenAt: number; project: string }], ContainerRow>;
  private readonly ensureProject: Statement<[{ project: string; seenAt: number }]>;
  private readonly assign: Statement<[{ id: string; project: string }], ContainerRow>;
  private readonly assignSnapshots: Statement<[{ id: string; project: string }]>;
  private readonly markRemoved: Statement<[{ id: string; at: number }]>;
  private readonly byId: Statement<[string], ContainerRow>;
  private readonly byName: Statement<[string], ContainerRow>;
  private readonly byIdPrefix: Statement<[string], ContainerRow>;
  private readonly all: Statement<[], ContainerRow>;

  constructor(private readonly db: Database) {
    this.upsert = db.prepare(
      `INSERT INTO containers (id, name, image, first_seen_at, last_seen_at, removed_at, project_id)
       VALUES (@id, @name, @image, @seenAt, @seenAt, NULL, @project)
       ON CONFLICT (id) DO UPDATE SET
         name = excluded.name, image = excluded.image,
         last_seen_at = max(last_seen_at, excluded.last_seen_at), removed_at = NULL
       RETURNING *`,
    );
    this.ensureProject = db.prepare('INSERT OR IGNORE INTO projects (id, created_at) VALUES (@project, @seenAt)');
    this.assign = db.prepare('UPDATE containers SET project_id = @project WHERE id = @id RETURNING *');
    // Snapshots carry their container's project (quotas count them by it).
    this.assignSnapshots = db.prepare('UPDATE snapshots SET project_id = @project WHERE container_id = @id');
    this.markRemoved = db.prepare('UPDATE containers SET removed_at = coalesce(removed_at, @at) WHERE id = @id');
    this.byId = db.prepare('SELECT * FROM containers WHERE id = ?');
    this.byName = db.prepare(`SELECT * FROM containers WHERE name = ? ${ORDER}`);
    // GLOB (case-sensitive) can use the primary key index for a prefix; the input is checked to be hex.
    this.byIdPrefix = db.prepare(`SELECT * FROM containers WHERE id GLOB ? || '*' ${ORDER}`);
    this.all = db.prepare('SELECT * FROM containers ORDER BY name, id');
  }

  /** Records that Docker shows this container now (a removed one that reappears is live again). */
  upsertContainer(container: SeenContainer, seenAt: Date): ContainerRecord {
    const labelled = container.project !== undefined && PROJECT_ID.test(container.project) ? container.project : undefined;
    const project = labelled ?? DEFAULT_PROJECT;
    const at = toMillis(seenAt);
    const row = this.db.transaction(() => {
      if (labelled !== undefined && this.byId.get(container.id) === undefined) this.ensureProject.run({ project, seenAt: at });
      return this.upsert.get({ id: container.id, name: stripSlash(container.name), image: container.image, seenAt: at, project });
    })();
    if (row === undefined) throw new Error(`upsert of container ${container.id} returned no row`);
    return toContainerRecord(row);
  }

  /** An admin moves the container (and its snapshots) to another, existing project. */
  assignProject(id: string, project: string): ContainerRecord | undefined {
    const row = this.db.transaction(() => {
      const updated = this.assign.get({ id, project });
      if (updated !== undefined) this.assignSnapshots.run({ id, project });
      return updated;
    })();
    return row === undefined ? undefined : toContainerRecord(row);
  }

  /** Docker no longer knows the container; keeps the first removal time if called again. */
  markContainerRemoved(id: string, at: Date): void {
    this.markRemoved.run({ id, at: toMillis(at) });
  }

  getContainer(id: string): ContainerRecord | undefined {
    const row = this.byId.get(id);
    return row === undefined ? undefined : toContainerRecord(row);
  }

  /**
   * Like Docker's lookup: an exact id, else an exact name (with or without the leading '/'), else an
   * id prefix. Returns every match of the first kind that matches (several removed containers may have
   * carried the same name; a prefix may be ambiguous) — the caller decides what that means.
   */
  findContainers(ref: string): ContainerRecord[] {
    if (ref === '') return [];
    const exact = this.byId.get(ref);
    if (exact !== undefined) return [toContainerRecord(exact)];
    const named = this.byName.all(stripSlash(ref));
    if (named.length > 0) return named.map(toContainerRecord);
    if (!HEX.test(ref)) return [];
    return this.byIdPrefix.all(ref).map(toContainerRecord);
  }

  listContainers(): ContainerRecord[] {
    return this.all.all().map(toContainerRecord);
  }
}

function stripSlash(name: string): string {
  return name.startsWith('/') ? name.slice(1) : name;
}
