import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { rowsOf } from '../database/sql';
import { NotificationStatus, NotificationType } from './notification-policy';

export interface NotificationRow {
  id: string;
  order_id: string;
  event_id: string;
  type: NotificationType;
  payload: Record<string, unknown>;
  /** The exact bytes signed and sent, frozen when the change was written. */
  body: string;
  status: NotificationStatus;
  attempts: number;
  armed_attempts: number;
  next_attempt_at: Date | null;
  retry_until: Date;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface AttemptRow {
  try_number: number;
  http_status: number | null;
  error: string | null;
  duration_ms: number;
  created_at: Date;
}

export interface ClaimedNotification {
  id: string;
  body: string;
  /** This attempt's number (attempts after the claim). */
  attempts: number;
  armed_attempts: number;
}

/** What one attempt came to: a 2xx, a 410 Gone, or anything else (retried on the schedule). */
export type AttemptOutcome = 'delivered' | 'gone' | 'retry';

/** Settles attempt $2 of row $1 with outcome $3 ($4 s to the next try, $5 status code, $6 error); see finish. */
const FINISH_SQL = `UPDATE notifications
            SET status = CASE WHEN $3::text = 'delivered' THEN 'delivered' WHEN $3 = 'gone' THEN 'abandoned'
                              WHEN now() >= retry_until THEN 'failed' ELSE 'pending' END,
                next_attempt_at = CASE WHEN $3 = 'retry' AND now() < retry_until THEN now() + make_interval(secs => $4) ELSE NULL END,
                delivered_at = CASE WHEN $3 = 'delivered' THEN now() ELSE delivered_at END,
                last_status_code = $5, last_error = $6, updated_at = now()
          WHERE id = $1 AND ((status = 'delivering' AND attempts = $2) OR ($3 = 'delivered' AND status IN ('pending','delivering')))
          RETURNING status, next_attempt_at`;

/** A notification an attempt may be made of now: pending and its time has come, or delivering past its lease. */
const DUE = `status IN ('pending','delivering') AND next_attempt_at <= now()`;

@Injectable()
export class NotificationsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Inside the order change's transaction; null when that event already has its notification. */
  async insert(
    m: EntityManager,
    n: { order_id: string; event_id: string; type: NotificationType; body: string; retryWindowS: number },
  ): Promise<string | null> {
    const rows = rowsOf<{ id: string }>(
      await m.query(
        `INSERT INTO notifications (order_id, event_id, type, payload, body, status, next_attempt_at, retry_until)
         VALUES ($1, $2, $3, $4::jsonb, $5, 'pending', now(), now() + make_interval(secs => $6))
         ON CONFLICT (order_id, event_id) DO NOTHING RETURNING id`,
        [n.order_id, n.event_id, n.type, n.body, n.body, n.retryWindowS],
      ),
    );
    return rows[0]?.id ?? null;
  }

  /**
   * Takes due notifications for one attempt each, in one statement (a worker's batch), replica-safe:
   * the row lock lets one claimer win. Due = pending and its time has come, or delivering past its
   * lease (the claimer died). The rows it took.
   */
  async claimMany(ids: string[], leaseS: number): Promise<ClaimedNotification[]> {
    if (!ids.length) return [];
    return this.claim(`id = ANY($1::uuid[])`, [ids], leaseS);
  }

  /**
   * Takes up to `limit` due notifications (oldest first) for one attempt each, skipping rows
   * another claimer has locked: what the sender's pump delivers.
   */
  claimDue(limit: number, leaseS: number): Promise<ClaimedNotification[]> {
    return this.claim(`id IN (SELECT id FROM notifications WHERE ${DUE} ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)`, [limit], leaseS);
  }

  /** The claim of claimMany and claimDue: the due rows `which` picks ($1), leased for `leaseS` seconds. */
  private async claim(which: string, values: [unknown], leaseS: number): Promise<ClaimedNotification[]> {
    return rowsOf<ClaimedNotification>(
      await this.ds.query(
        `UPDATE notifications
            SET status = 'delivering', attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => $2), updated_at = now()
          WHERE ${which} AND ${DUE}
          RETURNING id, body, attempts, armed_attempts`,
        [...values, leaseS],
      ),
    );
  }

  /**
   * Settles delivered attempts (2xx) in one statement: each attempt recorded, each row
   * delivered (a 2xx is kept even when the claim was lost meanwhile, as in finish). The ids settled.
   */
  async settleDelivered(attempts: Array<{ id: string; tryNumber: number; statusCode: number; durationMs: number }>): Promise<Set<string>> {
    if (!attempts.length) return new Set();
    const rows = rowsOf<{ id: string }>(
      await this.ds.query(
        `WITH d AS (
           SELECT * FROM unnest($1::uuid[], $2::int[], $3::int[], $4::int[]) AS d(id, try_number, http_status, duration_ms)
         ), a AS (
           INSERT INTO notification_attempts (notification_id, try_number, http_status, error, duration_ms)
           SELECT id, try_number, http_status, NULL, duration_ms FROM d ON CONFLICT (notification_id, try_number) DO NOTHING
         )
         UPDATE notifications n
            SET status = 'delivered', next_attempt_at = NULL, delivered_at = now(), last_status_code = d.http_status, last_error = NULL, updated_at = now()
           FROM d
          WHERE n.id = d.id AND n.status IN ('pending','delivering')
          RETURNING n.id`,
        [attempts.map((a) => a.id), attempts.map((a) => a.tryNumber), attempts.map((a) => a.statusCode), attempts.map((a) => a.durationMs)],
      ),
    );
    return new Set(rows.map((r) => r.id));
  }

  /**
   * recordAttempt + finish (+ the next attempt's job when the row goes back to pending) as ONE
   * statement: `job` from JobsService.jobCte with `when` over `f`. Null when this claimer no
   * longer holds the row (nothing settled; the attempt is still recorded).
   */
  async settle(
    a: { id: string; tryNumber: number; outcome: AttemptOutcome; retryInS: number; statusCode: number | null; error: string | null; durationMs: number },
    job: { text: string; values: unknown[] },
  ): Promise<{ status: NotificationStatus; next_attempt_at: Date | null } | null> {
    const k = job.values.length;
    const p = (i: number) => `$${k + i}`;
    const rows = rowsOf<{ status: NotificationStatus; next_attempt_at: Date | null }>(
      await this.ds.query(
        `WITH a AS (
           INSERT INTO notification_attempts (notification_id, try_number, http_status, error, duration_ms)
           VALUES (${p(1)}::uuid, ${p(2)}::int, ${p(5)}::int, ${p(6)}::text, ${p(7)}::int) ON CONFLICT (notification_id, try_number) DO NOTHING
         ), f AS (${FINISH_SQL.replace(/\$(\d)/g, (_m, n: string) => p(Number(n)))}), job AS (${job.text})
         SELECT status, next_attempt_at FROM f`,
        [...job.values, a.id, a.tryNumber, a.outcome, a.retryInS, a.statusCode, a.error, a.durationMs],
      ),
    );
    return rows[0] ?? null;
  }

  async recordAttempt(m: EntityManager, a: { id: string; try_number: number; http_status: number | null; error: string | null; duration_ms: number }): Promise<void> {
    await m.query(
      `INSERT INTO notification_attempts (notification_id, try_number, http_status, error, duration_ms)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (notification_id, try_number) DO NOTHING`,
      [a.id, a.try_number, a.http_status, a.error, a.duration_ms],
    );
  }

  /**
   * Settles the attempt `tryNumber`, if this claimer still holds the row (a 2xx is kept even
   * when the lease was lost meanwhile). A failure past retry_until ends as `failed`.
   */
  async finish(
    m: EntityManager,
    f: { id: string; tryNumber: number; outcome: AttemptOutcome; retryInS: number; statusCode: number | null; error: string | null },
  ): Promise<{ status: NotificationStatus; next_attempt_at: Date | null } | null> {
    const rows = rowsOf<{ status: NotificationStatus; next_attempt_at: Date | null }>(
      await m.query(
        FINISH_SQL,
        [f.id, f.tryNumber, f.outcome, f.retryInS, f.statusCode, f.error],
      ),
    );
    return rows[0] ?? null;
  }

  /** Arms a new schedule for an immediate attempt (ops retry); null when the row is not re-armable. */
  async rearm(m: EntityManager, id: string, retryWindowS: number): Promise<NotificationRow | null> {
    const rows = rowsOf<NotificationRow>(
      await m.query(
        `UPDATE notifications
            SET status = 'pending', next_attempt_at = now(), armed_attempts = attempts,
                retry_until = now() + make_interval(secs => $2), updated_at = now()
          WHERE id = $1 AND status IN ('pending','failed','abandoned')
          RETURNING *`,
        [id, retryWindowS],
      ),
    );
    return rows[0] ?? null;
  }

  /**
   * Notifications whose job got lost: pending and overdue by more than `graceS`, or delivering
   * past the lease (a replica died mid-attempt).
   */
  async overdue(graceS: number, limit: number): Promise<string[]> {
    const rows = rowsOf<{ id: string }>(
      await this.ds.query(
        `SELECT id FROM notifications
          WHERE (status = 'pending' AND next_attempt_at <= now() - make_interval(secs => $1))
             OR (status = 'delivering' AND next_attempt_at <= now())
          ORDER BY next_attempt_at LIMIT $2`,
        [graceS, limit],
      ),
    );
    return rows.map((r) => r.id);
  }

  async get(id: string): Promise<NotificationRow | null> {
    const rows = rowsOf<NotificationRow>(await this.ds.query(`SELECT * FROM notifications WHERE id = $1`, [id]));
    return rows[0] ?? null;
  }

  async attempts(id: string): Promise<AttemptRow[]> {
    return rowsOf<AttemptRow>(
      await this.ds.query(
        `SELECT try_number, http_status, error, duration_ms, created_at FROM notification_attempts WHERE notification_id = $1 ORDER BY try_number`,
        [id],
      ),
    );
  }

  async list(q: { status?: string; order_id?: string; limit: number; cursor?: { t: Date; id: string } }): Promise<NotificationRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.status) where.push(`status = $${params.push(q.status)}`);
    if (q.order_id) where.push(`order_id = $${params.push(q.order_id)}`);
    if (q.cursor) where.push(`(created_at, id) < ($${params.push(q.cursor.t)}, $${params.push(q.cursor.id)})`);
    const sql = `SELECT * FROM notifications ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
                 ORDER BY created_at DESC, id DESC LIMIT $${params.push(q.limit)}`;
    return rowsOf<NotificationRow>(await this.ds.query(sql, params));
  }
}
