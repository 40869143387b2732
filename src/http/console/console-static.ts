/**
 * Serves the web console at /ui/ (and redirects / there), without a token: the files are public, the
 * console signs in with a token itself and then only uses the public API. Hashed assets are cached for a
 * year (immutable); index.html is revalidated on every load so a new build shows at once. Any other path
 * under /ui/ gets index.html (the console routes in the browser). A gzip copy made at build time is sent
 * to clients that accept it.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { Context, Middleware } from 'koa';
import { CONSOLE_BUILD_HINT } from './console-directory.js';

export const CONSOLE_PREFIX = '/ui/';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** Everything the console loads comes from this origin; nothing may frame it. */
const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

interface FoundFile {
  readonly path: string;
  readonly size: number;
  readonly mtime: Date;
}

async function fileAt(path: string): Promise<FoundFile | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? { path, size: info.size, mtime: info.mtime } : undefined;
  } catch {
    return undefined;
  }
}

/** The file a /ui/ path names inside `root`, or undefined when it would leave `root` (../, encoded or not). */
export function resolveInside(root: string, urlPath: string): string | undefined {
  let relative: string;
  try {
    relative = decodeURIComponent(urlPath.slice(CONSOLE_PREFIX.length));
  } catch {
    return undefined;
  }
  if (relative.includes('\0')) return undefined;
  const resolved = normalize(join(root, relative));
  return resolved === root || resolved.startsWith(root.endsWith(sep) ? root : root + sep) ? resolved : undefined;
}

export function consoleStatic(directory: string): Middleware {
  const root = normalize(directory);
  return async (ctx, next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      await next();
      return;
    }
    if (ctx.path === '/' || ctx.path === '/ui') {
      ctx.redirect(CONSOLE_PREFIX);
      return;
    }
    if (!ctx.path.startsWith(CONSOLE_PREFIX)) {
      await next();
      return;
    }
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) ctx.set(name, value);
    const wanted = resolveInside(root, ctx.path);
    if (wanted === undefined) {
      notFound(ctx, 'No such file in the console.');
      return;
    }
    const isAsset = ctx.path.startsWith(`${CONSOLE_PREFIX}assets/`);
    let file = wanted === root ? undefined : await fileAt(wanted);
    if (file === undefined) {
      // A missing hashed asset is a real 404 (an old page asking for a replaced build); a page path is the app's.
      if (isAsset || extname(ctx.path) !== '') {
        notFound(ctx, 'No such file in the console.');
        return;
      }
      file = await fileAt(join(root, 'index.html'));
      if (file === undefined) {
        notFound(ctx, CONSOLE_BUILD_HINT);
        return;
      }
    }
    await send(ctx, file, isAsset);
  };
}

async function send(ctx: Context, file: FoundFile, immutable: boolean): Promise<void> {
  ctx.set('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  ctx.set('Vary', 'Accept-Encoding');
  ctx.lastModified = file.mtime;
  ctx.type = CONTENT_TYPES[extname(file.path)] ?? 'application/octet-stream';
  let body = file;
  if (ctx.acceptsEncodings('gzip', 'identity') === 'gzip') {
    const gzipped = await fileAt(`${file.path}.gz`);
    if (gzipped !== undefined) {
      body = gzipped;
      ctx.set('Content-Encoding', 'gzip');
    }
  }
  // Only the modification time is compared: a build replaces files as a whole.
  ctx.status = 200;
  if (ctx.fresh) {
    ctx.status = 304;
    return;
  }
  // Koa sends no body for HEAD and closes the stream when the response ends.
  ctx.body = createReadStream(body.path);
  ctx.length = body.size;
}

function notFound(ctx: Context, message: string): void {
  ctx.status = 404;
  ctx.type = 'text/plain; charset=utf-8';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = `${message}\n`;
}
