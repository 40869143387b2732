import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { ContainerResolver } from '../../src/core/container-resolver.js';
import type { ContainerRecord } from '../../src/core/model.js';
import type { LiveContainer } from '../../src/core/ports.js';
import type { ContainerDetails } from '../../src/runtime/container-details.js';
import { ContainerLookupCache } from '../../src/runtime/container-lookup-cache.js';
import { containerIdOf } from '../../src/runtime/docker-event-watch.js';

const ID = 'a'.repeat(64);

function live(name: string, image = 'busybox'): LiveContainer {
  return { id: ID, name, image, state: { status: 'running', running: true, paused: false }, config: { labels: {} } as unknown as LiveContainer['config'] };
}

/** A store that records what was written, over one container row. */
function recordingStore(clock: ManualClock) {
  let row: ContainerRecord | undefined;
  const writes: string[] = [];
  return {
    writes,
    store: {
      upsertContainer(c: { id: string; name: string; image: string }, seenAt: Date): ContainerRecord {
        writes.push(c.name);
        row = { id: c.id, name: c.name, image: c.image, firstSeenAt: row?.firstSeenAt ?? seenAt, lastSeenAt: seenAt, removedAt: null, projectId: 'default' };
        return row;
      },
      getContainer: () => row,
      findContainers: () => [],
      markContainerRemoved: () => undefined,
    },
    clock,
  };
}

describe('read paths: no disk write for a container that did not change', () => {
  it('writes the first sighting, then only on a change or once the last-seen time is a minute old', async () => {
    const clock = new ManualClock('2026-05-01T00:00:00Z');
    const { store, writes } = recordingStore(clock);
    let current = live('web');
    const resolver = new ContainerResolver({ resolveContainer: () => Promise.resolve(current) }, store, clock);

    await resolver.resolveForRead('web');
    await resolver.resolveForRead('web');
    clock.advance(30_000);
    await resolver.resolve('web');
    assert.deepEqual(writes, ['web'], 'unchanged within a minute: one write');

    current = live('web-renamed');
    assert.equal((await resolver.resolveForRead(ID)).record.name, 'web-renamed');
    assert.deepEqual(writes, ['web', 'web-renamed']);

    clock.advance(61_000);
    await resolver.resolveForRead(ID);
    assert.equal(writes.length, 3, 'last seen refreshed after a minute');
  });
});

describe('ContainerLookupCache', () => {
  const details = (name: string): ContainerDetails => ({ ...live(name), imageId: 'sha256:x', graphDriver: 'btrfs', mounts: [] });

  it('keeps nothing until the event stream is connected, and nothing after it is lost', () => {
    const cache = new ContainerLookupCache();
    cache.remember('web', details('web'), cache.begin());
    assert.equal(cache.get('web'), undefined);
    cache.setLive(true);
    cache.remember('web', details('web'), cache.begin());
    assert.equal(cache.get('web')?.name, 'web');
    cache.setLive(false);
    assert.equal(cache.get('web'), undefined);
  });

  it("drops every ref of a container at its event; a lookup that overlapped an event stores nothing", () => {
    const cache = new ContainerLookupCache();
    cache.setLive(true);
    cache.remember('web', details('web'), cache.begin());
    cache.remember(ID, details('web'), cache.begin());
    cache.containerChanged(ID);
    assert.equal(cache.get('web'), undefined);
    assert.equal(cache.get(ID), undefined);

    const startedAt = cache.begin();
    cache.containerChanged('b'.repeat(64)); // any event while Docker was being asked
    cache.remember('web', details('web'), startedAt);
    assert.equal(cache.get('web'), undefined, 'the answer may predate the event');
  });

  it('an unreadable event forgets everything', () => {
    const cache = new ContainerLookupCache();
    cache.setLive(true);
    cache.remember('web', details('web'), cache.begin());
    cache.containerChanged(null);
    assert.equal(cache.size, 0);
  });
});

describe('containerIdOf (Docker event lines)', () => {
  it('reads Actor.ID, falls back to id, and gives undefined for what it cannot read', () => {
    assert.equal(containerIdOf(JSON.stringify({ Type: 'container', Action: 'rename', Actor: { ID: ID } })), ID);
    assert.equal(containerIdOf(JSON.stringify({ status: 'die', id: ID })), ID);
    assert.equal(containerIdOf('{"Type":"container"'), undefined);
    assert.equal(containerIdOf('{}'), undefined);
  });
});
