import { randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { privateFileProblem } from './private-file.js';

const TOKEN_BYTES = 32;

/**
 * Reads the API token, creating it on first start: 32 random bytes as hex, in a 0600 file whose
 * directory (when we create it) only root can enter. The token is the only thing between the API and
 * root-level mount operations, so it must never be world-readable.
 */
export async function loadOrCreateToken(path: string): Promise<string> {
  const existing = await readToken(path);
  if (existing !== undefined) return existing;
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const token = randomBytes(TOKEN_BYTES).toString('hex');
  try {
    // 'wx': two services starting at once must not overwrite each other's token.
    await writeFile(path, `${token}\n`, { mode: 0o600, flag: 'wx' });
    return token;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const raced = await readToken(path);
    if (raced === undefined) throw new Error(`token file ${path} appeared but is unreadable`, { cause: error });
    return raced;
  }
}

/** The token in the file, or undefined when there is no file; an empty file is an error, not "no token". */
export async function readToken(path: string): Promise<string | undefined> {
  let text: string;
  try {
    // Checked like the key file: a token others can read (or replace) is no protection.
    const problem = privateFileProblem(path, await stat(path));
    if (problem !== null) throw new Error(`token file ${path} ${problem}`);
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const token = text.trim();
  if (token === '') throw new Error(`token file ${path} is empty; delete it to have a new token created`);
  return token;
}
