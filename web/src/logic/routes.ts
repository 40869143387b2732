/** The console's pages and their URLs under /ui/ (history routing; the service answers index.html for all). */
export const UI_BASE = '/ui/';

export type Route =
  | { readonly page: 'containers' }
  | { readonly page: 'container'; readonly name: string }
  | { readonly page: 'templates' }
  | { readonly page: 'not-found'; readonly path: string };

export function parseRoute(pathname: string): Route {
  const rest = pathname.startsWith(UI_BASE) ? pathname.slice(UI_BASE.length) : pathname.replace(/^\/+/, '');
  const parts = rest.split('/').filter((p) => p !== '');
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'containers')) return { page: 'containers' };
  if (parts.length === 1 && parts[0] === 'templates') return { page: 'templates' };
  if (parts.length === 2 && parts[0] === 'containers' && parts[1] !== undefined) {
    return { page: 'container', name: safeDecode(parts[1]) };
  }
  return { page: 'not-found', path: pathname };
}

export function containerHref(name: string): string {
  return `${UI_BASE}containers/${encodeURIComponent(name)}`;
}

export const TEMPLATES_HREF = `${UI_BASE}templates`;

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
