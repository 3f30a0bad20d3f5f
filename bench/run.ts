// `npm run bench`: every benchmark, each printing rates and ratios against a baseline
// measured in the same run. BENCH_ONLY=fair (every protocol workload), or one group of it
// (password|machine|metadata), or passkey|timing|restart|embedded runs one.
import { fairBench } from './fair.js';
import { passkeySignInBench } from './passkey-sign-in.js';
import { passkeyRegistrationBench } from './passkey-registration.js';
import { enumerationTimingBench } from './enumeration-timing.js';
import { restartBench } from './restart.js';
import { embeddedMemoryBench } from './embedded-memory.js';

const only = process.env.BENCH_ONLY;
const groups = ['fair', 'password', 'machine', 'metadata'];
if (!only || groups.includes(only)) await fairBench();
if (!only || only === 'passkey') {
  await passkeySignInBench();
  await passkeyRegistrationBench();
}
if (!only || only === 'timing') await enumerationTimingBench();
if (!only || only === 'restart') await restartBench();
if (!only || only === 'embedded') await embeddedMemoryBench();
