import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConflictError } from '../../src/errors/conflict-error.js';
import { InternalError } from '../../src/errors/internal-error.js';
import { NotFoundError } from '../../src/errors/not-found-error.js';
import { ServiceUnavailableError } from '../../src/errors/service-unavailable-error.js';
import { ValidationError } from '../../src/errors/validation-error.js';
import { describeDockerFailure, isDockerUnreachable, mapDockerError } from '../../src/runtime/docker-errors.js';

/** What docker-modem rejects with: an Error carrying statusCode, reason and the parsed JSON body. */
function modemError(statusCode: number, message: string, json: unknown = { message }): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode}) - ${message}`), { statusCode, json, reason: 'x' });
}

function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code} /run/docker.sock`), { code, errno: -2, syscall: 'connect' });
}

describe('dockerode error mapping', () => {
  it('defect-11 maps an unreachable daemon to 503 docker_unavailable, without the host\'s socket path', () => {
    for (const code of ['ECONNREFUSED', 'ENOENT', 'EACCES']) {
      const error = mapDockerError(socketError(code), { action: 'list containers', socket: '/run/docker.sock' });
      assert.ok(error instanceof ServiceUnavailableError);
      assert.equal(error.code, 'docker_unavailable');
      assert.match(error.message, /not reachable.*list containers/);
      assert.doesNotMatch(error.message, /\/run\/docker\.sock/);
      assert.ok(isDockerUnreachable(socketError(code)));
    }
  });

  it('maps 404 to container_not_found with the ref, 409 to a conflict, 400 to a validation error', () => {
    const missing = mapDockerError(modemError(404, 'No such container: ghost'), { action: 'stop container ghost', container: 'ghost' });
    assert.ok(missing instanceof NotFoundError);
    assert.equal(missing.code, 'container_not_found');
    assert.match(missing.message, /"ghost"/);
    const conflict = mapDockerError(modemError(409, 'Container x is not running'), { action: 'pause container x' });
    assert.ok(conflict instanceof ConflictError);
    assert.match(conflict.message, /is not running/);
    const bad = mapDockerError(modemError(400, 'Invalid container name (x)'), { action: 'create container x' });
    assert.ok(bad instanceof ValidationError);
    assert.match(bad.message, /Invalid container name/);
  });

  it('defect-11 host paths in Docker\'s 4xx sentences are replaced', () => {
    const bad = mapDockerError(modemError(400, 'invalid mount config for type "bind": bind source path does not exist: /srv/secret/data'), { action: 'create container x' });
    assert.doesNotMatch(bad.message, /\/srv\/secret/);
    assert.match(bad.message, /bind source path does not exist: <host path>/);
  });

  it('defect-11 maps anything else to 500 docker_failed; Docker\'s own message stays in the cause (the log)', () => {
    const error = mapDockerError(modemError(500, 'driver failed', Buffer.from('{"message":"driver failed badly"}')), { action: 'start container x' });
    assert.ok(error instanceof InternalError);
    assert.equal(error.code, 'docker_failed');
    assert.match(error.message, /^Docker failed to start container x\. The server log has the details/);
    assert.doesNotMatch(error.message, /driver failed badly/);
    assert.match((error.cause as Error).message, /driver failed/);
    assert.equal(describeDockerFailure(modemError(500, 'x', 'plain text body')).message, 'plain text body');
    assert.equal(describeDockerFailure('odd').message, 'odd');
  });

  it('passes an AppError through unchanged', () => {
    const original = new ConflictError('container_not_running', 'not running');
    assert.equal(mapDockerError(original, { action: 'x' }), original);
  });

  it('maps Docker shutting down or restarting mid-request to 503 docker_unavailable; a genuine 500 stays docker_failed', () => {
    // What the chaos run's dockerd restart got (seed 30): a stop during the shutdown.
    const shutdownAnswers = [
      modemError(500, 'Cannot stop container c9: grpc: the client connection is closing: unavailable'),
      modemError(500, 'rpc error: code = Unavailable desc = transport is closing'),
      modemError(500, 'connection error: desc = "transport: Error while dialing dial unix /run/containerd/containerd.sock: connect: connection refused": unavailable'),
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      new Error('socket hang up'),
    ];
    for (const answer of shutdownAnswers) {
      const error = mapDockerError(answer, { action: 'stop container c9', container: 'c9' });
      assert.ok(error instanceof ServiceUnavailableError, `${answer.message} -> ${error.constructor.name}`);
      assert.equal(error.code, 'docker_unavailable');
      assert.doesNotMatch(error.message, /containerd\.sock|\/run\//);
      assert.ok(isDockerUnreachable(answer));
    }
    const genuine = mapDockerError(modemError(500, 'error mounting layer: invalid argument'), { action: 'start container c9' });
    assert.ok(genuine instanceof InternalError);
    assert.equal(genuine.code, 'docker_failed');
    assert.ok(!isDockerUnreachable(modemError(500, 'error mounting layer: invalid argument')));
    // A 4xx that quotes such words is still Docker's answer about the request.
    assert.ok(mapDockerError(modemError(409, 'transport is closing'), { action: 'x' }) instanceof ConflictError);
  });
});
