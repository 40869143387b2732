/** DockerRuntime.createContainer with dockerode faked: a failure after Docker made the container must not leave it. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type Dockerode from 'dockerode';
import { DockerRuntime } from '../../src/runtime/docker-runtime.js';
import { sampleConfig } from '../store/store-fixture.js';

function modemError(statusCode: number, message: string): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode}) - ${message}`), { statusCode, json: { message } });
}

describe('createContainer', () => {
  it('removes the container it made when connecting it to a second network fails', async () => {
    const removed: string[] = [];
    const config = { ...sampleConfig(), networks: ['frontend', 'backend'] };
    const docker = {
      modem: {},
      getImage: () => ({ inspect: () => Promise.resolve({ Id: config.imageId }) }),
      createContainer: () => Promise.resolve({ id: 'new-id' }),
      getNetwork: (name: string) => ({ connect: () => Promise.reject(modemError(404, `network ${name} not found`)) }),
      getContainer: (id: string) => ({
        remove: () => {
          removed.push(id);
          return Promise.resolve();
        },
      }),
    };
    const runtime = new DockerRuntime(docker as unknown as Dockerode, { stopTimeoutSeconds: 1 });
    await assert.rejects(runtime.createContainer('copy', config), /backend/);
    assert.deepEqual(removed, ['new-id']);
  });
});
