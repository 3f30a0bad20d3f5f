/**
 * The Authorization header of client_secret_basic, for tests and benches alike.
 * RFC 6749 §2.3.1: client_id and secret are application/x-www-form-urlencoded first,
 * then joined with ":" and Base64-encoded, so an id or secret holding ":", "%" or "+"
 * still reaches the server as itself.
 */
export function basicAuth(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`).toString('base64')}`;
}

function formEncode(value: string): string {
  // URLSearchParams is the WHATWG application/x-www-form-urlencoded serializer.
  return new URLSearchParams([['', value]]).toString().slice(1);
}
