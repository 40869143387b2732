/** The console: sign-in gate, navigation, and the page the URL names. */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { API_BASE, ApiClient } from './api/api-client.ts';
import { ApiContext } from './api/api-context.ts';
import { LiveEvents } from './api/live-events.ts';
import { LiveEventsContext } from './api/live-events-context.ts';
import { clearToken, loadToken, saveToken } from './api/token-store.ts';
import { Link } from './components/link.tsx';
import { onLinkClick, useRoute } from './hooks/use-route.ts';
import { TEMPLATES_HREF, UI_BASE } from './logic/routes.ts';
import { ContainerPage } from './pages/container-page.tsx';
import { ContainersPage } from './pages/containers-page.tsx';
import { SignInPage } from './pages/sign-in-page.tsx';
import { TemplatesPage } from './pages/templates-page.tsx';

export function App() {
  const [token, setToken] = useState(loadToken);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const route = useRoute();
  useFocusOnNavigation(route.page === 'container' ? `container:${route.name}` : route.page);
  const api = useMemo(
    () =>
      token === null
        ? null
        : new ApiClient(token, (error) => {
            // A token revoked (or the service's token changed) while signed in: back to sign-in, saying why.
            clearToken();
            setToken(null);
            setNotice(`You were signed out: ${error.message}`);
          }),
    [token],
  );
  const live = useMemo(() => (token === null ? null : new LiveEvents(`${API_BASE}/events`, token)), [token]);
  useEffect(() => () => live?.close(), [live]);

  if (api === null) {
    return (
      <SignInPage
        notice={notice}
        onSignedIn={(value) => {
          saveToken(value);
          setNotice(undefined);
          setToken(value);
        }}
      />
    );
  }
  const signOut = (): void => {
    clearToken();
    setToken(null);
    setNotice('Signed out.');
  };
  return (
    <ApiContext.Provider value={api}>
      <LiveEventsContext.Provider value={live}>
        <a class="skip-link" href="#main">
          Skip to content
        </a>
        <header class="top-bar">
          <Link href={UI_BASE} class="brand">
            cowsnap
          </Link>
          <nav aria-label="Main">
            <ul>
              <li>
                <NavLink href={UI_BASE} current={route.page === 'containers' || route.page === 'container'}>
                  Containers
                </NavLink>
              </li>
              <li>
                <NavLink href={TEMPLATES_HREF} current={route.page === 'templates'}>
                  Templates
                </NavLink>
              </li>
            </ul>
          </nav>
          <button type="button" class="sign-out" onClick={signOut}>
            Sign out
          </button>
        </header>
        <main id="main" tabIndex={-1}>
          {route.page === 'containers' && <ContainersPage />}
          {route.page === 'container' && <ContainerPage key={route.name} name={route.name} />}
          {route.page === 'templates' && <TemplatesPage />}
          {route.page === 'not-found' && (
            <section>
              <h1>Not found</h1>
              <p>
                The console has no page at <code>{route.path}</code>. <Link href={UI_BASE}>Go to the containers</Link>.
              </p>
            </section>
          )}
        </main>
      </LiveEventsContext.Provider>
    </ApiContext.Provider>
  );
}

function NavLink({ href, current, children }: { readonly href: string; readonly current: boolean; readonly children: string }) {
  return (
    <a href={href} aria-current={current ? 'page' : undefined} onClick={onLinkClick}>
      {children}
    </a>
  );
}

/** After an in-app navigation, focus moves to the new page's content, as a page load would for screen readers. */
function useFocusOnNavigation(key: string): void {
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    document.getElementById('main')?.focus();
  }, [key]);
}
