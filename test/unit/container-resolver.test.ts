import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { ContainerResolver } from '../../src/core/container-resolver.js';
import type { ContainerRecord } from '../../src/core/model.js';
import { ConflictError } from '../../src/errors/conflict-error.js';

function removed(id: string, name: string, seen: string): ContainerRecord {
  const at = new Date(seen);
  return { id, name, image: 'busybox', firstSeenAt: at, lastSeenAt: at, removedAt: at, projectId: 'default' };
}

/** Docker knows none of them any more; cowsnap's records know these removed containers. */
function resolver(records: ContainerRecord[]): ContainerResolver {
  return new ContainerResolver(
    { resolveContainer: () => Promise.resolve(undefined) },
    {
      upsertContainer: () => assert.fail('not live'),
      getContainer: () => undefined,
      findContainers: (ref) => records.filter((r) => r.id === ref || r.name === ref || r.id.startsWith(ref)),
      markContainerRemoved: () => undefined,
    },
    new ManualClock('2026-05-01T00:00:00Z'),
  );
}

describe('ContainerResolver with removed containers', () => {
  const older = removed(`abc1${'0'.repeat(60)}`, 'web-old', '2026-01-01T00:00:00Z');
  const newer = removed(`abc2${'0'.repeat(60)}`, 'web-new', '2026-03-01T00:00:00Z');

  it('defect-10 an id prefix of several removed containers → 409 listing them, never the newest silently', async () => {
    await assert.rejects(resolver([older, newer]).resolve('abc'), (error: unknown) => {
      assert.ok(error instanceof ConflictError);
      assert.equal(error.code, 'removed_container_ambiguous');
      assert.match(error.message, /abc200000000 \(web-new.*abc100000000 \(web-old/);
      return true;
    });
  });

  it('a longer prefix, the full id or the name picks one', async () => {
    const r = resolver([older, newer]);
    assert.equal((await r.resolve('abc1')).record.name, 'web-old');
    assert.equal((await r.resolve(newer.id)).record.name, 'web-new');
    assert.equal((await r.resolve('web-old')).record.id, older.id);
  });

  it('a name several removed containers had means the one seen last (documented)', async () => {
    const sameName = [removed(`abc1${'0'.repeat(60)}`, 'web', '2026-01-01T00:00:00Z'), removed(`abc2${'0'.repeat(60)}`, 'web', '2026-03-01T00:00:00Z')];
    assert.equal((await resolver(sameName).resolve('web')).record.id.slice(0, 4), 'abc2');
  });
});
