/** Sign-in with an API token. The token is checked against the API before it is kept (sessionStorage only). */
import { useState } from 'preact/hooks';
import { ApiClient, ApiError } from '../api/api-client.ts';
import { ErrorBox } from '../components/error-box.tsx';

export function SignInPage({ notice, onSignedIn }: { readonly notice: string | undefined; readonly onSignedIn: (token: string) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    const value = token.trim();
    if (value === '') {
      setError(new ApiError(0, 'Enter the API token.', 'missing_token', []));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await new ApiClient(value).get('/containers');
      onSignedIn(value);
    } catch (failure) {
      const apiError = failure instanceof ApiError ? failure : new ApiError(0, String(failure), 'unexpected', []);
      setError(
        apiError.status === 401
          ? new ApiError(401, `This token was not accepted (${apiError.message}) Use the token that \`cowsnap up\` printed, or the contents of the token file (/etc/cowsnap/token by default).`, apiError.code, apiError.details)
          : apiError,
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="sign-in">
      <h1>cowsnap console</h1>
      <p>Snapshots, rollbacks and copies of your Docker containers.</p>
      {notice !== undefined && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      <form onSubmit={(event) => void submit(event)}>
        <label for="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="off"
          spellcheck={false}
          value={token}
          onInput={(event) => {
            setToken(event.currentTarget.value);
          }}
        />
        <p class="hint">Kept in this browser tab only (session storage); closing the tab signs you out.</p>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <ErrorBox error={error} title="Sign-in failed:" />
    </main>
  );
}
