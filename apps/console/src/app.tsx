import { useEffect, useState } from 'preact/hooks';
import { currentSession, signOut, type Session } from './api';
import { CustomerPicker } from './customer-picker';
import { OverviewPage } from './pages/overview';
import { SignInPage } from './pages/sign-in';

/**
 * The shell: asks the gateway whether the cookie holds a session, then shows the sign-in page or the
 * signed-in pages. The address follows the page (/console/sign-in, /console/overview) so a reload
 * lands where the reader was; the gateway answers index.html for any path under /console/.
 */
export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [failure, setFailure] = useState<string | null>(null);
  /** The customer an operator reads (a customer reads only its own). */
  const [picked, setPicked] = useState<string | undefined>(undefined);

  useEffect(() => {
    currentSession().then(setSession, (error: unknown) => {
      setSession(null);
      setFailure(error instanceof Error ? error.message : String(error));
    });
  }, []);

  useEffect(() => {
    if (session === undefined) return;
    const path = session ? '/console/overview' : '/console/sign-in';
    if (location.pathname !== path) history.replaceState(null, '', path);
    document.title = session ? 'Overview · Tracking console' : 'Sign in · Tracking console';
  }, [session]);

  if (session === undefined) return <p class="loading" role="status">Loading…</p>;
  if (!session) return <SignInPage onSignedIn={setSession} notice={failure} />;

  const leave = async () => {
    try {
      await signOut();
    } finally {
      setSession(null);
      setPicked(undefined);
    }
  };
  const operator = session.role === 'operator';

  return (
    <div class="shell">
      <header class="topbar">
        <span class="brand">Tracking console</span>
        <nav aria-label="Pages">
          <a href="/console/overview" aria-current="page">
            Overview
          </a>
        </nav>
        {operator ? <CustomerPicker value={picked} onPick={setPicked} /> : <span class="who">{session.customer_id}</span>}
        <button type="button" class="secondary" onClick={() => void leave()}>
          Sign out
        </button>
      </header>
      <main id="main">
        {operator && !picked ? <p class="muted">Loading the customers…</p> : <OverviewPage session={session} customerId={picked} />}
      </main>
    </div>
  );
}
