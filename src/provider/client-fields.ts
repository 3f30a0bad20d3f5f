/** What Latchkey reads of an engine client. */
export interface ClientLike {
  metadata(): Record<string, unknown>;
}

const memo = new WeakMap<ClientLike, Readonly<Record<string, unknown>>>();

/**
 * A client's registered metadata, snake_case as stored. The engine rebuilds it on every
 * metadata() call (each property renamed and looked up in its list of known names), and
 * the token endpoint reads it several times per request. An engine client never changes
 * once built (a changed row gives a new one), so it is built once per client.
 */
export function metadataOf(client: ClientLike): Readonly<Record<string, unknown>> {
  let metadata = memo.get(client);
  if (!metadata) memo.set(client, (metadata = Object.freeze(client.metadata())));
  return metadata;
}
