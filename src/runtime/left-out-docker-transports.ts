/**
 * dockerode, without the parts cowsnap never reaches: docker-modem requires ssh2 at load (for ssh://
 * Docker hosts) and dockerode requires @grpc/grpc-js and @grpc/proto-loader (with protobufjs) at load
 * (for BuildKit sessions of `buildImage`). cowsnap talks to Docker over its unix socket (`dockerSocket`)
 * and never builds images, yet those modules cost ~11 MiB of resident memory and 16 MiB of external
 * memory (ssh2 sets up a WebAssembly poly1305 at load) in every process (issue #17, goal 5). No dockerode
 * or docker-modem release loads them lazily (checked: dockerode 4.0.12 and 5.0.1, docker-modem 5.0.7).
 *
 * How: Node's module cache (`require.cache`, documented as writable) gets, for those three packages as
 * dockerode/docker-modem resolve them, an entry whose exports fail loudly on any use: a call or `new`
 * throws an Error naming the package and why it is absent. Merely reading a property is allowed, because
 * docker-modem reads `require('ssh2').Client` at load. A package somebody already loaded for real is left
 * alone. src/runtime/dockerode.ts evaluates this before dockerode; import dockerode from there.
 */
import { createRequire, Module } from 'node:module';

const require = createRequire(import.meta.url);

/** The packages left out, each with the dockerode feature that would need it. */
const LEFT_OUT = [
  { name: 'ssh2', from: 'docker-modem', feature: 'ssh:// Docker hosts' },
  { name: '@grpc/grpc-js', from: 'dockerode', feature: 'BuildKit sessions (buildImage)' },
  { name: '@grpc/proto-loader', from: 'dockerode', feature: 'BuildKit sessions (buildImage)' },
] as const;

export class LeftOutModuleError extends Error {
  override readonly name = 'LeftOutModuleError';
}

/** A stand-in for a package's exports: reading properties works, using anything throws. */
function failingExports(name: string, feature: string, path: string): unknown {
  // A function expression, not an arrow: only those can be a Proxy target that answers `new` (with the error).
  const fail = function fail(): never {
    throw new LeftOutModuleError(
      `${path} was used, but cowsnap does not load ${name}: dockerode needs it only for ${feature}, and cowsnap talks to Docker over its unix socket (src/runtime/left-out-docker-transports.ts)`,
    );
  };
  return new Proxy(fail, {
    apply: fail,
    construct: fail,
    // Symbols and `then` answer undefined, so inspecting or awaiting the stand-in does not throw by surprise.
    get: (_target, property) => (typeof property === 'symbol' || property === 'then' ? undefined : failingExports(name, feature, `${path}.${property}`)),
  });
}

/** Where `from` (dockerode, or docker-modem as dockerode resolves it) would load `name` from. */
function resolvedFrom(from: string, name: string): string {
  const fromDockerode = createRequire(require.resolve('dockerode'));
  const base = from === 'dockerode' ? fromDockerode : createRequire(fromDockerode.resolve('docker-modem'));
  return base.resolve(name);
}

/** The files replaced in the module cache (for tests); none when the real packages were loaded first. */
export const leftOutModuleFiles: readonly string[] = LEFT_OUT.flatMap(({ name, from, feature }) => {
  const file = resolvedFrom(from, name);
  if (require.cache[file] !== undefined) return [];
  const entry = new Module(file);
  entry.filename = file;
  entry.loaded = true;
  entry.exports = failingExports(name, feature, `require('${name}')`);
  require.cache[file] = entry;
  return [file];
});
