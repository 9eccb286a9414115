import { Injectable, Logger, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, EntityNotFoundError } from 'typeorm';
import { Batcher } from '../common/batcher';
import { rowsOf, SqlPart, UNPREPARED } from '../database/sql';
import { isUuid, newId } from '../common/ids';
import { decide, Decision, EventDraft, Observation } from './domain/decide';
import { EventSource, OrderEntity, OrderEventEntity } from './order.entity';
import { MetricsService } from '../metrics/metrics.service';


/** The order's jsonb columns are written as JSON text (pg would send an array as a Postgres array). */
const JSON_COLUMNS = new Set(['metadata', 'payment']);
type VersionedRow = OrderEntity & { row_version: string };
/** A row read with `xmin::text AS row_version`: the entity, and the version applyOptimistic checks. */
const versioned = ({ row_version, ...row }: VersionedRow) => ({ order: Object.assign(new OrderEntity(), row), version: row_version });
const jsonColumn = (col: string, v: unknown) => (JSON_COLUMNS.has(col) && v !== null && v !== undefined ? JSON.stringify(v) : v);

/** What applyOptimistic's statement raises when the order moved since it was read (see there). */
const STALE_VERSION = 'stale order version';
const isStaleVersion = (err: unknown) =>
  (err as { code?: unknown })?.code === '22P02' && String((err as Error)?.message ?? '').includes(STALE_VERSION);

/** One order's change as applyOptimistic plans it: named CTEs numbering their parameters in `values`. */
interface OptimisticPlan {
  orderId: string;
  /** `upd` (the row, if still the version read), `ev` (timeline events inserted), then the parts; made when first asked for. */
  form: () => { ctes: Array<{ name: string; sql: string }>; values: unknown[] };
  /** Parts are written: a stale version must raise, so that none of them is. */
  strict: boolean;
  /** The same change as rows, when every part has its `many` form (see writeOptimisticRows). */
  rows?: OptimisticRows;
}

/**
 * One order's change as rows of a statement shared by every order of its `shape` (the patched
 * columns, the parts and whether they are written): the patch's values, its version, its
 * timeline events and each part's values, every value as text.
 */
interface OptimisticRows {
  shape: string;
  columns: string[];
  patch: Array<string | null>;
  version: string;
  events: OrderEventEntity[];
  parts: Array<{ many: string; values: Array<string | null> }>;
}
/** What the statement wrote for one order; null: the order had moved, nothing of it was written. */
type OptimisticResult = { events: string[] } | null;

/**
 * Changes of different orders that are ready together go in one statement (writeOptimistic): at
 * most `maxBatch` orders, and `maxInFlight` such statements at a time.
 */
const OPTIMISTIC_BATCH = { maxBatch: 32, maxInFlight: 2 };

export interface AppliedChange {
  order: OrderEntity;
  decision: Decision;
  events: OrderEventEntity[];
}

/** What a listener writes for a change, as statement parts instead of queries (the fast path). */
export type ChangePlanner = (change: AppliedChange, source: EventSource) => Promise<SqlPart[]>;

/** Runs inside the same transaction as an order change (the outbox hooks in here). */
export type ChangeListener = (manager: EntityManager, change: AppliedChange, source: EventSource) => Promise<void>;

/** Told once a change is committed (never for one that rolled back); must not throw. */
export type CommitListener = (change: AppliedChange, source: EventSource) => void;

export type NewOrder = Pick<
  OrderEntity,
  'external_id' | 'provider' | 'amount' | 'currency' | 'customer_id' | 'description' | 'metadata' | 'success_url' | 'fail_url' | 'payment_method'
> & Partial<Pick<OrderEntity, 'callback_credential_hash'>>;

@Injectable()
export class OrdersRepository {
  private readonly log = new Logger('Orders');
  private readonly listeners: Array<{ write: ChangeListener; plan: ChangePlanner; committed?: CommitListener }> = [];
  /** applyOptimistic's statements: concurrent changes of different orders share one (group commit). */
  private readonly optimistic = new Batcher<OptimisticPlan, OptimisticResult>((plans) => this.writeOptimistic(plans), OPTIMISTIC_BATCH);
  private readonly columnTypes = new Map<string, string | null>();
  private readonly manyIds = new Map<string, number>();

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Optional() private readonly metrics?: MetricsService,
  ) {}

  /**
   * A listener writes in the locking path's transaction, and plans the same rows for the
   * one-statement path; `committed` hears of the change once it is committed (either path).
   */
  onChange(write: ChangeListener, plan: ChangePlanner, committed?: CommitListener): void {
    this.listeners.push({ write, plan, committed });
  }

  /** By id (a UUID) or else by external_id, in one indexed query (plain SQL: the hot read path). */
  async findByRef(ref: string, manager: EntityManager = this.ds.manager): Promise<OrderEntity | null> {
    const rows = isUuid(ref)
      ? await manager.query(`SELECT * FROM orders WHERE id = $1::uuid OR external_id = $2 ORDER BY (id = $1::uuid) DESC LIMIT 1`, [ref, ref])
      : await manager.query(`SELECT * FROM orders WHERE external_id = $1`, [ref]);
    const [row] = rowsOf<OrderEntity>(rows);
    return row ? Object.assign(new OrderEntity(), row) : null;
  }

  async findByExternalId(externalId: string): Promise<OrderEntity | null> {
    const [row] = rowsOf<OrderEntity>(await this.ds.query(`SELECT * FROM orders WHERE external_id = $1`, [externalId]));
    return row ? Object.assign(new OrderEntity(), row) : null;
  }

  /**
   * Keeps the hash of a new callback credential of an order already saved (before the invoice is
   * asked for again, so its first callback can be checked). A new order's is saved with it
   * (insertPending).
   */
  async setCallbackCredentialHash(orderId: string, hash: string): Promise<void> {
    await this.ds.query(`UPDATE orders SET callback_credential_hash = $2 WHERE id = $1`, [orderId, hash]);
  }

  /**
   * The order a callback names, by what it names, in the core's order: our order id, then the
   * gateway's invoice id, then our external id; always among the provider's own orders.
   */
  /**
   * How many of the order's stored callbacks have been read (any status but `received`): an
   * order-dependent duplicate key (a ping that carries nothing) is renewed once the earlier pings
   * under it were read, so a later ping reads the invoice again instead of being taken for one
   * already answered.
   */
  async callbacksReadFor(orderId: string): Promise<number> {
    const [row] = rowsOf<{ n: number }>(
      await this.ds.query(`SELECT count(*)::int AS n FROM webhook_inbox WHERE order_id = $1 AND conflict_of IS NULL AND status <> 'received'`, [orderId]),
    );
    return row?.n ?? 0;
  }

  async findForCallback(provider: string, ref: { orderId: string | null; invoiceId: string | null; externalId: string | null }): Promise<OrderEntity | null> {
    const one = async (sql: string, values: unknown[]) => {
      const [row] = rowsOf<OrderEntity>(await this.ds.query(sql, values));
      return row ? Object.assign(new OrderEntity(), row) : null;
    };
    if (ref.orderId && isUuid(ref.orderId)) {
      const o = await one(`SELECT * FROM orders WHERE id = $1::uuid AND provider = $2`, [ref.orderId, provider]);
      if (o) return o;
    }
    if (ref.invoiceId) {
      const o = await one(`SELECT * FROM orders WHERE provider = $1 AND gateway_invoice_id = $2`, [provider, ref.invoiceId]);
      if (o) return o;
    }
    return ref.externalId ? one(`SELECT * FROM orders WHERE external_id = $1 AND provider = $2`, [ref.externalId, provider]) : null;
  }

  async findByInvoice(provider: string, invoiceId: string): Promise<OrderEntity | null> {
    const [row] = rowsOf<OrderEntity>(await this.ds.query(`SELECT * FROM orders WHERE provider = $1 AND gateway_invoice_id = $2`, [provider, invoiceId]));
    return row ? Object.assign(new OrderEntity(), row) : null;
  }

  /**
   * The orders a batch of callbacks name, with their row versions (for applyOptimistic), in at
   * most three indexed queries: by our order id (found by the intake), else by (provider, invoice
   * id), else by (provider, external_id). Keyed by the caller's key; a callback naming no order
   * of its provider is absent.
   */
  async findForCallbacks(
    refs: Array<{ key: string; provider: string; orderId?: string | null; invoiceId: string | null; externalId: string | null }>,
  ): Promise<Map<string, { order: OrderEntity; version: string }>> {
    type Found = { order: OrderEntity; version: string };
    const out = new Map<string, Found>();
    const byId = new Map<string, Found>();
    const ids = [...new Set(refs.map((r) => r.orderId).filter((id): id is string => !!id && isUuid(id)))];
    if (ids.length) {
      const rows = await this.ds.query(`SELECT *, xmin::text AS row_version FROM orders WHERE id = ANY($1::uuid[])`, [ids]);
      for (const v of rowsOf<VersionedRow>(rows).map(versioned)) byId.set(v.order.id, v);
    }
    const viaId = (r: (typeof refs)[number]) => {
      const o = r.orderId ? byId.get(r.orderId) : undefined;
      return o && o.order.provider === r.provider ? o : undefined;
    };
    const byProvider = new Map<string, string[]>();
    for (const r of refs) {
      if (viaId(r) || !r.invoiceId) continue;
      const list = byProvider.get(r.provider);
      if (list) list.push(r.invoiceId);
      else byProvider.set(r.provider, [r.invoiceId]);
    }
    const byInvoice = new Map<string, Found>();
    for (const [provider, invoiceIds] of byProvider) {
      const rows = await this.ds.query(`SELECT *, xmin::text AS row_version FROM orders WHERE provider = $1 AND gateway_invoice_id = ANY($2::text[])`, [provider, [...new Set(invoiceIds)]]);
      for (const v of rowsOf<VersionedRow>(rows).map(versioned)) byInvoice.set(`${provider}\u0000${v.order.gateway_invoice_id}`, v);
    }
    const rest = refs.filter((r) => !viaId(r) && !(r.invoiceId && byInvoice.has(`${r.provider}\u0000${r.invoiceId}`)) && r.externalId);
    const byExternal = new Map<string, Found>();
    if (rest.length) {
      const rows = await this.ds.query(`SELECT *, xmin::text AS row_version FROM orders WHERE external_id = ANY($1::text[])`, [[...new Set(rest.map((r) => r.externalId!))]]);
      for (const v of rowsOf<VersionedRow>(rows).map(versioned)) byExternal.set(`${v.order.provider}\u0000${v.order.external_id}`, v);
    }
    for (const r of refs) {
      const o = viaId(r) || (r.invoiceId && byInvoice.get(`${r.provider}\u0000${r.invoiceId}`)) || (r.externalId && byExternal.get(`${r.provider}\u0000${r.externalId}`));
      if (o) out.set(r.key, o);
    }
    return out;
  }

  /**
   * Saves a new `pending` order and its first timeline event in one statement, tied to an
   * Idempotency-Key (`tie`) in the same statement, so a retry with the key finds this order
   * whatever fails afterwards:
   * - `tie.claim` set: the key is new to us. It is claimed (in progress, leased `leaseMs`, naming
   *   the order's id) and the order saved only if the claim succeeded; `claimed: false` when the
   *   key already exists (nothing written; the caller takes the replay / conflict path).
   * - otherwise an existing key the caller holds is updated to name the order.
   * `saved` is the order with its row version (for applyOptimistic), null when the external id is
   * taken.
   */
  async insertPending(
    fields: NewOrder,
    source: EventSource,
    tie?: { scope: string; key: string; claim?: { hash: string; leaseMs: number } },
  ): Promise<{ claimed: boolean; saved: { order: OrderEntity; version: string } | null }> {
    const id = newId();
    const values: unknown[] = [
      id, fields.external_id, fields.provider, fields.amount, fields.currency, fields.customer_id, fields.description,
      JSON.stringify(fields.metadata ?? {}), fields.success_url, fields.fail_url, fields.payment_method, source, tie?.scope ?? null, tie?.key ?? null,
      fields.callback_credential_hash ?? null,
    ];
    const order = `INSERT INTO orders (id, external_id, provider, status, amount, currency, customer_id, description, metadata, success_url, fail_url, payment_method, callback_credential_hash)
           SELECT $1::uuid, $2::text, $3::text, 'pending', $4::numeric, $5::text, $6::text, $7::text, $8::jsonb, $9::text, $10::text, $11::text, $15::varchar`;
    const event = `ev AS (
           INSERT INTO order_events (order_id, type, from_status, to_status, source, dedupe_key, data)
           SELECT id, 'order.created', NULL, 'pending', $12::varchar, 'created', '{}'::jsonb FROM ord
         )`;
    const sql = tie?.claim
      ? `WITH claim AS (
           INSERT INTO idempotency_keys (scope, key, request_hash, state, locked_until, order_id)
           VALUES ($13::text, $14::text, $16::text, 'in_progress', now() + make_interval(secs => $17::float8 / 1000), $1::uuid)
           ON CONFLICT (scope, key) DO NOTHING RETURNING key
         ), ord AS (
           ${order} WHERE EXISTS (SELECT 1 FROM claim)
           ON CONFLICT (external_id) DO NOTHING RETURNING *, xmin::text AS row_version
         ), ${event}
         SELECT (SELECT count(*) FROM claim)::int AS claimed, ord.* FROM (SELECT 1) AS one LEFT JOIN ord ON true`
      : `WITH ord AS (
           ${order}
           ON CONFLICT (external_id) DO NOTHING RETURNING *, xmin::text AS row_version
         ), ${event}, link AS (
           UPDATE idempotency_keys SET order_id = (SELECT id FROM ord), updated_at = now()
            WHERE scope = $13::text AND key = $14::text AND EXISTS (SELECT 1 FROM ord)
         )
         SELECT 1 AS claimed, ord.* FROM (SELECT 1) AS one LEFT JOIN ord ON true`;
    if (tie?.claim) values.push(tie.claim.hash, tie.claim.leaseMs);
    const [row] = rowsOf<VersionedRow & { claimed: number }>(await this.ds.query(sql, values));
    const { claimed, ...rest } = row!;
    if (!claimed || !rest.id) return { claimed: claimed > 0, saved: null };
    this.metrics?.orderTransition(null, 'pending', source);
    return { claimed: true, saved: versioned(rest as VersionedRow) };
  }

  /**
   * The single point where an order changes, whatever the source: lock the row, decide, write the
   * row and its timeline events (and the listeners' rows) in one transaction.
   */
  async apply(
    orderId: string,
    source: EventSource,
    observe: (order: OrderEntity) => Observation | Promise<Observation>,
    alsoInTx?: (m: EntityManager, change: AppliedChange) => Promise<void>,
  ): Promise<AppliedChange> {
    const applied = await this.ds.transaction(async (m): Promise<AppliedChange> => {
      const [row] = rowsOf<OrderEntity>(await m.query(`SELECT * FROM orders WHERE id = $1 FOR UPDATE`, [orderId]));
      if (!row) throw new EntityNotFoundError(OrderEntity, { id: orderId });
      const order = Object.assign(new OrderEntity(), row);
      const decision = decide(order, await observe(order), new Date());
      if (decision.refused || (!decision.events.length && !Object.keys(decision.patch).length)) {
        const unchanged = { order, decision, events: [] };
        if (alsoInTx) await alsoInTx(m, unchanged);
        return unchanged;
      }
      // Events without a patch (a refused invoice, kept for ops) leave the order row as it was.
      if (Object.keys(decision.patch).length) {
        Object.assign(order, decision.patch);
        order.updated_at = new Date();
        const patch: Record<string, unknown> = { ...decision.patch, updated_at: order.updated_at };
        const cols = Object.keys(patch);
        await m.query(
          `UPDATE orders SET ${cols.map((c, i) => `"${c}" = $${i + 2}`).join(', ')} WHERE id = $1`,
          [order.id, ...cols.map((c) => jsonColumn(c, patch[c]))],
        );
      }
      const events = await this.insertEvents(m, order.id, source, decision.events);
      const change = { order, decision, events };
      for (const listener of this.listeners) await listener.write(m, change, source);
      if (alsoInTx) await alsoInTx(m, change);
      return change;
    });
    this.committed(applied, source);
    return applied;
  }

  /** Counted and logged once committed (a rolled-back change never happened); events are only the ones inserted. */
  private committed(applied: AppliedChange, source: EventSource): void {
    for (const e of applied.events) if (e.type === 'order.status_changed' && e.to_status) this.metrics?.orderTransition(e.from_status, e.to_status, source);
    if (applied.events.length) {
      for (const l of this.listeners) {
        try {
          l.committed?.(applied, source);
        } catch (err) {
          this.log.warn(`order ${applied.order.id}: a commit listener failed: ${(err as Error).message}`);
        }
      }
    }
    const rejected = applied.decision.rejected;
    if (!rejected) return;
    const o = applied.order;
    this.metrics?.invoiceMismatch(o.provider);
    const event = applied.decision.events.find((e) => e.type === 'order.invoice_rejected');
    const differences = (event?.data.mismatch ?? {}) as Record<string, { order: string; invoice: string }>;
    const detail = rejected.mismatch.map((k) => `${k} (order ${differences[k]?.order}, invoice ${differences[k]?.invoice})`).join(', ');
    this.log.warn(`order ${o.id}: refused gateway invoice ${rejected.invoiceId}, it is not this order's: ${detail}; the order stays ${o.status} (source ${source})`);
  }

  /**
   * The same change as `apply`, in ONE statement and without a lock, for an order read earlier
   * with its row version (`xmin`, see readVersioned): decide on that read, then update the row
   * only if it is still that version, and write the timeline events, the listeners' rows and the
   * caller's `extra` parts in the same statement (all or nothing, like apply's transaction). Null
   * when the row changed since it was read: nothing was written, not even an extra part, and the
   * caller falls back to `apply` (which locks and decides again). A decision that changes nothing
   * still checks the version before the extra parts are written.
   */
  async applyOptimistic(
    order: OrderEntity,
    version: string,
    source: EventSource,
    observation: Observation,
    extra: (change: AppliedChange) => SqlPart[] = () => [],
  ): Promise<AppliedChange | null> {
    const decision = decide(order, observation, new Date());
    const changes = !decision.refused && (decision.events.length > 0 || Object.keys(decision.patch).length > 0);
    const patched = changes && Object.keys(decision.patch).length > 0;
    const next = Object.assign(new OrderEntity(), order);
    let events: OrderEventEntity[] = [];
    if (patched) {
      Object.assign(next, decision.patch);
      next.updated_at = new Date();
    }
    if (changes) {
      const now = new Date();
      events = decision.events.map((e) =>
        Object.assign(new OrderEventEntity(), {
          id: newId(),
          order_id: order.id,
          seq: '',
          type: e.type,
          from_status: e.from_status,
          to_status: e.to_status,
          source,
          dedupe_key: e.dedupe_key.slice(0, 200),
          data: e.data,
          created_at: now,
        }),
      );
    }
    const planned = { order: next, decision, events };
    const parts = changes ? (await Promise.all(this.listeners.map((l) => l.plan(planned, source)))).flat() : [];
    const extras = [...parts, ...extra(planned)];
    const strict = extras.length > 0;
    // The change as named CTEs of its own statement (made only when it goes that way, see writeOptimistic).
    let form: { ctes: Array<{ name: string; sql: string }>; values: unknown[] } | undefined;
    const cteForm = () => {
      if (form) return form;
      const values: unknown[] = [];
      const v = (x: unknown) => `$${values.push(x)}`;
      const ctes: Array<{ name: string; sql: string }> = [];
      if (patched) {
        const patch: Record<string, unknown> = { ...decision.patch, updated_at: next.updated_at };
        const sets = Object.keys(patch).map((c) => `"${c}" = ${v(jsonColumn(c, patch[c]))}`);
        ctes.push({ name: 'upd', sql: `UPDATE orders SET ${sets.join(', ')} WHERE id = ${v(order.id)}::uuid AND xmin = ${v(version)}::xid RETURNING id` });
      } else {
        // Events without a patch (a refused invoice, kept for ops), or no change at all, leave the order row as it was.
        ctes.push({ name: 'upd', sql: `SELECT id FROM orders WHERE id = ${v(order.id)}::uuid AND xmin = ${v(version)}::xid` });
      }
      const rows = events.map(
        (e) =>
          `(${v(e.id)}::uuid, ${v(e.order_id)}::uuid, ${v(e.type)}::varchar, ${v(e.from_status)}::varchar, ${v(e.to_status)}::varchar, ${v(e.source)}::varchar, ${v(e.dedupe_key)}::varchar, ${v(JSON.stringify(e.data))}::jsonb, ${v(e.created_at)}::timestamptz)`,
      );
      ctes.push({
        name: 'ev',
        sql: rows.length
          ? `INSERT INTO order_events (id, order_id, type, from_status, to_status, source, dedupe_key, data, created_at)
               SELECT * FROM (VALUES ${rows.join(', ')}) AS e(id, order_id, type, from_status, to_status, source, dedupe_key, data, created_at)
               WHERE EXISTS (SELECT 1 FROM upd)
               ON CONFLICT (order_id, dedupe_key) DO NOTHING RETURNING id`
          : `SELECT NULL::uuid AS id WHERE false`,
      });
      for (const part of extras) {
        const offset = values.length;
        values.push(...part.values);
        ctes.push({ name: part.name, sql: part.sql.replace(/\$(\d+)\b/g, (_m, n: string) => `$${Number(n) + offset}`) });
      }
      return (form = { ctes, values });
    };
    const rows = this.asRows(next, patched ? decision.patch : {}, version, events, extras, strict);
    const row = await this.optimistic.submit({ orderId: order.id, form: cteForm, strict, ...(rows ? { rows } : {}) });
    if (!row) {
      this.log.debug(`order ${order.id}: changed since it was read; taking the locking path`);
      return null;
    }
    const inserted = new Set(row.events);
    if (parts.length) this.log.debug(`order ${order.id}: ${order.status} -> ${next.status} written in one statement with ${parts.map((p) => p.name).join(', ')}`);
    const applied = { order: changes ? next : order, decision, events: events.filter((e) => inserted.has(e.id)) };
    this.committed(applied, source);
    return applied;
  }

  /**
   * The change as rows of the statement its shape shares (writeOptimisticRows); undefined when a
   * part has no `many` form or a patched column has no type that text is cast to here.
   */
  private asRows(next: OrderEntity, patch: Partial<OrderEntity>, version: string, events: OrderEventEntity[], parts: SqlPart[], strict: boolean): OptimisticRows | undefined {
    if (parts.some((p) => !p.many || this.manyId(p.many) === null)) return undefined;
    const columns = Object.keys(patch).length ? [...new Set([...Object.keys(patch), 'updated_at'])] : [];
    const types = columns.map((c) => this.columnType(c));
    if (types.some((t) => !t)) return undefined;
    const patchValues = columns.map((c, i) => {
      const v = (next as unknown as Record<string, unknown>)[c];
      return types[i] === 'jsonb' ? (v === null || v === undefined ? null : JSON.stringify(v)) : asText(v);
    });
    const shape = [columns.map((c, i) => `${c}:${types[i]}`).join(','), strict ? 'strict' : 'lax', ...parts.map((p) => `${p.name}:${p.values.length}:${this.manyId(p.many!)}`)].join(' ');
    return { shape, columns, patch: patchValues, version, events, parts: parts.map((p) => ({ many: p.many!, values: p.values.map(asText) })) };
  }

  /** A short name for a part's `many` text in a shape (the texts are few: one per kind of part); null past 1,000 of them. */
  private manyId(text: string): number | null {
    let id = this.manyIds.get(text);
    if (id === undefined) {
      if (this.manyIds.size >= 1000) return null;
      this.manyIds.set(text, (id = this.manyIds.size + 1));
    }
    return id;
  }

  /** The SQL type an order column's text value is cast to in writeOptimisticRows (null: not one of those). */
  private columnType(column: string): string | null {
    const known = this.columnTypes.get(column);
    if (known !== undefined) return known;
    const type = this.ds.getMetadata(OrderEntity).findColumnWithPropertyName(column)?.type;
    const name = typeof type === 'string' ? type.toLowerCase() : '';
    const cast = ['varchar', 'character varying', 'char', 'character', 'text'].includes(name) ? 'text' : ['timestamptz', 'jsonb', 'numeric', 'uuid', 'boolean', 'int', 'integer', 'bigint'].includes(name) ? name : null;
    this.columnTypes.set(column, cast);
    return cast;
  }

  /**
   * Writes applyOptimistic's planned changes. One alone goes as its own statement. Several go in
   * ONE statement, each order's CTEs renamed apart (`c<i>_upd`, ...), each order checked on its own
   * version as in its own statement; an order named twice goes alone after the rest (one statement
   * never changes a row twice). Should that statement fail in any way (an order that moved and
   * has parts, a deadlock with another writer, a constraint), nothing of it was written and every
   * change is written alone instead, so one order's failure stays that order's.
   */
  private async writeOptimistic(plans: OptimisticPlan[]): Promise<Array<OptimisticResult | Error>> {
    const alone = (p: OptimisticPlan) => this.writeOptimisticOne(p).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
    if (plans.length === 1) return [await alone(plans[0]!)];
    const out: Array<OptimisticResult | Error> = new Array(plans.length);
    const seen = new Set<string>();
    const together: number[] = [];
    const after: number[] = [];
    plans.forEach((p, i) => (seen.has(p.orderId) ? after : (seen.add(p.orderId), together)).push(i));
    // Changes of one shape go as rows of one statement; the rest as one statement of many CTEs.
    const shapes = new Map<string, number[]>();
    const mixed: number[] = [];
    for (const i of together) {
      const shape = plans[i]!.rows?.shape;
      const list = shape === undefined ? undefined : shapes.get(shape);
      if (list) list.push(i);
      else if (shape !== undefined) shapes.set(shape, [i]);
      else mixed.push(i);
    }
    const groups: Array<{ at: number[]; write: (ps: OptimisticPlan[]) => Promise<OptimisticResult[]> }> = [];
    for (const at of shapes.values()) {
      if (at.length > 1) groups.push({ at, write: (ps) => this.writeOptimisticRows(ps) });
      else mixed.push(...at);
    }
    if (mixed.length > 1) groups.push({ at: mixed, write: (ps) => this.writeOptimisticTogether(ps) });
    else if (mixed.length) groups.push({ at: mixed, write: async (ps) => [await this.writeOptimisticOne(ps[0]!)] });
    await Promise.all(
      groups.map(async ({ at, write }) => {
        let written: OptimisticResult[] | null = null;
        try {
          written = await write(at.map((i) => plans[i]!));
        } catch (err) {
          if (at.length > 1) this.log.debug(`${at.length} order changes in one statement: ${(err as Error).message}; writing each alone`);
        }
        if (written) at.forEach((i, k) => (out[i] = written[k]!));
        else await Promise.all(at.map(async (i) => (out[i] = await alone(plans[i]!))));
      }),
    );
    for (const i of after) out[i] = await alone(plans[i]!);
    return out;
  }

  /**
   * Changes of one shape (OptimisticRows) as ONE statement whose text depends on the shape only,
   * never on how many orders it carries: the orders, their events and each part's rows come as
   * arrays, so the statement is prepared once per connection (ResilientClient) instead of parsed
   * and planned anew for every batch (planning a statement of many CTEs cost Postgres more than
   * running it). Each order is written only if its row is still the version read; when one is not
   * and the changes have parts, the statement raises and nothing of it is written (the caller then
   * writes each alone), as writeOptimisticTogether. Events are inserted in their order (their
   * `seq` is the timeline's order): a filter on the array, never a join that could reorder them.
   */
  private async writeOptimisticRows(plans: OptimisticPlan[]): Promise<OptimisticResult[]> {
    const first = plans[0]!.rows!;
    const values: unknown[] = [];
    const arr = (xs: unknown[], type: string) => `$${values.push(xs)}::${type}[]`;
    const ids = arr(plans.map((p) => p.orderId), 'uuid');
    const versions = arr(plans.map((p) => p.rows!.version), 'text');
    const ctes: string[] = [];
    if (first.columns.length) {
      const cols = first.columns.map((_c, k) => arr(plans.map((p) => p.rows!.patch[k]), 'text'));
      const sets = first.columns.map((c, k) => `"${c}" = p.c${k}::${this.columnType(c)}`);
      ctes.push(`upd AS (UPDATE orders o SET ${sets.join(', ')}
          FROM unnest(${ids}, ${versions}, ${cols.join(', ')}) AS p(id, ver, ${cols.map((_c, k) => `c${k}`).join(', ')})
         WHERE o.id = ANY(${ids}) AND o.id = p.id AND o.xmin = p.ver::xid RETURNING o.id)`);
    } else {
      ctes.push(`upd AS (SELECT o.id FROM orders o JOIN unnest(${ids}, ${versions}) AS p(id, ver) ON o.id = p.id AND o.xmin = p.ver::xid WHERE o.id = ANY(${ids}))`);
    }
    const events = plans.flatMap((p) => p.rows!.events);
    const ev = (f: (e: OrderEventEntity) => unknown, type = 'text') => arr(events.map(f), type);
    ctes.push(`ev AS (INSERT INTO order_events (id, order_id, type, from_status, to_status, source, dedupe_key, data, created_at)
        SELECT e.id, e.order_id, e.type, e.from_status, e.to_status, e.source, e.dedupe_key, e.data::jsonb, e.created_at
          FROM unnest(${ev((e) => e.id, 'uuid')}, ${ev((e) => e.order_id, 'uuid')}, ${ev((e) => e.type)}, ${ev((e) => e.from_status)}, ${ev((e) => e.to_status)},
                      ${ev((e) => e.source)}, ${ev((e) => e.dedupe_key)}, ${ev((e) => JSON.stringify(e.data))}, ${ev((e) => e.created_at, 'timestamptz')})
               AS e(id, order_id, type, from_status, to_status, source, dedupe_key, data, created_at)
         WHERE e.order_id = ANY(ARRAY(SELECT id FROM upd))
        ON CONFLICT (order_id, dedupe_key) DO NOTHING RETURNING id, order_id)`);
    first.parts.forEach((part, k) => {
      const width = part.values.length;
      const col = Array.from({ length: width }, (_v, j) => arr(plans.map((p) => p.rows!.parts[k]!.values[j]), 'text'));
      const rows = width ? `unnest(${col.join(', ')}) AS x(${col.map((_c, j) => `p${j + 1}`).join(', ')})` : `(SELECT) AS x`;
      const sql = part.many.replace(/\{rows\}/g, rows).replace(/\{p(\d+)\}/g, (_m, j: string) => col[Number(j) - 1] ?? 'NULL::text[]');
      ctes.push(`part${k} AS (${sql})`);
    });
    const ok = plans[0]!.strict
      ? `CASE WHEN (SELECT count(*) FROM upd) = cardinality(${ids}) THEN 1 ELSE ('${STALE_VERSION} ' || (SELECT count(*) FROM upd))::int END`
      : `1`;
    const sql = `WITH ${ctes.join(',\n')}
      SELECT ${ok} AS ok, COALESCE((SELECT json_agg(id) FROM upd), '[]'::json) AS upd,
             COALESCE((SELECT json_agg(json_build_array(order_id, id)) FROM ev), '[]'::json) AS ev`;
    const [row] = rowsOf<{ ok: number; upd: string[]; ev: Array<[string, string]> }>(await this.ds.query(sql, values));
    if (!row || row.ok !== 1) throw new Error('the statement answered no row');
    const written = new Set(row.upd);
    const inserted = new Map<string, string[]>();
    for (const [orderId, id] of row.ev) {
      const list = inserted.get(orderId);
      if (list) list.push(id);
      else inserted.set(orderId, [id]);
    }
    return plans.map((p) => (written.has(p.orderId) ? { events: inserted.get(p.orderId) ?? [] } : null));
  }

  private async writeOptimisticOne(p: OptimisticPlan): Promise<OptimisticResult> {
    const form = p.form();
    let row: { ok: number; events: string[] } | undefined;
    try {
      [row] = rowsOf<{ ok: number; events: string[] }>(
        await this.ds.query(`WITH ${form.ctes.map((c) => `${c.name} AS (${c.sql})`).join(',\n')}\nSELECT ${okOf('upd', p.strict)} AS ok, ${eventsOf('ev')} AS events`, form.values),
      );
    } catch (err) {
      if (!isStaleVersion(err)) throw err;
    }
    return row && row.ok === 1 ? { events: row.events } : null;
  }

  private async writeOptimisticTogether(plans: OptimisticPlan[]): Promise<OptimisticResult[]> {
    const values: unknown[] = [];
    const ctes: string[] = [];
    const cols: string[] = [];
    plans.forEach((p, i) => {
      const form = p.form();
      const names = cteNames(form.ctes);
      const offset = values.length;
      values.push(...form.values);
      for (const c of form.ctes) {
        const sql = c.sql.replace(names, `c${i}_$1`).replace(/\$(\d+)\b/g, (_m, n: string) => `$${Number(n) + offset}`);
        ctes.push(`c${i}_${c.name} AS (${sql})`);
      }
      cols.push(`${okOf(`c${i}_upd`, p.strict)} AS ok${i}`, `${eventsOf(`c${i}_ev`)} AS ev${i}`);
    });
    const [row] = rowsOf<Record<string, unknown>>(await this.ds.query(`${UNPREPARED} WITH ${ctes.join(',\n')}\nSELECT ${cols.join(', ')}`, values));
    if (!row) throw new Error('the statement answered no row');
    return plans.map((_p, i) => (row[`ok${i}`] === 1 ? { events: row[`ev${i}`] as string[] } : null));
  }

  private async insertEvents(m: EntityManager, orderId: string, source: EventSource, drafts: EventDraft[]): Promise<OrderEventEntity[]> {
    const out: OrderEventEntity[] = [];
    for (const e of drafts) {
      const rows: OrderEventEntity[] = await m.query(
        `INSERT INTO order_events (order_id, type, from_status, to_status, source, dedupe_key, data)
         VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (order_id, dedupe_key) DO NOTHING RETURNING *`,
        [orderId, e.type, e.from_status, e.to_status, source, e.dedupe_key.slice(0, 200), JSON.stringify(e.data)],
      );
      out.push(...rows);
    }
    return out;
  }

  events(orderId: string): Promise<OrderEventEntity[]> {
    return this.ds.getRepository(OrderEventEntity).find({ where: { order_id: orderId }, order: { seq: 'ASC' } });
  }

  async list(q: {
    status?: string;
    customer_id?: string;
    provider?: string;
    /** An order id, external_id or customer_id, matched exactly (the ops console's search box). */
    q?: string;
    /** `open`: an exception no person has resolved; `resolved`; or one kind (open or not). */
    exception?: string;
    created_from?: Date;
    created_to?: Date;
    limit: number;
    cursor?: { t: Date; id: string };
  }): Promise<OrderEntity[]> {
    const qb = this.ds.getRepository(OrderEntity).createQueryBuilder('o');
    if (q.status) qb.andWhere('o.status = :status', { status: q.status });
    if (q.exception === 'open') qb.andWhere('o.exception IS NOT NULL AND o.exception_resolved_at IS NULL');
    else if (q.exception === 'resolved') qb.andWhere('o.exception IS NOT NULL AND o.exception_resolved_at IS NOT NULL');
    else if (q.exception) qb.andWhere('o.exception = :exception', { exception: q.exception });
    if (q.customer_id) qb.andWhere('o.customer_id = :cid', { cid: q.customer_id });
    if (q.provider) qb.andWhere('o.provider = :provider', { provider: q.provider });
    if (q.q) {
      // o.id is a uuid column: compared only with a uuid, and through a parameter of its own (one
      // parameter cannot be both uuid and text).
      if (isUuid(q.q)) qb.andWhere('(o.id = :qid OR o.external_id = :q OR o.customer_id = :q)', { qid: q.q, q: q.q });
      else qb.andWhere('(o.external_id = :q OR o.customer_id = :q)', { q: q.q });
    }
    if (q.created_from) qb.andWhere('o.created_at >= :from', { from: q.created_from });
    if (q.created_to) qb.andWhere('o.created_at < :to', { to: q.created_to });
    if (q.cursor) qb.andWhere('(o.created_at, o.id) < (:ct, :cidc)', { ct: q.cursor.t, cidc: q.cursor.id });
    return qb.orderBy('o.created_at', 'DESC').addOrderBy('o.id', 'DESC').limit(q.limit).getMany();
  }
}

/**
 * 1 when the order's row was the version read; else, with parts (`strict`), the statement raises
 * (Postgres runs every data-modifying CTE whatever the rest reads, so a part cannot be skipped from
 * here: nothing of the statement is written), and without parts, 0 (nothing of it was written).
 */
const okOf = (upd: string, strict: boolean): string =>
  strict ? `CASE WHEN (SELECT count(*) FROM ${upd}) = 1 THEN 1 ELSE ('${STALE_VERSION} ' || (SELECT count(*) FROM ${upd}))::int END` : `(SELECT count(*) FROM ${upd})::int`;
/** The plan's own CTE names where they stand as names (not after a dot or inside a quoted name); one RegExp per set of names. */
const namePatterns = new Map<string, RegExp>();
function cteNames(ctes: Array<{ name: string }>): RegExp {
  const key = ctes.map((c) => c.name).join('|');
  let re = namePatterns.get(key);
  if (!re) {
    if (namePatterns.size >= 100) namePatterns.clear();
    namePatterns.set(key, (re = new RegExp(`(?<![\\w."])(${key})\\b`, 'g')));
  }
  return re;
}
const eventsOf = (ev: string): string => `COALESCE((SELECT json_agg(id) FROM ${ev}), '[]'::json)`;

/** A value as the text Postgres casts back (writeOptimisticRows sends every value as text). */
function asText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}
