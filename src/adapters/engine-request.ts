import Provider from 'oidc-provider';

/**
 * The request the engine is handling now, from its own AsyncLocalStorage (Provider.ctx);
 * undefined outside one (the CLI, sweeps). What belongs to one request is kept against
 * this object in a WeakMap: a second AsyncLocalStorage would add its cost to every
 * promise of every request.
 */
export const engineRequest = (): object | undefined => (Provider as unknown as { ctx?: object }).ctx;
