/**
 * The client metadata Latchkey keeps beside the standard fields: set by Latchkey's own
 * tables (clients/metadata.ts), never by a client registering itself.
 */
export const LATCHKEY_METADATA = ['third_party', 'latchkey_scopes', 'latchkey_resources', 'can_introspect', 'latchkey_owner'] as const;

export interface LatchkeyClientMetadata {
  thirdParty: boolean;
  /** The scopes the client was registered with (OpenID scopes among them). */
  scopes: readonly string[];
  /** The scopes granted to the client per resource indicator (client_resources). */
  resources: Readonly<Record<string, readonly string[]>>;
  canIntrospect: boolean;
  /** The account an API key acts for (clients/api-keys.ts). */
  owner: string | undefined;
}

interface ClientLike {
  metadata(): Record<string, unknown>;
}

// The engine's metadata() rebuilds every field of the client, snake-casing each name, on
// each call: on a token request that was a seventh of everything allocated (heap
// profile, docs/sizing.md "Memory"). An engine Client is never changed once built (a
// changed registration is a new instance: Client.find keeps one per distinct stored
// metadata), so its fields are read once per instance and dropped with it.
const read = new WeakMap<object, LatchkeyClientMetadata>();

export function latchkeyMetadata(client: ClientLike): LatchkeyClientMetadata {
  let found = read.get(client);
  if (!found) {
    const m = client.metadata();
    const owner = m.latchkey_owner;
    found = Object.freeze({
      thirdParty: m.third_party === true,
      scopes: (m.latchkey_scopes as string[] | undefined) ?? [],
      resources: (m.latchkey_resources as Record<string, string[]> | undefined) ?? {},
      canIntrospect: m.can_introspect === true,
      owner: typeof owner === 'string' && owner ? owner : undefined,
    });
    read.set(client, found);
  }
  return found;
}
