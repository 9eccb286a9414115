import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, setKey } from '../api';
import type { ApiErrorShape } from '../format';
import { Heading } from '../ui';

/** The key is checked with one cheap ops call before it is kept (this tab's sessionStorage only). */
export function LoginView({ notice, onSignedIn }: { notice: string | null; onSignedIn: () => void }): JSX.Element {
  const [value, setValue] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<{ text: string; error: ApiErrorShape } | null>(null);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);

  const submit = async (ev: Event) => {
    ev.preventDefault();
    const key = value.trim();
    if (!key) return;
    setBusy(true);
    setProblem(null);
    const r = await api('GET', '/v1/orders?limit=1', undefined, key);
    setBusy(false);
    if (r.ok) {
      setKey(key);
      onSignedIn();
      return;
    }
    const text =
      r.status === 401
        ? 'This key is not a valid API key.'
        : r.status === 403
          ? 'This is a storefront key; the console needs an ops key.'
          : `Checking the key failed: ${r.error.message}`;
    setProblem({ text, error: r.error });
    input.current?.focus();
  };

  return (
    <>
      <Heading>Sign in</Heading>
      {notice ? (
        <div class="alert" role="alert">
          {notice}
        </div>
      ) : null}
      <form class="card narrow" onSubmit={submit}>
        <label for="ops-key">Ops API key</label>
        <input ref={input} type="password" id="ops-key" name="ops-key" autocomplete="off" spellcheck={false} required aria-describedby="ops-key-hint" value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} />
        <p class="hint" id="ops-key-hint">
          Kept in this browser tab only (sessionStorage) and sent as a Bearer token to this service. Closing the tab forgets it.
        </p>
        <button type="submit" class="primary" disabled={busy}>
          Use this key
        </button>
        <div id="login-result">
          {problem ? (
            <div class="alert" role="alert">
              <p>{problem.text}</p>
              <p class="muted small">
                {problem.error.code} · HTTP {problem.error.status}
                {problem.error.requestId ? ` · request id ${problem.error.requestId}` : ''}
              </p>
            </div>
          ) : null}
        </div>
      </form>
    </>
  );
}
