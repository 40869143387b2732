import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createTestStore, newSnapshot } from './store-fixture.js';

const ID_A = `abc123${'0'.repeat(58)}`;
const ID_B = `abc456${'1'.repeat(58)}`;
const ID_C = `def789${'2'.repeat(58)}`;

describe('store: containers', () => {
  const test = createTestStore();
  after(() => test.destroy());
  const t = (iso: string): Date => new Date(iso);

  it('records a container, strips the leading slash, and keeps first-seen on later sightings', () => {
    const first = test.store.upsertContainer({ id: ID_A, name: '/web', image: 'nginx:1' }, t('2026-01-01T00:00:00Z'));
    assert.deepEqual(first, { id: ID_A, name: 'web', image: 'nginx:1', firstSeenAt: t('2026-01-01T00:00:00Z'), lastSeenAt: t('2026-01-01T00:00:00Z'), removedAt: null, projectId: 'default' });
    const renamed = test.store.upsertContainer({ id: ID_A, name: '/web-renamed', image: 'nginx:2' }, t('2026-01-02T00:00:00Z'));
    assert.deepEqual(renamed, { ...first, name: 'web-renamed', image: 'nginx:2', lastSeenAt: t('2026-01-02T00:00:00Z') });
    assert.deepEqual(test.store.getContainer(ID_A), renamed);
    assert.equal(test.store.getContainer(ID_C), undefined);
  });

  it('finds by exact id, then name (with or without "/"), then id prefix, like Docker', () => {
    test.store.upsertContainer({ id: ID_B, name: 'db', image: 'postgres' }, t('2026-01-03T00:00:00Z'));
    // A container named like another's id prefix: the name wins over the prefix.
    test.store.upsertContainer({ id: ID_C, name: 'abc', image: 'busybox' }, t('2026-01-03T00:00:00Z'));
    const ids = (ref: string): string[] => test.store.findContainers(ref).map((c) => c.id);
    assert.deepEqual(ids(ID_A), [ID_A]);
    assert.deepEqual(ids('db'), [ID_B]);
    assert.deepEqual(ids('/db'), [ID_B]);
    assert.deepEqual(ids('abc'), [ID_C]);
    assert.deepEqual(ids('abc4'), [ID_B]);
    assert.deepEqual(ids('abc1'), [ID_A]);
    assert.deepEqual(ids('ab').sort(), [ID_A, ID_B].sort(), 'an ambiguous prefix returns every match');
    assert.deepEqual(ids('ABC4'), [], 'ids are lower-case hex');
    assert.deepEqual(ids('a*'), [], 'glob characters are not patterns');
    assert.deepEqual(ids(''), []);
    assert.deepEqual(ids('nope'), []);
    assert.deepEqual(test.store.listContainers().map((c) => c.name), ['abc', 'db', 'web-renamed']);
  });

  it('keeps a removed container and its snapshots reachable by old id and old name', () => {
    const snapshot = test.store.reserveSnapshot(newSnapshot({ containerId: ID_B, containerName: '/db' }));
    test.store.markContainerRemoved(ID_B, t('2026-02-01T00:00:00Z'));
    test.store.markContainerRemoved(ID_B, t('2026-02-05T00:00:00Z')); // the first removal time stays
    test.reopen();
    const [byName] = test.store.findContainers('db');
    assert.equal(byName?.id, ID_B);
    assert.deepEqual(byName.removedAt, t('2026-02-01T00:00:00Z'));
    assert.deepEqual(test.store.findContainers(ID_B.slice(0, 12)).map((c) => c.id), [ID_B]);
    assert.equal(test.store.resolveSnapshot(ID_B, snapshot.name)?.containerName, 'db');
    assert.equal(test.store.listSnapshots(ID_B, { limit: 10, offset: 0 }).total, 1);

    // A new container takes the old name: both are found, the live one first.
    const ID_D = `0d${'3'.repeat(62)}`;
    test.store.upsertContainer({ id: ID_D, name: '/db', image: 'postgres' }, t('2026-02-10T00:00:00Z'));
    assert.deepEqual(test.store.findContainers('db').map((c) => c.id), [ID_D, ID_B]);
    // Seen again in Docker, the old one is live again.
    assert.equal(test.store.upsertContainer({ id: ID_B, name: 'db-old', image: 'postgres' }, t('2026-02-11T00:00:00Z')).removedAt, null);
  });

  it('puts a container in the project its label names on first sight (creating it), and never moves it on a later sighting', () => {
    const ID_E = `0e${'4'.repeat(62)}`;
    const first = test.store.upsertContainer({ id: ID_E, name: 'team-a-web', image: 'busybox', project: 'team-a' }, t('2026-03-01T00:00:00Z'));
    assert.equal(first.projectId, 'team-a');
    assert.deepEqual(test.db.prepare("SELECT id FROM projects WHERE id = 'team-a'").get(), { id: 'team-a' });
    // An admin moves it; the label seen again does not move it back.
    assert.equal(test.store.containers.assignProject(ID_E, 'default')?.projectId, 'default');
    assert.equal(test.store.upsertContainer({ id: ID_E, name: 'team-a-web', image: 'busybox', project: 'team-a' }, t('2026-03-02T00:00:00Z')).projectId, 'default');
    // A label that is not a project id is ignored.
    const ID_F = `0f${'5'.repeat(62)}`;
    assert.equal(test.store.upsertContainer({ id: ID_F, name: 'odd', image: 'busybox', project: 'Team A!' }, t('2026-03-01T00:00:00Z')).projectId, 'default');
  });

  it('refuses snapshots of a container it never recorded', () => {
    assert.throws(() => test.store.reserveSnapshot(newSnapshot({ containerId: 'f'.repeat(64) })), { code: 'container_not_recorded' });
  });
});
