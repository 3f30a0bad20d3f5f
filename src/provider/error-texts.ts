/**
 * What a person sees for an OAuth error on a Latchkey page. Raw error descriptions
 * can quote request input, so pages show these texts and the standard code only.
 */
const TEXTS: Record<string, string> = {
  invalid_request: 'The application sent an invalid sign-in request.',
  invalid_client: 'The application is not registered with this sign-in service.',
  invalid_redirect_uri: 'The application asked to return to an address it has not registered.',
  unauthorized_client: 'The application is not allowed to sign in this way.',
  access_denied: 'The sign-in was cancelled.',
  invalid_scope: 'The application asked for access it is not allowed to have.',
  login_required: 'You need to sign in.',
  session_not_found: 'This sign-in page has expired.',
  server_error: 'Something went wrong on our side. Try again in a moment.',
  temporarily_unavailable: 'The sign-in service is busy. Try again in a moment.',
};

export function errorText(code: string): string {
  return TEXTS[code] ?? 'The sign-in could not be completed.';
}
