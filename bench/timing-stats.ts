/**
 * Small statistics for the enumeration-timing bench: quantiles, the Mann-Whitney U test
 * (normal approximation with tie correction, two-sided) and a bootstrap confidence
 * interval of the difference of medians. Pure functions, no dependencies.
 */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export const sortNumbers = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);

// Abramowitz–Stegun 7.1.26: erf to about 1.5e-7, plenty for a p-value.
function erf(x: number): number {
  const sign = Math.sign(x);
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return sign * y;
}

/** Two-sided p-value of the Mann-Whitney U test that a and b come from the same distribution. */
export function mannWhitneyP(a: readonly number[], b: readonly number[]): number {
  const all = [...a.map((v) => ({ v, g: 0 })), ...b.map((v) => ({ v, g: 1 }))].sort((x, y) => x.v - y.v);
  const ranks = new Array<number>(all.length);
  let tieTerm = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1]!.v === all[i]!.v) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[k] = rank;
    const t = j - i + 1;
    tieTerm += t ** 3 - t;
    i = j + 1;
  }
  const n1 = a.length;
  const n2 = b.length;
  const r1 = all.reduce((sum, x, i) => (x.g === 0 ? sum + ranks[i]! : sum), 0);
  const u = r1 - (n1 * (n1 + 1)) / 2;
  const n = n1 + n2;
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  if (sigma === 0) return 1;
  const z = (Math.abs(u - (n1 * n2) / 2) - 0.5) / sigma;
  return Math.max(0, Math.min(1, 1 - erf(z / Math.SQRT2)));
}

/** 95% bootstrap interval of median(a) − median(b), resampling each group `rounds` times. */
export function bootstrapMedianDiff(a: readonly number[], b: readonly number[], rounds = 2000): [number, number] {
  const resampledMedian = (xs: readonly number[]) => quantile(sortNumbers(Array.from(xs, () => xs[Math.floor(Math.random() * xs.length)]!)), 0.5);
  const diffs = sortNumbers(Array.from({ length: rounds }, () => resampledMedian(a) - resampledMedian(b)));
  return [quantile(diffs, 0.025), quantile(diffs, 0.975)];
}
