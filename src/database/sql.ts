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
