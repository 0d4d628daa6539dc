import { useState } from 'preact/hooks';
import { signIn, type Credentials, type Session } from '../api';

interface Props {
  onSignedIn: (session: Session) => void;
  notice: string | null;
}

type Mode = 'customer' | 'operator';

/**
 * A customer signs in with its id and a token of its own (one with the read scope); an operator with
 * the admin token. The token goes to the gateway once and lives on only in the HttpOnly cookie.
 */
export function SignInPage({ onSignedIn, notice }: Props) {
  const [mode, setMode] = useState<Mode>('customer');
  const [customerId, setCustomerId] = useState('');
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(notice);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const credentials: Credentials = mode === 'customer' ? { customer_id: customerId.trim(), token } : { operator_token: token };
    try {
      const session = await signIn(credentials);
      setToken('');
      onSignedIn(session);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="sign-in">
      <form class="card" onSubmit={(event) => void submit(event)} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Sign in to the tracking console</h1>
        <fieldset>
          <legend>Sign in as</legend>
          <label class="choice">
            <input type="radio" name="mode" value="customer" checked={mode === 'customer'} onChange={() => setMode('customer')} />
            Customer
          </label>
          <label class="choice">
            <input type="radio" name="mode" value="operator" checked={mode === 'operator'} onChange={() => setMode('operator')} />
            Operator
          </label>
        </fieldset>
        {mode === 'customer' && (
          <label>
            Customer id
            <input name="customer_id" autoComplete="username" required value={customerId} onInput={(event) => setCustomerId(event.currentTarget.value)} />
          </label>
        )}
        <label>
          {mode === 'customer' ? 'API token (read scope)' : 'Operator token'}
          <input
            name="token"
            type="password"
            autoComplete="current-password"
            required
            value={token}
            onInput={(event) => setToken(event.currentTarget.value)}
          />
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
