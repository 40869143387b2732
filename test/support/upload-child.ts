/**
 * Run as a child process by tests that need an upload cut off by a crash: uploads `mib` MiB of
 * generated data to the remote described by the JSON config in argv[2], under key argv[3].
 */
import type { RemoteConfig } from '../../src/config/config.js';
import { S3Remote } from '../../src/remote/s3-remote.js';
import { generatedStream } from './generated-stream.js';

const [configJson, key, mib] = process.argv.slice(2);
if (configJson === undefined || key === undefined) throw new Error('usage: upload-child.ts <remote config json> <key> [mib]');
const remote = new S3Remote(JSON.parse(configJson) as RemoteConfig);
await remote.uploadStream(key, generatedStream(Number(mib ?? 200)).stream);
remote.close();
