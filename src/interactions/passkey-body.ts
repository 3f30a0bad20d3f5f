import { z } from 'zod';

/** The page script's body for a passkey `verify`: the credential as the browser gave it. */
export const passkeyVerifyBody = z.object({
  credential: z.record(z.string(), z.unknown()),
  name: z.string().trim().max(64).optional(),
});
