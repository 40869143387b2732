/**
 * systemd/node-memory.env: the node flags and malloc settings the systemd unit and the quick start run the
 * service with, so the benchmarks measure the service as it is installed. The file is KEY=value lines
 * (systemd's EnvironmentFile syntax, also sourced by the quick start's shell): # comments, values with
 * spaces in double quotes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const NODE_MEMORY_ENV = join(import.meta.dirname, '..', '..', 'systemd', 'node-memory.env');

export interface NodeMemorySettings {
  /** COWSNAP_NODE_FLAGS split into node's arguments. */
  readonly nodeArgs: string[];
  /** Every other variable (MALLOC_ARENA_MAX ...), for the service's environment. */
  readonly environment: Record<string, string>;
}

/** Parses the file's text; a line that is not a comment, blank or KEY=value is an error, not ignored. */
export function parseNodeMemorySettings(text: string): NodeMemorySettings {
  const variables: Record<string, string> = {};
  for (const [index, line] of text.split('\n').entries()) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const match = /^([A-Z_][A-Z0-9_]*)=(?:"([^"]*)"|([^\s"]*))$/.exec(trimmed);
    if (match === null) throw new Error(`${NODE_MEMORY_ENV}:${String(index + 1)}: not KEY=value or KEY="value": ${trimmed}`);
    variables[match[1] as string] = match[2] ?? match[3] ?? '';
  }
  const { COWSNAP_NODE_FLAGS: flags = '', ...environment } = variables;
  return { nodeArgs: flags.split(' ').filter((arg) => arg !== ''), environment };
}

export function readNodeMemorySettings(): NodeMemorySettings {
  return parseNodeMemorySettings(readFileSync(NODE_MEMORY_ENV, 'utf8'));
}
