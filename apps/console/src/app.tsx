import { useEffect, useLayoutEffect, useState } from 'preact/hooks';
import { currentSession, signOut, type Session } from './api';
import { CustomerPicker } from './customer-picker';
import { PAGES, type ConsolePage } from './pages';
import { SignInPage } from './pages/sign-in';

const PREFIX = '/console/';

/** The page an address names among those this session may open; the landing page for anything else. */
function pageAt(pathname: string, session: Session): ConsolePage {
  const allowed = PAGES.filter((page) => !page.operatorOnly || session.role === 'operator');
  const wanted = pathname.startsWith(PREFIX) ? pathname.slice(PREFIX.length).split('/')[0] : '';
  return allowed.find((page) => page.path === wanted) ?? allowed[0]!;
}

/** The part of the address after the page's own (e.g. an event id), for pages that open one item. */
export function subPath(page: ConsolePage): string {
  const rest = location.pathname.slice(PREFIX.length + page.path.length);
  return decodeURIComponent(rest.replace(/^\/+/, ''));
}

/** Moves to another console address without a reload (links inside pages use it too). */
export function navigate(path: string): void {
  history.pushState(null, '', path);
  dispatchEvent(new PopStateEvent('popstate'));
}

/**
 * The shell: asks the gateway whether the cookie holds a session, then shows the sign-in page or the
 * signed-in pages. The address names the page (/console/overview, /console/keys, …) so a reload or a
 * shared link lands where the reader was; the gateway answers index.html for any path under /console/.
 */
export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [failure, setFailure] = useState<string | null>(null);
  /** The customer an operator reads (a customer reads only its own). */
  const [picked, setPicked] = useState<string | undefined>(undefined);
  const [pathname, setPathname] = useState(location.pathname);

  useEffect(() => {
    currentSession().then(setSession, (error: unknown) => {
      setSession(null);
      setFailure(error instanceof Error ? error.message : String(error));
    });
    const follow = () => setPathname(location.pathname);
    addEventListener('popstate', follow);
    return () => removeEventListener('popstate', follow);
  }, []);

  const page = session ? pageAt(pathname, session) : undefined;

  // Before paint, so the address never lags the page on screen (a test or a reader reading the URL
  // right after the sign-in page appears sees /console/sign-in).
  useLayoutEffect(() => {
    if (session === undefined) return;
    if (!session || !page) {
      if (location.pathname !== `${PREFIX}sign-in`) history.replaceState(null, '', `${PREFIX}sign-in`);
      // The address state follows the replaced address: the next sign-in starts from the landing page,
      // not from whatever page the last session could not open.
      setPathname(location.pathname);
      document.title = 'Sign in · Tracking console';
      return;
    }
    if (!location.pathname.startsWith(`${PREFIX}${page.path}`)) {
      history.replaceState(null, '', `${PREFIX}${page.path}`);
      setPathname(location.pathname);
    }
    document.title = `${page.title} · Tracking console`;
  }, [session, page]);

  if (session === undefined) return <p class="loading" role="status">Loading…</p>;
  if (!session || !page) return <SignInPage onSignedIn={setSession} notice={failure} />;

  const leave = async () => {
    try {
      await signOut();
    } finally {
      setSession(null);
      setPicked(undefined);
    }
  };
  const operator = session.role === 'operator';
  const Page = page.component;
  const follow = (event: MouseEvent, path: string) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    navigate(path);
  };

  return (
    <div class="shell">
      <header class="topbar">
        <span class="brand">Tracking console</span>
        <nav aria-label="Pages">
          {PAGES.filter((candidate) => !candidate.operatorOnly || operator).map((candidate) => (
            <a
              key={candidate.path}
              href={`${PREFIX}${candidate.path}`}
              aria-current={candidate === page ? 'page' : undefined}
              onClick={(event) => follow(event, `${PREFIX}${candidate.path}`)}
            >
              {candidate.title}
            </a>
          ))}
        </nav>
        {operator ? <CustomerPicker value={picked} onPick={setPicked} /> : <span class="who">{session.customer_id}</span>}
        <button type="button" class="secondary" onClick={() => void leave()}>
          Sign out
        </button>
      </header>
      <main id="main">
        {operator && !picked && !page.allCustomers ? <p class="muted">Loading the customers…</p> : <Page session={session} customerId={picked} onPickCustomer={setPicked} />}
      </main>
    </div>
  );
}
