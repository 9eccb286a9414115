/**
 * TypeORM's postgres `query()` answers INSERT/SELECT with the rows, but UPDATE/DELETE with
 * `[rows, rowCount]`. This gives the rows either way.
 */
export function rowsOf<T = Record<string, unknown>>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0] as T[];
  }
  return (Array.isArray(result) ? result : []) as T[];
}

/**
 * One CTE of a single-statement order change (OrdersRepository.applyOptimistic): `sql` numbers its parameters
 * $1..$n of its own `values` and may refer to the CTEs `upd` (the order row, when it was
 * unchanged since it was read) and `ev` (the ids of the timeline events inserted) and to parts
 * named before it.
 */
export interface SqlPart {
  name: string;
  sql: string;
  values: unknown[];
  /**
   * The same statement for many orders at once (one statement of a batch of order changes, whose
   * text does not change with the batch, so Postgres parses and plans it once per connection).
   * It reads its rows from `{rows}`: one row per order, columns `x.p1` .. `x.pN` holding this part's
   * `values` in order, as text (cast them where used); `{p1}` .. `{pN}` are those columns as whole
   * arrays (`text[]`). It may read `ev` (the ids of the timeline events inserted, column `id`).
   * A part without it makes its order's change go the older way (one statement of many CTEs).
   */
  many?: string;
}

/**
 * Starts a statement that is never prepared (ResilientClient): its text changes with its batch,
 * and prepared it would only take a place among the statements worth preparing.
 */
export const UNPREPARED = '/* unprepared */';
