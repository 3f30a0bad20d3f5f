import { z } from 'zod';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';

/**
 * The browser's WebAuthn responses (WebAuthn L3 §5.1 `toJSON()` shapes), checked at the
 * edge so the ceremonies get typed values and oversized or malformed input is a clear
 * 400 before any verification work. Each field is base64url text of bounded size.
 */
const b64url = z.string().max(16_384).regex(/^[A-Za-z0-9_-]*$/);
const extensions = z.object({ appid: z.boolean().optional(), credProps: z.object({ rk: z.boolean().optional() }).optional() }).loose();

export const authenticationResponse: z.ZodType<AuthenticationResponseJSON> = z.object({
  id: b64url,
  rawId: b64url,
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: b64url,
    authenticatorData: b64url,
    signature: b64url,
    userHandle: b64url.optional(),
  }),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults: extensions.default({}),
});

export const registrationResponse: z.ZodType<RegistrationResponseJSON> = z.object({
  id: b64url,
  rawId: b64url,
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: b64url,
    attestationObject: b64url,
    authenticatorData: b64url.optional(),
    transports: z.array(z.string().max(32)).max(16).optional(),
    publicKeyAlgorithm: z.number().int().optional(),
    publicKey: b64url.optional(),
  }),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults: extensions.default({}),
});

/** A page script's body for a passkey `verify`: the credential as the browser gave it (checked by the ceremony), and a name. */
export const passkeyVerifyBody = z.object({
  credential: z.record(z.string(), z.unknown()),
  name: z.string().trim().max(64).optional(),
});
