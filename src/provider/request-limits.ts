import { errors } from 'oidc-provider';

/**
 * Longest accepted values of the authorization request parameters a relying party or a
 * person can make long, in characters. None of the specs sets a limit; these leave ample
 * room for real use while keeping what the engine parses and stores with an interaction
 * small. A longer value gets `invalid_request`: back to the client when its redirect_uri
 * is known, else Latchkey's error page, and never an interaction.
 */
export const PARAM_LIMITS = {
  // Opaque to Latchkey; apps that keep a return path in it stay far below this.
  state: 2048,
  // OIDC Core §3.1.2.1: replay protection, typically 32–64 characters.
  nonce: 512,
  // OIDC Core §3.1.2.1: an email address (at most 254) or a similar identifier.
  login_hint: 512,
  // OIDC Core §3.1.2.1: a few space-separated BCP 47 language tags.
  ui_locales: 256,
  // OIDC Core §3.1.2.1: space-separated acr values; Latchkey knows three short ones.
  acr_values: 512,
  // OIDC Core §5.5: a JSON claims request, small in practice.
  claims: 4096,
  // RFC 8707 §2: an absolute URI per value.
  resource: 2048,
} as const;

/**
 * Whole requests. The query string of any request (8 KB, the usual server limit, below
 * Node's 16 KB header limit) and the form body of a POSTed authorization request or a
 * pushed one (RFC 9126 §2.1), which the engine would otherwise read up to 56 KB.
 */
export const REQUEST_LIMITS = { queryBytes: 8 * 1024, formBodyBytes: 16 * 1024 } as const;

type Limited = keyof typeof PARAM_LIMITS;

function refuseLonger(param: string, max: number, value: unknown): void {
  // `resource` may be repeated (RFC 8707 §2): every value counts.
  const values: unknown[] = Array.isArray(value) ? value : [value];
  if (values.some((v) => typeof v === 'string' && v.length > max)) {
    throw new errors.InvalidRequest(`${param} is longer than ${max} characters`);
  }
}

/** Refuses a value of `param` over its limit with the standard `invalid_request`. */
export function assertWithinLimit(param: Limited, value: unknown): void {
  refuseLonger(param, PARAM_LIMITS[param], value);
}

/**
 * The checks as the engine's `extraParams` validators: they run at the authorization and
 * PAR endpoints on the parameters as resolved (request objects included), after the
 * client and its redirect_uri are checked and before any interaction is stored, so the
 * engine itself decides between redirecting the error and showing its error page.
 * `resource` is also checked where it is first resolved (the resource server lookup),
 * which runs before these.
 */
export function paramLimitValidators(): Record<string, (ctx: unknown, value: unknown) => void> {
  return Object.fromEntries(
    Object.entries(PARAM_LIMITS).map(([param, max]) => [param, (_ctx: unknown, value: unknown) => refuseLonger(param, max, value)]),
  );
}
