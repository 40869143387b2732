import type { LiveContainer } from './ports.js';

/**
 * A create that started from Docker's cached answer found, on asking Docker afresh, that the container is
 * gone (`lookupError` is the fresh lookup's error, which the client gets) or that the reference now names
 * another container (no lookupError: the create starts over with the fresh answer). Nothing of the
 * attempt is kept.
 */
export class ContainerNotConfirmed extends Error {
  constructor(readonly lookupError: Error | undefined) {
    super(lookupError === undefined ? 'the container reference now names another container' : 'the fresh Docker lookup failed');
    this.name = 'ContainerNotConfirmed';
  }
}

/** Docker's fresh answer for `cached`'s reference: the same container, else ContainerNotConfirmed is thrown. */
export async function confirmContainer(cached: LiveContainer, fresh: Promise<{ readonly live: LiveContainer }>): Promise<LiveContainer> {
  let live: LiveContainer;
  try {
    ({ live } = await fresh);
  } catch (error) {
    throw new ContainerNotConfirmed(error instanceof Error ? error : new Error(String(error)));
  }
  if (live.id !== cached.id) throw new ContainerNotConfirmed(undefined);
  return live;
}

/** After an attempt failed: whether the fresh answer explains it (gone or replaced), without throwing. */
export async function notConfirmed(cached: LiveContainer, fresh: Promise<{ readonly live: LiveContainer }> | undefined): Promise<ContainerNotConfirmed | undefined> {
  if (fresh === undefined) return undefined;
  return confirmContainer(cached, fresh).then(
    () => undefined,
    (error: unknown) => (error instanceof ContainerNotConfirmed ? error : undefined),
  );
}
