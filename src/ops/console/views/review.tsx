import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, type Order, type OrderEvent, type Page } from '../api';
import { type ApiErrorShape, amountOf, exceptionHelp, exceptionName, plural, providerChoices, providerName, query, statusName } from '../format';
import { ActionButton, Badge, Cell, confirmFirst, ErrorBox, Heading, OkBox, setFlash, Table, takeFlash, Time } from '../ui';
import { GatewaySaid } from './order';

interface QueueItem {
  order: Order;
  /** The latest order.exception event: what the gateway said. */
  raised: OrderEvent | null;
}

/**
 * The review queue: orders whose exception no person has resolved (GET /v1/orders?exception=open),
 * each with what the gateway said, and "Resolve…" asking for a note and a confirmation.
 */
export function ReviewView({ params, reload }: { params: Record<string, string>; reload: () => void }): JSX.Element {
  const provider = params.provider ?? '';
  const [flash] = useState(takeFlash);
  const [items, setItems] = useState<QueueItem[] | null>(null);
  const [problem, setProblem] = useState<{ error: ApiErrorShape; action: string } | null>(null);

  useEffect(() => {
    let live = true;
    void (async () => {
      const r = await api<Page<Order>>('GET', `/v1/orders${query({ exception: 'open', provider, limit: 200 })}`);
      if (!live) return;
      if (!r.ok) {
        setItems([]);
        setProblem({ error: r.error, action: 'Loading the review queue' });
        return;
      }
      const withEvents = await Promise.all(
        r.data.data.map(async (order) => {
          const ev = await api<Page<OrderEvent>>('GET', `/v1/orders/${encodeURIComponent(order.id)}/events`);
          const raised = ev.ok ? ([...ev.data.data].reverse().find((e) => e.type === 'order.exception') ?? null) : null;
          return { order, raised };
        }),
      );
      if (live) setItems(withEvents);
    })();
    return () => {
      live = false;
    };
  }, [provider]);

  const resolve = (o: Order) => async () => {
    setProblem(null);
    const note = await confirmFirst({
      title: `Resolve the review of ${o.external_id}: ${exceptionName(o.exception)}?`,
      body: <p>{`${exceptionHelp(o.exception)} Resolving records your note in the order's timeline and takes it off this queue; it does not move money or change the status (${statusName(o.status).toLowerCase()}).`}</p>,
      confirm: 'Resolve',
      note: { label: 'Note (what was done)', hint: "Kept in the order's timeline; 1 to 1,000 characters." },
    });
    if (note === null) return;
    const r = await api<Order>('POST', `/v1/orders/${encodeURIComponent(o.id)}/exception/resolve`, { note });
    if (!r.ok) return setProblem({ error: r.error, action: 'Resolve' });
    setFlash(`Review of ${o.external_id} resolved (${exceptionName(o.exception).toLowerCase()}), with your note in its timeline.`);
    reload();
  };

  return (
    <>
      <Heading>Review queue</Heading>
      <p class="muted">Orders whose gateway figures need a person: underpaid, overpaid, paid late, or amounts adjusted afterwards.</p>
      <form
        role="search"
        class="card search"
        onSubmit={(e) => {
          e.preventDefault();
          const v = ((e.currentTarget as HTMLFormElement).elements.namedItem('provider') as HTMLSelectElement).value;
          window.location.hash = `#/review${query({ provider: v })}`;
        }}
      >
        <div class="field">
          <label for="review-provider">Gateway</label>
          <select id="review-provider" name="provider" value={provider}>
            <option value="">any gateway</option>
            {providerChoices(provider).map((p) => (
              <option value={p}>{providerName(p)}</option>
            ))}
          </select>
        </div>
        <div class="field">
          <button type="submit" class="primary">
            Filter
          </button>
        </div>
      </form>
      <div id="action-result" aria-live="polite">
        {flash ? <OkBox>{flash}</OkBox> : null}
        {problem ? <ErrorBox error={problem.error} action={problem.action} /> : null}
      </div>
      <section id="queue" aria-labelledby="queue-title">
        <h2 id="queue-title">Open reviews</h2>
        {items === null ? (
          <p class="muted">Loading…</p>
        ) : (
          <>
            <p role="status" class="muted" id="queue-count">
              {items.length ? plural(items.length, 'order') + ' to review' : provider ? `Nothing to review for ${providerName(provider)}.` : 'Nothing to review.'}
            </p>
            {items.length ? (
              <Table caption="Orders with an open exception, newest first" headers={['Created', 'Order', 'Gateway', 'Amount', 'Status', 'Exception', 'What the gateway said', '']} id="queue-table">
                {items.map(({ order: o, raised }) => (
                  <tr key={o.id}>
                    <Cell label="Created" class="nowrap">
                      <Time iso={o.created_at} short />
                    </Cell>
                    <Cell label="Order" class="mono">
                      <a href={`#/order/${encodeURIComponent(o.id)}`}>{o.external_id}</a>
                    </Cell>
                    <Cell label="Gateway">{providerName(o.provider)}</Cell>
                    <Cell label="Amount" class="num">
                      {amountOf(o.amount, o.currency)}
                    </Cell>
                    <Cell label="Status">
                      <Badge status={o.status} />
                    </Cell>
                    <Cell label="Exception">
                      <Badge status="exception" label={exceptionName(o.exception)} />
                    </Cell>
                    <Cell label="What the gateway said">{raised ? <GatewaySaid data={raised.data} currency={o.currency} /> : '—'}</Cell>
                    <Cell label="">
                      <ActionButton label="Resolve…" ariaLabel={`Resolve the review of ${o.external_id}`} hint="Resolve with a note" run={resolve(o)} />
                    </Cell>
                  </tr>
                ))}
              </Table>
            ) : null}
          </>
        )}
      </section>
    </>
  );
}
