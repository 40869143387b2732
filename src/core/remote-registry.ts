import { NotFoundError } from '../errors/not-found-error.js';
import type { RemotePort } from './remote-port.js';

/** The configured remotes by id (config `remotes[]`): the one way core finds a remote. */
export class RemoteRegistry {
  private readonly byId: Map<string, RemotePort>;

  constructor(readonly remotes: readonly RemotePort[]) {
    this.byId = new Map(remotes.map((remote) => [remote.id, remote]));
  }

  find(id: string): RemotePort | undefined {
    return this.byId.get(id);
  }

  get(id: string): RemotePort {
    const remote = this.byId.get(id);
    if (remote === undefined) {
      const known = this.remotes.length === 0 ? 'none is configured' : `configured: ${this.remotes.map((r) => r.id).join(', ')}`;
      throw new NotFoundError('remote_not_found', `There is no remote "${id}" (${known}).`);
    }
    return remote;
  }
}
