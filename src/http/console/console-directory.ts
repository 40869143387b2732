/**
 * Where the built console (web/dist: index.html + hashed assets) is. The service runs from src/ (tsx, tests)
 * or from dist/src/ (built), so the folder is found by walking up from this module to the checkout's root.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CONSOLE_BUILD_HINT = 'The web console is not built: run `npm run build` (or scripts/build.sh) in the cowsnap checkout.';

/** The first web/dist above this module that holds an index.html; else the nearest candidate (for the message). */
export function findConsoleDirectory(start: string = dirname(fileURLToPath(import.meta.url))): string {
  let candidate: string | undefined;
  for (let dir = start; ; dir = dirname(dir)) {
    const web = join(dir, 'web', 'dist');
    if (existsSync(join(web, 'index.html'))) return web;
    if (candidate === undefined && existsSync(join(dir, 'package.json'))) candidate = web;
    if (dirname(dir) === dir) return candidate ?? web;
  }
}
