// `npm run bench`: every benchmark, each printing rates and ratios against a baseline
// measured in the same run. BENCH_ONLY=password|passkey|machine|timing runs one.
import { passwordSignInBench } from './password-sign-in.js';
import { passkeySignInBench } from './passkey-sign-in.js';
import { passkeyRegistrationBench } from './passkey-registration.js';
import { clientCredentialsBench } from './client-credentials.js';
import { enumerationTimingBench } from './enumeration-timing.js';

const only = process.env.BENCH_ONLY;
const benches: Array<[string, () => Promise<void>]> = [
  ['password', passwordSignInBench],
  ['passkey', passkeySignInBench],
  ['passkey', passkeyRegistrationBench],
  ['machine', clientCredentialsBench],
  ['timing', enumerationTimingBench],
];
for (const [name, run] of benches) {
  if (!only || only === name) await run();
}
