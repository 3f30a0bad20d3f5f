// `npm run bench`: every benchmark, each printing rates and ratios against a baseline
// measured in the same run. BENCH_ONLY=fair (every protocol workload), or one group of it
// (password|machine|metadata), or passkey|timing|restart|embedded|cluster runs one;
// BENCH_ONLY=paired (Latchkey against Latchkey, bench/paired.ts) runs only when asked.
import { fairBench } from './fair.js';
import { passkeySignInBench } from './passkey-sign-in.js';
import { passkeyRegistrationBench } from './passkey-registration.js';
import { enumerationTimingBench } from './enumeration-timing.js';
import { restartBench } from './restart.js';
import { embeddedMemoryBench } from './embedded-memory.js';
import { addToBenchJson, clusterBench } from './cluster.js';
import { pairedBench } from './paired.js';

const only = process.env.BENCH_ONLY;
const groups = ['fair', 'password', 'machine', 'metadata'];
// The fair benchmark's report starts the BENCH_JSON file; the others add to it.
let jsonStarted = false;
if (!only || groups.includes(only)) {
  await fairBench();
  jsonStarted = true;
}
if (!only || only === 'passkey') {
  await passkeySignInBench();
  await passkeyRegistrationBench();
}
if (!only || only === 'timing') await enumerationTimingBench();
if (!only || only === 'restart') {
  addToBenchJson('restart', await restartBench(), !jsonStarted);
  jsonStarted = true;
}
if (!only || only === 'embedded') {
  addToBenchJson('embedded', await embeddedMemoryBench(), !jsonStarted);
  jsonStarted = true;
}
if (!only || only === 'cluster') addToBenchJson('cluster', await clusterBench(), !jsonStarted);
if (only === 'paired') await pairedBench();
