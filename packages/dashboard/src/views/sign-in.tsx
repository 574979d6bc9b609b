import { useState, type FormEvent } from 'react';
import { createApiClient, errorText } from '../api/client.ts';

/** The operator pastes the admin token Herald printed on first start (or HERALD_ADMIN_TOKEN). */
export function SignIn({ onSignedIn }: { onSignedIn(token: string): void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [checking, setChecking] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setChecking(true);
    setError(null);
    try {
      await createApiClient(token.trim(), () => undefined).get('/app', { limit: 1 });
      onSignedIn(token.trim());
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setChecking(false);
    }
  };

  return (
    <main id="main" className="sign-in">
      <h1>Herald</h1>
      <form onSubmit={submit} className="card">
        <h2>Sign in</h2>
        <p>Paste the admin API token Herald printed when it first started (or the value of <code>HERALD_ADMIN_TOKEN</code>).
          It stays in this browser tab only.</p>
        <label htmlFor="token">Admin token</label>
        <input id="token" type="password" autoComplete="off" required value={token}
          onChange={(event) => setToken(event.target.value)} aria-describedby={error ? 'sign-in-error' : undefined} />
        {error && <p id="sign-in-error" className="error" role="alert">{error}</p>}
        <button type="submit" className="primary" disabled={checking || token.trim() === ''}>{checking ? 'Checking…' : 'Sign in'}</button>
      </form>
    </main>
  );
}
