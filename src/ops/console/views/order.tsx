import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, type Notification, type Order, type OrderEvent, type Page, type StoredCallback } from '../api';
import {
  type ApiErrorShape,
  amountOf,
  eventName,
  exceptionHelp,
  exceptionName,
  FINAL_STATUSES,
  paymentFigures,
  plural,
  providerName,
  query,
  statusName,
  when,
} from '../format';
import { ActionButton, Badge, Cell, confirmFirst, DataDetails, ErrorBox, Heading, OkBox, setFlash, Table, takeFlash, Time } from '../ui';

type Loaded<T> = { state: 'loading' } | { state: 'ok'; data: T } | { state: 'error'; error: ApiErrorShape };

function useLoad<T>(path: string): Loaded<T> {
  const [v, setV] = useState<Loaded<T>>({ state: 'loading' });
  useEffect(() => {
    let live = true;
    void api<T>('GET', path).then((r) => {
      if (live) setV(r.ok ? { state: 'ok', data: r.data } : { state: 'error', error: r.error });
    });
    return () => {
      live = false;
    };
  }, [path]);
  return v;
}

function Section({ id, title, children }: { id: string; title: string; children: ComponentChildren }): JSX.Element {
  return (
    <section class="card" id={id} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{title}</h2>
      {children}
    </section>
  );
}

/** The gateway's webhook history, when the gateway keeps one; else why not. */
interface GatewayHistory {
  events?: Array<{
    event_type: string;
    status: string;
    total_attempts?: number;
    next_retry_at?: string | null;
    created_at?: string;
    request_payload?: unknown;
    attempts?: Array<{ try_number: number; trigger?: string; attempt_status?: string; http_status?: number | null; error_message?: string | null; created_at?: string }>;
  }>;
}

const isFinal = (o: Order) => FINAL_STATUSES.includes(o.status);

export function OrderView({ orderRef, reload }: { orderRef: string; reload: () => void }): JSX.Element {
  const [flash] = useState(takeFlash);
  const [actionError, setActionError] = useState<{ error: ApiErrorShape; action: string } | null>(null);
  const [notice, setNotice] = useState<string | null>(flash);
  const order = useLoad<Order>(`/v1/orders/${encodeURIComponent(orderRef)}`);
  const id = order.state === 'ok' ? order.data.id : null;

  if (order.state === 'loading') {
    return (
      <>
        <Back />
        <Heading>Order</Heading>
        <p class="muted">Loading…</p>
      </>
    );
  }
  if (order.state === 'error') {
    return (
      <>
        <Back />
        <Heading>Order {orderRef}</Heading>
        <ErrorBox error={order.error} action="Loading the order" />
      </>
    );
  }
  const o = order.data;
  const done = (text: string) => {
    setFlash(text);
    reload();
  };
  const failed = (action: string) => (error: ApiErrorShape) => {
    setNotice(null);
    setActionError({ error, action });
  };
  return (
    <>
      <Back />
      <Heading>
        Order {o.external_id} <Badge status={o.status} />
      </Heading>
      <OrderPage o={o} id={id!} done={done} failed={failed} notice={notice} actionError={actionError} clear={() => { setNotice(null); setActionError(null); }} />
    </>
  );
}

const Back = () => (
  <p>
    <a href="#/orders">← Orders</a>
  </p>
);

function OrderPage({
  o,
  id,
  done,
  failed,
  notice,
  actionError,
  clear,
}: {
  o: Order;
  id: string;
  done: (text: string) => void;
  failed: (action: string) => (e: ApiErrorShape) => void;
  notice: string | null;
  actionError: { error: ApiErrorShape; action: string } | null;
  clear: () => void;
}): JSX.Element {
  const ref = encodeURIComponent(id);
  const events = useLoad<Page<OrderEvent>>(`/v1/orders/${ref}/events`);
  const callbacks = useLoad<Page<StoredCallback>>(`/v1/webhook-events${query({ order_id: id, limit: 200 })}`);
  const notifications = useLoad<Page<Notification>>(`/v1/notifications${query({ order_id: id, limit: 200 })}`);
  const history = useLoad<GatewayHistory>(`/v1/orders/${ref}/gateway-webhooks`);
  const timeline = events.state === 'ok' ? events.data.data : [];
  const historyEvents = history.state === 'ok' ? (history.data.events ?? []) : [];
  const resendBlocked =
    history.state === 'loading'
      ? 'Loading the gateway webhook history…'
      : history.state === 'error'
        ? history.error.code === 'NOT_SUPPORTED'
          ? `${providerName(o.provider)} keeps no webhook history to resend from.`
          : "The gateway's webhook history could not be read."
        : historyEvents.length === 0
          ? 'The gateway has no webhook event for this invoice yet: nothing to resend.'
          : null;
  const finalNote = isFinal(o) ? ` The order is final (${statusName(o.status)}): its status will not go back; only a later gateway success, payment figures or a review can still change.` : '';

  const reconcile = async () => {
    clear();
    const ok = await confirmFirst({
      title: 'Reconcile with the gateway?',
      body: <p>{`Reads invoice ${o.gateway_invoice_id ?? o.external_id} back from ${providerName(o.provider)} and applies what it says.${finalNote}`}</p>,
      confirm: 'Reconcile',
      warning: isFinal(o),
    });
    if (ok === null) return;
    const r = await api<Order>('POST', `/v1/orders/${ref}/reconcile`, {});
    if (!r.ok) return failed('Reconcile')(r.error);
    const changed = r.data.updated_at !== o.updated_at;
    done(changed ? `Reconciled with the gateway: the order is ${statusName(r.data.status).toLowerCase()}.` : `Reconciled with the gateway: nothing changed (the order is ${statusName(r.data.status).toLowerCase()}, as the gateway says).`);
  };
  const resend = async () => {
    clear();
    const ok = await confirmFirst({
      title: 'Ask the gateway to resend its webhook?',
      body: <p>{`${providerName(o.provider)} sends its latest webhook for this invoice to this service again; the service applies it at most once.${finalNote}`}</p>,
      confirm: 'Resend',
      warning: isFinal(o),
    });
    if (ok === null) return;
    const r = await api<{ resend?: { ok?: boolean; http_status?: number | null } }>('POST', `/v1/orders/${ref}/gateway-webhooks/resend`, {});
    if (!r.ok) return failed('Resend')(r.error);
    const rs = r.data?.resend ?? {};
    done(`The gateway resent its latest webhook: ${rs.ok ? 'delivered' : 'not delivered'}${rs.http_status ? ` (HTTP ${rs.http_status})` : ''}.`);
  };
  const resolve = async () => {
    clear();
    const note = await confirmFirst({
      title: `Resolve the review: ${exceptionName(o.exception)}?`,
      body: <p>{`${exceptionHelp(o.exception)} Resolving records your note in the timeline and takes the order off the review queue; it does not move money or change the status.`}</p>,
      confirm: 'Resolve',
      note: { label: 'Note (what was done)', hint: 'Kept in the order timeline; 1 to 1,000 characters.' },
    });
    if (note === null) return;
    const r = await api<Order>('POST', `/v1/orders/${ref}/exception/resolve`, { note });
    if (!r.ok) return failed('Resolve')(r.error);
    done(`Review resolved: ${exceptionName(o.exception).toLowerCase()}, with your note in the timeline.`);
  };
  const replay = (w: StoredCallback) => async () => {
    clear();
    const ok = await confirmFirst({
      title: 'Replay this stored callback?',
      body: <p>{`Processes callback ${w.idempotency_key} again: the service reads the invoice back from the gateway and applies it (still at most once).${finalNote}`}</p>,
      confirm: 'Replay',
      warning: isFinal(o),
    });
    if (ok === null) return;
    const r = await api<StoredCallback>('POST', `/v1/webhook-events/${encodeURIComponent(w.id)}/replay`, {});
    if (!r.ok) return failed('Replay')(r.error);
    const applied = Array.isArray(r.data.outcome?.events) ? (r.data.outcome.events as string[]) : [];
    const what = applied.length ? `applied: ${applied.map(eventName).join(', ').toLowerCase()}` : 'nothing changed (the order already reflected it)';
    done(`Callback ${w.idempotency_key} replayed: ${statusName(r.data.status).toLowerCase()}; ${what}${r.data.last_error ? ` (${r.data.last_error})` : ''}.`);
  };

  const openException = o.exception && !o.exception_resolved_at;
  return (
    <>
      <div class="actions" role="group" aria-label="Order actions">
        <ActionButton label="Reconcile" hint="Read the invoice back from the gateway and apply it" run={reconcile} />
        <ActionButton label="Resend gateway webhook" hint={resendBlocked ?? "Ask the gateway to resend its latest webhook for this order's invoice"} run={resend} disabled={resendBlocked !== null} />
        {openException ? <ActionButton label="Resolve review…" hint="Resolve the open exception with a note" run={resolve} /> : null}
        <ActionButton label="Refresh" hint="Load everything again" run={async () => done('Loaded again.')} />
      </div>
      {resendBlocked && history.state !== 'loading' ? (
        <p class="hint" id="resend-hint">
          {resendBlocked}
        </p>
      ) : null}
      <div id="action-result" aria-live="polite">
        {notice ? <OkBox>{notice}</OkBox> : null}
        {actionError ? <ErrorBox error={actionError.error} action={actionError.action} /> : null}
      </div>
      {o.exception ? <ReviewCard o={o} timeline={timeline} /> : null}
      <Summary o={o} timeline={timeline} />
      <PaymentCard o={o} />
      <Section id="timeline" title="Timeline">
        {events.state === 'loading' ? <p class="muted">Loading…</p> : events.state === 'error' ? <ErrorBox error={events.error} action="Loading the timeline" /> : <Timeline events={timeline} />}
      </Section>
      <Section id="callbacks" title="Stored callbacks">
        {callbacks.state === 'loading' ? (
          <p class="muted">Loading…</p>
        ) : callbacks.state === 'error' ? (
          <ErrorBox error={callbacks.error} action="Loading the callbacks" />
        ) : callbacks.data.data.length ? (
          <Table caption="Callbacks received from the gateway, newest first" headers={['Received', 'Status', 'Idempotency key', 'Attempts', 'Error / outcome', 'Payload', '']}>
            {callbacks.data.data.map((w) => (
              <tr key={w.id}>
                <Cell label="Received" class="nowrap">
                  <Time iso={w.received_at} />
                </Cell>
                <Cell label="Status">
                  <Badge status={w.status} />
                </Cell>
                <Cell label="Idempotency key" class="mono">
                  {w.idempotency_key}
                </Cell>
                <Cell label="Attempts" class="num">
                  {String(w.attempts)}
                </Cell>
                <Cell label="Error / outcome">
                  {w.last_error ?? ''} <DataDetails label="outcome" value={w.outcome} />
                </Cell>
                <Cell label="Payload">
                  <DataDetails label="payload" value={w.payload} />
                </Cell>
                <Cell label="">
                  <ActionButton label="Replay" ariaLabel={`Replay callback ${w.idempotency_key}`} hint="Process this stored callback again (still applied exactly once)" run={replay(w)} />
                </Cell>
              </tr>
            ))}
          </Table>
        ) : (
          <p class="muted">No callback stored for this order.</p>
        )}
      </Section>
      <Section id="notifications" title="Merchant notifications">
        {notifications.state === 'loading' ? (
          <p class="muted">Loading…</p>
        ) : notifications.state === 'error' ? (
          <ErrorBox error={notifications.error} action="Loading the notifications" />
        ) : notifications.data.data.length ? (
          <Table caption="Notifications sent to the merchant, newest first" headers={['Created', 'Type', 'Status', 'Attempts', 'Last answer', 'Delivered']}>
            {notifications.data.data.map((n) => (
              <tr key={n.id}>
                <Cell label="Created" class="nowrap">
                  <Time iso={n.created_at} />
                </Cell>
                <Cell label="Type">{n.type}</Cell>
                <Cell label="Status">
                  <Badge status={n.status} />
                </Cell>
                <Cell label="Attempts" class="num">
                  {String(n.attempts)}
                </Cell>
                <Cell label="Last answer">{n.last_status_code ? `HTTP ${n.last_status_code}${n.last_error ? ` ${n.last_error}` : ''}` : (n.last_error ?? '—')}</Cell>
                <Cell label="Delivered" class="nowrap">
                  <Time iso={n.delivered_at} />
                </Cell>
              </tr>
            ))}
          </Table>
        ) : (
          <p class="muted">No notification for this order (none is made when MERCHANT_WEBHOOK_URL is unset).</p>
        )}
      </Section>
      <Section id="gateway-webhooks" title="Gateway webhook history">
        {history.state === 'loading' ? (
          <p class="muted">Loading…</p>
        ) : history.state === 'error' ? (
          history.error.code === 'NOT_SUPPORTED' ? (
            <p class="muted">{`${providerName(o.provider)} keeps no webhook history this service can read.`}</p>
          ) : (
            <ErrorBox error={history.error} action="Loading the gateway's history" />
          )
        ) : historyEvents.length ? (
          <Table caption="The gateway's webhook events for this invoice, newest first" headers={['Created', 'Event', 'Delivery', 'Tries', 'Next retry', 'Attempts', 'Payload']}>
            {historyEvents.map((e) => {
              const attempts = e.attempts ?? [];
              return (
                <tr>
                  <Cell label="Created" class="nowrap">
                    <Time iso={e.created_at} />
                  </Cell>
                  <Cell label="Event">{e.event_type}</Cell>
                  <Cell label="Delivery">
                    <Badge status={e.status} />
                  </Cell>
                  <Cell label="Tries" class="num">
                    {String(e.total_attempts ?? attempts.length)}
                  </Cell>
                  <Cell label="Next retry" class="nowrap">
                    <Time iso={e.next_retry_at} />
                  </Cell>
                  <Cell label="Attempts">
                    {attempts.length ? (
                      <details>
                        <summary>{plural(attempts.length, 'attempt')}</summary>
                        <ol class="attempts">
                          {attempts.map((a) => (
                            <li>{`#${a.try_number} ${a.trigger ?? ''} · ${statusName(a.attempt_status ?? '?')} · ${a.http_status ? `HTTP ${a.http_status}` : (a.error_message ?? 'no answer')} · ${when(a.created_at)}`}</li>
                          ))}
                        </ol>
                      </details>
                    ) : (
                      '—'
                    )}
                  </Cell>
                  <Cell label="Payload">
                    <DataDetails label="payload" value={e.request_payload} />
                  </Cell>
                </tr>
              );
            })}
          </Table>
        ) : (
          <p class="muted">The gateway has no webhook event for this invoice yet.</p>
        )}
      </Section>
    </>
  );
}

/** When the order reached its final status, from the timeline (the row's updated_at moves later too). */
const endedAt = (o: Order, timeline: OrderEvent[]): string | null =>
  [...timeline].reverse().find((e) => e.type === 'order.status_changed' && e.to_status === o.status)?.created_at ?? null;

function Summary({ o, timeline }: { o: Order; timeline: OrderEvent[] }): JSX.Element {
  const ended = isFinal(o) ? endedAt(o, timeline) : null;
  const rows: Array<[string, ComponentChildren]> = [
    ['Order id', <span class="mono">{o.id}</span>],
    ['External id', o.external_id],
    ['Status', <Badge status={o.status} />],
    ['Amount', amountOf(o.amount, o.currency)],
    ['Customer', o.customer_id],
    ['Description', o.description ?? '—'],
    ['Gateway', providerName(o.provider)],
    ['Gateway invoice', o.gateway_invoice_id ?? '—'],
    ['Payment link', o.payment_link ? <a href={o.payment_link} rel="noreferrer" target="_blank">{o.payment_link}</a> : '—'],
  ];
  // A deadline means something only while the order can still be paid; a forced expiry ends it early.
  if (o.status === 'pending' || o.status === 'awaiting_payment') rows.push(['Expires', <Time iso={o.expires_at} />]);
  else if (o.status === 'expired') rows.push(['Expired', <Time iso={ended ?? o.updated_at} />]);
  else if (o.status === 'paid') rows.push(['Paid', <Time iso={o.paid_at} />]);
  else rows.push([statusName(o.status), <Time iso={ended ?? o.updated_at} />]);
  if (o.status !== 'paid' && o.paid_at) rows.push(['Paid', <Time iso={o.paid_at} />]);
  rows.push(['Created', <Time iso={o.created_at} />], ['Updated', <Time iso={o.updated_at} />], ['Metadata', <DataDetails label="metadata" value={o.metadata} />]);
  return (
    <section class="card" aria-label="Order details" id="summary">
      <dl class="summary">
        {rows.map(([k, v]) => (
          <div>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

/** An order that is not paid shows what was asked and what would have been credited, never what "pays". */
const UNSETTLED_LABELS: Record<string, string> = {
  'Customer pays': 'Asked of the customer',
  'Credited to the merchant (net)': 'Would have been credited (net)',
};

function PaymentCard({ o }: { o: Order }): JSX.Element {
  const p = o.payment;
  const settled = o.status === 'paid';
  const title = settled ? 'Payment' : o.status === 'awaiting_payment' || o.status === 'pending' ? 'Payment in progress (not settled)' : 'Payment attempt (not settled)';
  if (!p) {
    return (
      <Section id="payment" title="Payment">
        <p class="muted">No payment method chosen yet.</p>
      </Section>
    );
  }
  const { figures, other } = paymentFigures(o.currency, p);
  return (
    <Section id="payment" title={title}>
      {!settled ? (
        <p class="notice" id="payment-not-settled">
          {o.status === 'awaiting_payment' || o.status === 'pending'
            ? 'The customer picked a method; no money has been confirmed yet.'
            : `The order is ${statusName(o.status).toLowerCase()}: no money was credited. These are the figures of the attempt.`}
        </p>
      ) : null}
      <dl class={`summary figures${settled ? '' : ' unsettled'}`}>
        {figures.map((f) => (
          <div class={`fig-${f.kind ?? 'info'}`}>
            <dt>{settled ? f.label : (UNSETTLED_LABELS[f.label] ?? f.label)}</dt>
            <dd class={f.kind === 'fee' || f.kind === 'net' || f.kind === 'gross' ? 'num-left' : undefined}>{f.value}</dd>
          </div>
        ))}
        {other.map(([k, v]) => (
          <div class="fig-other">
            <dt>{k}</dt>
            <dd class="mono">{v}</dd>
          </div>
        ))}
      </dl>
    </Section>
  );
}

function ReviewCard({ o, timeline }: { o: Order; timeline: OrderEvent[] }): JSX.Element {
  const raised = [...timeline].reverse().find((e) => e.type === 'order.exception');
  const resolved = [...timeline].reverse().find((e) => e.type === 'order.exception_resolved');
  const open = !o.exception_resolved_at;
  return (
    <section class={`card review${open ? ' open' : ''}`} id="review" aria-labelledby="review-title">
      <h2 id="review-title">{open ? `Needs review: ${exceptionName(o.exception)}` : `Review resolved: ${exceptionName(o.exception)}`}</h2>
      <p>{exceptionHelp(o.exception)}</p>
      {raised ? <GatewaySaid data={raised.data} currency={o.currency} at={raised.created_at} /> : null}
      {!open ? (
        <p>
          Resolved <Time iso={o.exception_resolved_at} />
          {resolved && typeof resolved.data.note === 'string' ? <>: “{resolved.data.note}”</> : null}
        </p>
      ) : null}
    </section>
  );
}

/** What the gateway said when the exception was raised: its status and its figures. */
export function GatewaySaid({ data, currency, at }: { data: Record<string, unknown>; currency: string; at?: string }): JSX.Element {
  const fig = (v: unknown): string | null => {
    if (!v || typeof v !== 'object') return typeof v === 'string' ? amountOf(v, currency) : null;
    const m = v as { amount?: string; unit?: string };
    return m.amount ? amountOf(m.amount, m.unit ?? currency, 0) : null;
  };
  const parts: string[] = [];
  if (typeof data.gateway_status === 'string') parts.push(`status “${data.gateway_status}”`);
  const exp = fig(data.expected);
  const rec = fig(data.received);
  if (exp) parts.push(`asked ${exp}`);
  if (rec) parts.push(`received ${rec}`);
  if (typeof data.late_after === 'string') parts.push(`after the order was ${statusName(data.late_after).toLowerCase()}`);
  const payment = data.payment as Record<string, unknown> | undefined;
  const previous = data.previous as Record<string, unknown> | undefined;
  if (payment && typeof payment.amount_fiat === 'string') parts.push(`now ${amountOf(payment.amount_fiat, currency)}${previous && typeof previous.amount_fiat === 'string' ? ` (was ${amountOf(previous.amount_fiat, currency)})` : ''}`);
  return (
    <p class="gateway-said">
      <strong>The gateway said:</strong> {parts.length ? parts.join(', ') : 'no figures'}
      {at ? (
        <>
          {' '}
          (<Time iso={at} />)
        </>
      ) : null}
    </p>
  );
}

function Timeline({ events }: { events: OrderEvent[] }): JSX.Element {
  if (!events.length) return <p class="muted">No events.</p>;
  return (
    <Table caption="Timeline, oldest first" headers={['Time', 'Event', 'Change', 'Source', 'Details']}>
      {events.map((e) => (
        <tr key={e.id} data-type={e.type}>
          <Cell label="Time" class="nowrap">
            <Time iso={e.created_at} />
          </Cell>
          <Cell label="Event">
            {eventName(e.type)}
            {e.type === 'order.exception' && typeof e.data.exception === 'string' ? `: ${exceptionName(e.data.exception)}` : ''}
            {e.type === 'order.exception_resolved' && typeof e.data.note === 'string' ? ` — “${e.data.note}”` : ''}
          </Cell>
          <Cell label="Change">
            {/* Only a status change has a change; other events happen within one status. */}
            {e.type === 'order.status_changed' && e.from_status !== e.to_status ? (
              <>
                {e.from_status ? <Badge status={e.from_status} /> : '—'} → {e.to_status ? <Badge status={e.to_status} /> : '—'}
                {e.data.late === true ? ' (late)' : ''}
              </>
            ) : (
              '—'
            )}
          </Cell>
          <Cell label="Source">{e.source}</Cell>
          <Cell label="Details">
            <DataDetails label="data" value={e.data} />
          </Cell>
        </tr>
      ))}
    </Table>
  );
}

