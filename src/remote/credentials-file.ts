/**
 * S3 credentials come from a JSON file the operator writes (mode 0600), never from the config itself:
 *   {"accessKeyId": "...", "secretAccessKey": "...", "sessionToken": "..." (optional)}
 * Read at every client creation, so rotating the keys needs only the file and a restart.
 */
import { readFileSync } from 'node:fs';

export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export function readCredentialsFile(path: string): S3Credentials {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`The S3 credentials file ${path} cannot be read as JSON: ${(error as Error).message}`, { cause: error });
  }
  const value = parsed as Partial<Record<string, unknown>> | null;
  const text = (name: string): string | undefined => {
    const field = value?.[name];
    return typeof field === 'string' && field !== '' ? field : undefined;
  };
  const accessKeyId = text('accessKeyId');
  const secretAccessKey = text('secretAccessKey');
  if (accessKeyId === undefined || secretAccessKey === undefined) {
    throw new Error(`The S3 credentials file ${path} must hold {"accessKeyId": "...", "secretAccessKey": "..."}.`);
  }
  const sessionToken = text('sessionToken');
  return { accessKeyId, secretAccessKey, ...(sessionToken !== undefined ? { sessionToken } : {}) };
}
