import type Provider from 'oidc-provider';
import type { Client } from 'oidc-provider';

interface EngineClients {
  adapter: { find(id: string): Promise<object | undefined | void> };
  find(id: string, ...rest: unknown[]): Promise<Client | undefined>;
}

/**
 * Keeps the engine's client for as long as the client directory keeps the row it was
 * built from. For a stored client the engine's Client.find serialises and hashes the
 * adapter's answer on every call to look its built client up in a 100-entry cache, and
 * validates the metadata anew on a miss. The directory answers with one frozen object
 * per row read (clients/client-directory.ts), so that object is the key here: a changed,
 * disabled or expired client is a different object or none, and is built again or not
 * found, exactly as before. Static clients (built once by the engine) pass straight through.
 */
export function reuseClientInstances(provider: Provider): void {
  const Client = provider.Client as unknown as EngineClients;
  const find = Client.find.bind(Client);
  const built = new WeakMap<object, Client>();
  // `then` rather than async and await: every token request finds its client here, and
  // each promise costs the engine's AsyncLocalStorage hooks.
  Client.find = (id, ...rest) => {
    if (typeof id !== 'string' || !id) return find(id, ...rest);
    return Client.adapter.find(id).then((stored) => {
      if (!stored) return find(id, ...rest);
      const known = built.get(stored);
      if (known) return known;
      return find(id, ...rest).then((client) => {
        if (client) built.set(stored, client);
        return client;
      });
    });
  };
}
