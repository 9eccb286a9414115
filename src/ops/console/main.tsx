import { render } from 'preact';
import './console.css';
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, clearKey, currentKey, whenUnauthorized } from './api';
import { type GatewayInfo, parseRoute, setGateways } from './format';
import { ConfirmHost } from './ui';
import { LoginView } from './views/login';
import { OrderView } from './views/order';
import { OrdersView } from './views/orders';
import { ReviewView } from './views/review';
import { WithdrawalsView } from './views/withdrawals';

/** The ops console: hash routes, one view at a time, every datum from the ops API with the typed-in key. */
function App(): JSX.Element {
  const [hash, setHash] = useState(window.location.hash);
  const [key, setKeyState] = useState(currentKey());
  const [notice, setNotice] = useState<string | null>(null);
  /** Bumped to draw the current view again (after an action). */
  const [round, setRound] = useState(0);

  useEffect(() => {
    const onHash = () => setHash(window.location.hash);
    window.addEventListener('hashchange', onHash);
    whenUnauthorized((message) => {
      setNotice(message);
      setKeyState(null);
    });
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  /** The gateways that are on (GET /v1/gateways), asked once per key before the first view: the console names none itself. */
  const [gatewaysFor, setGatewaysFor] = useState<string | null>(null);
  useEffect(() => {
    if (key === null || gatewaysFor === key) return;
    let live = true;
    void api<{ data: GatewayInfo[] }>('GET', '/v1/gateways').then((r) => {
      if (!live) return;
      // Not answered: the views still work, naming gateways by their provider value.
      if (r.ok && Array.isArray(r.data.data)) setGateways(r.data.data);
      setGatewaysFor(key);
    });
    return () => {
      live = false;
    };
  }, [key, gatewaysFor]);

  const route = parseRoute(hash);
  const section = route.path.startsWith('/withdrawals') ? 'withdrawals' : route.path.startsWith('/review') ? 'review' : 'orders';
  const signedIn = key !== null;

  useEffect(() => {
    const forget = document.getElementById('forget-key');
    if (forget) forget.hidden = !signedIn;
    for (const a of Array.from(document.querySelectorAll<HTMLAnchorElement>('nav a[data-nav]'))) {
      if (signedIn && a.dataset.nav === section) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
  }, [signedIn, section]);

  useEffect(() => {
    const forget = document.getElementById('forget-key');
    const onForget = () => {
      clearKey();
      setNotice(null);
      setKeyState(null);
    };
    forget?.addEventListener('click', onForget);
    return () => forget?.removeEventListener('click', onForget);
  }, []);

  if (!signedIn) {
    return (
      <LoginView
        notice={notice}
        onSignedIn={() => {
          setNotice(null);
          setKeyState(currentKey());
        }}
      />
    );
  }
  if (gatewaysFor !== key) return <p class="muted">Loading…</p>;
  const reload = () => setRound((n) => n + 1);
  const m = /^\/order\/(.+)$/.exec(route.path);
  // `key` on each view: a new route or a reload starts the view afresh (no stale answers drawn).
  let view: JSX.Element;
  if (m) view = <OrderView key={`${hash}:${round}`} orderRef={decodeURIComponent(m[1]!)} reload={reload} />;
  else if (section === 'withdrawals') view = <WithdrawalsView key={`${hash}:${round}`} params={route.params} reload={reload} />;
  else if (section === 'review') view = <ReviewView key={`${hash}:${round}`} params={route.params} reload={reload} />;
  else view = <OrdersView key={`${hash}:${round}`} params={route.params} />;
  return (
    <>
      {view}
      <ConfirmHost />
    </>
  );
}

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App />, root);
}
