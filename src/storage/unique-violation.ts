/**
 * The one place that knows how Postgres (and PGlite, which is Postgres) reports a
 * unique-constraint violation (SQLSTATE 23505), so repositories turn it into their own
 * domain error without each matching driver error codes.
 */
export async function onUniqueViolation<T>(write: () => Promise<T>, toError: () => Error): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if ((err as { code?: unknown } | null)?.code === '23505') throw toError();
    throw err;
  }
}
