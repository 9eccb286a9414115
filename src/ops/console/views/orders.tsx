import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, type Order, type Page } from '../api';
import { type ApiErrorShape, amountOf, exceptionName, ORDER_STATUSES, plural, providerChoices, providerName, query, statusName } from '../format';
import { Badge, Cell, ErrorBox, Heading, Table, Time } from '../ui';

/** The filters of GET /v1/orders the console offers; `q` matches an id, external_id or customer_id exactly. */
export interface OrderFilter {
  q: string;
  status: string;
  provider: string;
  exception: string;
}

export const filterOf = (p: Record<string, string>): OrderFilter => ({ q: p.q ?? '', status: p.status ?? '', provider: p.provider ?? '', exception: p.exception ?? '' });

/** One page of orders for a filter: a single call (no guessing by GET /v1/orders/{q} first). */
export const listOrders = (f: OrderFilter, cursor?: string | null) =>
  api<Page<Order>>('GET', `/v1/orders${query({ q: f.q, status: f.status, provider: f.provider, exception: f.exception, limit: 50, cursor })}`);

export function OrderRows({ orders }: { orders: Order[] }): JSX.Element {
  return (
    <Table caption="Orders, newest first" headers={['Created', 'External id', 'Customer', 'Amount', 'Status', 'Gateway', 'Review']} id="orders-table">
      {orders.map((o) => (
        <tr key={o.id}>
          <Cell label="Created" class="nowrap">
            <Time iso={o.created_at} short />
          </Cell>
          <Cell label="External id" class="mono">
            <a href={`#/order/${encodeURIComponent(o.id)}`}>{o.external_id}</a>
          </Cell>
          <Cell label="Customer" class="wrap">{o.customer_id}</Cell>
          <Cell label="Amount" class="num">
            {amountOf(o.amount, o.currency)}
          </Cell>
          <Cell label="Status">
            <Badge status={o.status} />
          </Cell>
          <Cell label="Gateway">{providerName(o.provider)}</Cell>
          <Cell label="Review">{o.exception ? <Badge status={o.exception_resolved_at ? 'resolved' : 'exception'} label={`${exceptionName(o.exception)}${o.exception_resolved_at ? ' (resolved)' : ''}`} /> : '—'}</Cell>
        </tr>
      ))}
    </Table>
  );
}

export function OrdersView({ params }: { params: Record<string, string> }): JSX.Element {
  const initial = filterOf(params);
  const [form, setForm] = useState<OrderFilter>(initial);
  const [orders, setOrders] = useState<Order[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [problem, setProblem] = useState<ApiErrorShape | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);

  useEffect(() => {
    let live = true;
    void listOrders(initial).then((r) => {
      if (!live) return;
      if (r.ok) {
        setOrders(r.data.data);
        setNext(r.data.next_cursor);
      } else {
        setOrders([]);
        setProblem(r.error);
      }
    });
    return () => {
      live = false;
    };
  }, []);

  const submit = (ev: Event) => {
    ev.preventDefault();
    const target = `#/orders${query({ q: form.q.trim(), status: form.status, provider: form.provider, exception: form.exception })}`;
    if (window.location.hash === target) window.dispatchEvent(new HashChangeEvent('hashchange'));
    else window.location.hash = target;
  };
  const set = (k: keyof OrderFilter) => (e: Event) => setForm({ ...form, [k]: (e.target as HTMLInputElement).value });
  const filtered = initial.q || initial.status || initial.provider || initial.exception;

  return (
    <>
      <Heading>Orders</Heading>
      <form role="search" class="card search" onSubmit={submit}>
        <div class="field grow">
          <label for="q">Order id, external_id or customer id</label>
          <input type="search" id="q" name="q" value={form.q} onInput={set('q')} autocomplete="off" aria-describedby="q-hint" />
          <p class="hint" id="q-hint">
            Exact match. Empty: the latest orders.
          </p>
        </div>
        <div class="field">
          <label for="status">Status</label>
          <select id="status" name="status" value={form.status} onChange={set('status')}>
            <option value="">any status</option>
            {ORDER_STATUSES.map((s) => (
              <option value={s}>{statusName(s)}</option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="provider">Gateway</label>
          <select id="provider" name="provider" value={form.provider} onChange={set('provider')}>
            <option value="">any gateway</option>
            {providerChoices(form.provider).map((p) => (
              <option value={p}>{providerName(p)}</option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="exception">Review</label>
          <select id="exception" name="exception" value={form.exception} onChange={set('exception')}>
            <option value="">all orders</option>
            <option value="open">needs review</option>
            <option value="resolved">review resolved</option>
          </select>
        </div>
        <div class="field">
          <button type="submit" class="primary">
            Search
          </button>
        </div>
      </form>
      <section aria-labelledby="results-title" id="results">
        <h2 id="results-title">Results</h2>
        {problem ? <ErrorBox error={problem} action="Search" /> : null}
        {orders === null ? (
          <p class="muted">Loading…</p>
        ) : (
          <>
            <p role="status" class="muted" id="result-count">
              {orders.length ? `${plural(orders.length, 'order')}${next ? ' (more below)' : ''}` : filtered ? 'No orders match.' : 'No orders yet.'}
            </p>
            {orders.length ? <OrderRows orders={orders} /> : null}
            {next ? (
              <button
                type="button"
                class="secondary"
                disabled={loadingMore}
                onClick={async () => {
                  setLoadingMore(true);
                  const r = await listOrders(initial, next);
                  setLoadingMore(false);
                  if (!r.ok) return setProblem(r.error);
                  setOrders([...orders, ...r.data.data]);
                  setNext(r.data.next_cursor);
                }}
              >
                Load more
              </button>
            ) : null}
          </>
        )}
      </section>
    </>
  );
}
