import type { Adapter, AdapterPayload } from 'oidc-provider';

export type { Adapter, AdapterPayload };

/** oidc-provider models whose loss would sign people out or break a grant: Postgres/PGlite. */
export const DURABLE_MODELS = new Set([
  'Session',
  'Grant',
  'RefreshToken',
  'RegistrationAccessToken',
  'InitialAccessToken',
]);

export function expiresAt(expiresIn: number | undefined): Date | null {
  return expiresIn ? new Date(Date.now() + expiresIn * 1000) : null;
}
