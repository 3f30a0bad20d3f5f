import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AggregatorRegistry, Counter, Histogram, Registry } from 'prom-client';
import { slotCounter, slotHistogram } from '../../src/ops/slot-metrics.js';

// The slot metrics must be indistinguishable from prom-client's own to whoever scrapes
// them (Prometheus) and to a cluster's primary (which sums the workers' JSON).
const buckets = [0.005, 0.01, 0.025, 0.1, 1];
const observations: Array<[{ route: string; method: string; status: string }, number]> = [
  [{ route: 'token', method: 'POST', status: '200' }, 0.004],
  [{ route: 'token', method: 'POST', status: '200' }, 0.005], // on a bound: `le` is inclusive
  [{ route: 'token', method: 'POST', status: '200' }, 0.2],
  [{ route: 'jwks', method: 'GET', status: '304' }, 7], // above every bound: +Inf only
  [{ route: 'other', method: 'GET', status: '404' }, 0.01],
  [{ route: 'token', method: 'POST', status: '200' }, 0.0251],
  [{ route: 'say "hi"\\ \n', method: 'GET', status: '200' }, 0.5], // escaped as prom-client escapes it
];

function both(openMetrics = false) {
  const ours = new Registry();
  const theirs = new Registry();
  if (openMetrics) for (const registry of [ours, theirs]) registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE as typeof registry.contentType);
  const config = { name: 'x_duration_seconds', help: 'Durations', labelNames: ['route', 'method', 'status'] as const, buckets };
  const histogram = slotHistogram({ ...config, registers: [ours] });
  const reference = new Histogram({ ...config, buckets: [...buckets], registers: [theirs] });
  const counterConfig = { name: 'x_calls_total', help: 'Calls', labelNames: ['store', 'operation'] as const };
  const counter = slotCounter({ ...counterConfig, registers: [ours] });
  const referenceCounter = new Counter({ ...counterConfig, registers: [theirs] });
  // The JWKS's fast lane records through a recorder bound once.
  const jwks = histogram.labels({ route: 'jwks', method: 'GET', status: '304' });
  return {
    ours,
    theirs,
    record() {
      for (const [labels, value] of observations) {
        if (labels.route === 'jwks') jwks(value);
        else histogram.observe(labels, value);
        reference.observe(labels, value);
      }
      for (const operation of ['get', 'set', 'get', 'get']) {
        counter.inc({ store: 'ephemeral', operation });
        referenceCounter.inc({ store: 'ephemeral', operation });
      }
    },
  };
}

test('a scrape reads exactly what prom-client’s Histogram and Counter would write', async () => {
  const { ours, theirs, record } = both();
  record();
  assert.equal(await ours.metrics(), await theirs.metrics());
  assert.match(await ours.metrics(), /^x_duration_seconds_bucket\{le="0\.005",route="token",method="POST",status="200"\} 2$/m);
  // Counts keep adding up across scrapes: a scrape reads, it does not reset.
  record();
  assert.equal(await ours.metrics(), await theirs.metrics());
  assert.match(await ours.metrics(), /^x_calls_total\{store="ephemeral",operation="get"\} 6$/m);
});

test('so does an OpenMetrics scrape', async () => {
  const { ours, theirs, record } = both(true);
  record();
  assert.equal(await ours.metrics(), await theirs.metrics());
  assert.match(await ours.metrics(), /^x_calls_total\{store="ephemeral",operation="set"\} 1$/m);
});

test('a value that is not a number, or a label the metric does not have, fails that call and nothing after it', async () => {
  const registry = new Registry();
  const histogram = slotHistogram({ name: 'y_seconds', help: 'Durations', labelNames: ['route'] as const, buckets, registers: [registry] });
  const counter = slotCounter({ name: 'y_total', help: 'Calls', labelNames: ['store'] as const, registers: [registry] });
  assert.throws(() => histogram.observe({ route: 'token' }, Number.NaN), TypeError);
  const stray = { store: 'database', extra: 'x' } as { store: string };
  assert.throws(() => counter.inc(stray), /extra/);
  assert.throws(() => histogram.observe({ route: 'token', extra: 'x' } as { route: string }, 0.1), /extra/);
  histogram.observe({ route: 'token' }, 0.1);
  counter.inc({ store: 'database' });
  const text = await registry.metrics();
  assert.match(text, /^y_seconds_sum\{route="token"\} 0\.1$/m);
  assert.match(text, /^y_total\{store="database"\} 1$/m);
  assert.doesNotMatch(text, /extra|NaN|Nan/);
});

test('a cluster primary sums workers’ slot metrics as it sums prom-client’s', async () => {
  const workers = [both(), both()];
  workers[0]!.record();
  workers[1]!.record();
  workers[1]!.record();
  const summed = async (side: 'ours' | 'theirs') =>
    AggregatorRegistry.aggregate(await Promise.all(workers.map((worker) => worker[side].getMetricsAsJSON()))).metrics();
  assert.equal(await summed('ours'), await summed('theirs'));
  assert.match(await summed('ours'), /^x_duration_seconds_count\{route="token",method="POST",status="200"\} 12$/m);
});

test('resetting the registry starts the histogram afresh', async () => {
  const { ours, theirs, record } = both();
  record();
  ours.resetMetrics();
  theirs.resetMetrics();
  assert.equal(await ours.metrics(), await theirs.metrics());
  // A recorder bound before the reset counts from zero after it, like every other label set.
  record();
  assert.equal(await ours.metrics(), await theirs.metrics());
  assert.match(await ours.metrics(), /^x_duration_seconds_count\{route="jwks",method="GET",status="304"\} 1$/m);
});
