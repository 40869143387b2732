/** The current route from location.pathname, kept in step with pushState navigation and back/forward. */
import { useEffect, useState } from 'preact/hooks';
import { parseRoute, type Route } from '../logic/routes.ts';

const NAVIGATE_EVENT = 'cowsnap:navigate';

export function navigate(href: string): void {
  if (href === location.pathname) return;
  history.pushState(null, '', href);
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.pathname));
  useEffect(() => {
    const update = (): void => {
      setRoute(parseRoute(location.pathname));
    };
    window.addEventListener('popstate', update);
    window.addEventListener(NAVIGATE_EVENT, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(NAVIGATE_EVENT, update);
    };
  }, []);
  return route;
}

/** Plain links that navigate in-app on a normal click, and behave as links otherwise (new tab, copy). */
export function onLinkClick(event: MouseEvent): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const anchor = (event.currentTarget as HTMLAnchorElement | null) ?? null;
  if (anchor === null) return;
  event.preventDefault();
  navigate(anchor.pathname);
}
