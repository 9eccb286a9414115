import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, type Page, type Withdrawal } from '../api';
import { type ApiErrorShape, amountOf, plural, query, statusName } from '../format';
import { ActionButton, Badge, Cell, ErrorBox, Heading, OkBox, setFlash, Table, takeFlash, Time } from '../ui';

/** The gateway's withdrawal statuses; `success` also matches `completed`, some gateways' word for it. */
const STATUS_CHOICES: Array<[string, string]> = [
  ['', 'any status'],
  ['pending', 'Pending'],
  ['success', 'Succeeded (success or completed)'],
  ['completed', 'Completed only'],
  ['failed', 'Failed'],
  ['cancelled', 'Cancelled'],
];

export function WithdrawalsView({ params, reload }: { params: Record<string, string>; reload: () => void }): JSX.Element {
  const status = params.status ?? '';
  const [flash] = useState(takeFlash);
  const [rows, setRows] = useState<Withdrawal[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [problem, setProblem] = useState<{ error: ApiErrorShape; action: string } | null>(null);

  const load = async (cursor: string | null, sofar: Withdrawal[]) => {
    const r = await api<Page<Withdrawal>>('GET', `/v1/withdrawals${query({ status, limit: 50, cursor })}`);
    if (!r.ok) {
      setRows(sofar);
      setProblem({ error: r.error, action: 'Loading the withdrawals' });
      return;
    }
    setRows([...sofar, ...r.data.data]);
    setNext(r.data.next_cursor);
  };
  useEffect(() => {
    void load(null, []);
  }, []);

  const sync = async () => {
    setProblem(null);
    const r = await api<{ fetched: number; created: number; updated: number }>('POST', '/v1/withdrawals/sync', {});
    if (!r.ok) return setProblem({ error: r.error, action: 'Sync' });
    setFlash(`Synced: ${r.data.fetched} fetched, ${r.data.created} new, ${r.data.updated} updated.`);
    reload();
  };
  const label = STATUS_CHOICES.find(([v]) => v === status)?.[1] ?? status;

  return (
    <>
      <Heading>Withdrawals</Heading>
      <div class="actions">
        <ActionButton label="Sync from the gateway" hint="Mirror the withdrawals from the gateway now" run={sync} />
      </div>
      <div id="action-result" aria-live="polite">
        {flash ? <OkBox>{flash}</OkBox> : null}
        {problem ? <ErrorBox error={problem.error} action={problem.action} /> : null}
      </div>
      <form
        role="search"
        class="card search"
        onSubmit={(e) => {
          e.preventDefault();
          const v = ((e.currentTarget as HTMLFormElement).elements.namedItem('status') as HTMLSelectElement).value;
          const target = `#/withdrawals${query({ status: v })}`;
          if (window.location.hash === target) reload();
          else window.location.hash = target;
        }}
      >
        <div class="field">
          <label for="w-status">Status</label>
          <select id="w-status" name="status" value={status}>
            {STATUS_CHOICES.map(([v, l]) => (
              <option value={v}>{l}</option>
            ))}
          </select>
        </div>
        <div class="field">
          <button type="submit" class="primary">
            Filter
          </button>
        </div>
      </form>
      <section id="withdrawals" aria-labelledby="withdrawals-title">
        <h2 id="withdrawals-title">Mirrored withdrawals</h2>
        {rows === null ? (
          <p class="muted">Loading…</p>
        ) : (
          <>
            <p class="muted" role="status" id="withdrawal-count">
              {rows.length
                ? `${plural(rows.length, 'withdrawal')}${status ? ` with status “${label}”` : ''}${next ? ' (more below)' : ''}`
                : status
                  ? `No withdrawal has the status “${label}”. Choose “any status” to see them all.`
                  : 'No withdrawals mirrored yet: use "Sync from the gateway".'}
            </p>
            {rows.length ? (
              <Table caption="Withdrawals (USDT), newest first" headers={['Created', 'Withdrawal', 'Amount', 'Fee', 'To receive', 'Status', 'Address', 'Tx', 'Processed']}>
                {rows.map((w) => (
                  <tr key={w.id}>
                    <Cell label="Created" class="nowrap">
                      <Time iso={w.created_at} short />
                    </Cell>
                    <Cell label="Withdrawal" class="mono">
                      {w.withdraw_uuid}
                    </Cell>
                    <Cell label="Amount" class="num">
                      {amountOf(w.amount, 'USDT')}
                    </Cell>
                    <Cell label="Fee" class="num">
                      {amountOf(w.network_fee, 'USDT')}
                    </Cell>
                    <Cell label="To receive" class="num">
                      {amountOf(w.amount_to_receive, 'USDT')}
                    </Cell>
                    <Cell label="Status">
                      {/* The gateway's own word, so "success" and "completed" stay tellable apart. */}
                      <Badge status={w.status} label={statusName(w.status)} />
                      {w.status === 'completed' ? <span class="muted small"> (some gateways' word for success)</span> : null}
                      {w.substatus ? <span class="muted small"> {w.substatus}</span> : null}
                    </Cell>
                    <Cell label="Address" class="mono">
                      {w.address ?? '—'}
                    </Cell>
                    <Cell label="Tx" class="mono">
                      {w.external_tx_id ?? '—'}
                    </Cell>
                    <Cell label="Processed" class="nowrap">
                      <Time iso={w.processed_at} short />
                    </Cell>
                  </tr>
                ))}
              </Table>
            ) : null}
            {next ? (
              <button type="button" class="secondary" onClick={() => void load(next, rows)}>
                Load more
              </button>
            ) : null}
          </>
        )}
      </section>
    </>
  );
}
