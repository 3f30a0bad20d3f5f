import { Counter, type Metric, type Registry } from 'prom-client';

/**
 * The two metrics touched on every request (request durations, store calls) and the
 * token counter, kept as plain numbers per label set and handed to prom-client only when
 * a scrape reads them. prom-client's own `observe`/`inc` work out a key string from the
 * labels object and look it up in a dictionary on every call, then find the bucket through
 * string-keyed properties: about 1.4 µs per request of the JWKS's 32 µs on one core, and
 * 5 µs of a token request's 370 (`bench/`, `--cpu-prof`). Here a label set's numbers are
 * found through nested Maps and added to as numbers. Exposition, cluster aggregation and
 * the format stay prom-client's. Every label set is bounded (metrics.ts), so the Maps are too.
 */

interface Slots<L extends string, S> {
  all: S[];
  of(labels: Readonly<Record<L, string>>): S;
}

// One Map per label, nested: a label value is a string made once (a route name, a store
// call's name), whose hash V8 keeps, where a key joined from the values would be a new
// string to hash on every call.
type Level<S> = Map<string, Level<S> | S>;

function slotsBy<L extends string, S>(labelNames: readonly L[], create: (labels: Record<L, string>) => S): Slots<L, S> {
  const known = new Set<string>(labelNames);
  const all: S[] = [];
  const root: Level<S> = new Map();
  const last = labelNames.length - 1;
  return {
    all,
    of(labels) {
      let level = root;
      for (let i = 0; i < last; i++) {
        const value = labels[labelNames[i]!];
        let next = level.get(value) as Level<S> | undefined;
        if (!next) level.set(value, (next = new Map()));
        level = next;
      }
      const value = labels[labelNames[last]!];
      let slot = level.get(value) as S | undefined;
      if (!slot) {
        // Checked once per label set, as prom-client checks every call: a name it does not
        // know fails this call, not every scrape after it (the Counter's own inc would throw there).
        for (const name of Object.keys(labels)) if (!known.has(name)) throw new Error(`Added label "${name}" is not included in initial labelset: ${labelNames.join(', ')}`);
        slot = create({ ...labels });
        level.set(value, slot);
        all.push(slot);
      }
      return slot;
    },
  };
}

export interface SlotCounter<L extends string> {
  inc(labels: Readonly<Record<L, string>>): void;
}

/** A prom-client Counter whose increments wait in plain numbers until a scrape collects them. */
export function slotCounter<L extends string>(config: { name: string; help: string; labelNames: readonly L[]; registers: Registry[] }): SlotCounter<L> {
  const pending = slotsBy(config.labelNames, (labels) => ({ labels, n: 0 }));
  const counter = new Counter<L>({
    ...config,
    collect() {
      for (const slot of pending.all) {
        if (slot.n === 0) continue;
        this.inc(slot.labels, slot.n);
        slot.n = 0;
      }
    },
  });
  // A registry reset drops what waits too, as prom-client's Counter drops what it holds.
  const reset = counter.reset.bind(counter);
  counter.reset = () => {
    for (const slot of pending.all) slot.n = 0;
    reset();
  };
  return {
    inc(labels) {
      pending.of(labels).n += 1;
    },
  };
}

export interface SlotHistogram<L extends string> {
  observe(labels: Readonly<Record<L, string>>, value: number): void;
  /** `observe` for one label set, bound once: the hot paths' recorder (a function, where prom-client's `labels()` gives an object). */
  labels(labels: Readonly<Record<L, string>>): (value: number) => void;
}

/** One line of the exposition, as prom-client's metrics give them. */
interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

interface HistogramSlot<L extends string> {
  labels: Record<L, string>;
  /** Observations per bucket, not cumulative; the last one is above every bound (+Inf). */
  counts: Float64Array;
  sum: number;
  count: number;
}

/**
 * A histogram registered with prom-client's Registry as a metric of its own: it answers
 * `get()` (JSON, what a cluster's primary sums) and `getForPromString()` (the text a
 * scrape reads) in the shapes prom-client's Histogram gives, bucket for bucket.
 */
export function slotHistogram<L extends string>(config: { name: string; help: string; labelNames: readonly L[]; buckets: readonly number[]; registers: Registry[] }): SlotHistogram<L> {
  const { name, help, buckets } = config;
  const fresh = () => slotsBy(config.labelNames, (labels): HistogramSlot<L> => ({ labels, counts: new Float64Array(buckets.length + 1), sum: 0, count: 0 }));
  let slots = fresh();

  // Each sample as prom-client's Histogram makes them: `labels` its own (le), the label set as
  // `sharedLabels`, which prom-client formats once per label set object (a WeakMap).
  function samples(): Array<Sample & { sharedLabels: Record<L, string> }> {
    const out: Array<Sample & { sharedLabels: Record<L, string> }> = [];
    for (const { labels, counts, sum, count } of slots.all) {
      let below = 0;
      buckets.forEach((bound, i) => {
        below += counts[i]!;
        out.push({ labels: { le: bound }, sharedLabels: labels, value: below, metricName: `${name}_bucket` });
      });
      out.push(
        { labels: { le: '+Inf' }, sharedLabels: labels, value: count, metricName: `${name}_bucket` },
        { labels: {}, sharedLabels: labels, value: sum, metricName: `${name}_sum` },
        { labels: {}, sharedLabels: labels, value: count, metricName: `${name}_count` },
      );
    }
    return out;
  }

  const metric = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    async get() {
      const values: Sample[] = samples().map(({ sharedLabels, labels, ...rest }) => ({ ...rest, labels: { ...labels, ...sharedLabels } }));
      return { name, help, type: 'histogram', aggregator: 'sum', values };
    },
    async getForPromString() {
      return { name, help, type: 'histogram', aggregator: 'sum', values: samples() };
    },
    reset() {
      slots = fresh();
    },
  };
  // The Registry reads any object with these members (it calls get/getForPromString and
  // reset, nothing else); its type names prom-client's four classes only. So
  // `registry.getSingleMetric()` gives this object, which has none of a Histogram's
  // recording methods: Latchkey records through the returned recorder alone.
  for (const registry of config.registers) registry.registerMetric(metric as unknown as Metric);

  // As prom-client refuses it, before any label set is made: NaN would land in the lowest bucket and make the sum NaN for good.
  function check(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
  }
  function record(slot: HistogramSlot<L>, value: number): void {
    // Prometheus buckets are upper bounds, inclusive (`le`).
    let i = 0;
    while (i < buckets.length && value > buckets[i]!) i++;
    slot.counts[i] = slot.counts[i]! + 1;
    slot.sum += value;
    slot.count += 1;
  }
  return {
    observe(labels, value) {
      check(value);
      record(slots.of(labels), value);
    },
    // Looked up at the first observation (a label set shows once it has one, as in
    // prom-client), and again after a reset, which starts every label set afresh.
    labels(labels) {
      let bound: typeof slots | undefined;
      let slot: HistogramSlot<L> | undefined;
      return (value) => {
        check(value);
        if (bound !== slots) {
          bound = slots;
          slot = slots.of(labels);
        }
        record(slot!, value);
      };
    },
  };
}
