/**
 * The statistics behind design §4, one small function each. They work on a slice
 * [from, to) of a Float64Array so the kernel can call them on its scratch buffers without
 * allocating. Sample standard deviations use n − 1 (as numpy's ddof=1, pandas and
 * simple-statistics do) and one pass over values shifted by the first one (sampleStd).
 */

/** Arithmetic mean of x[from..to). */
export function mean(x: ArrayLike<number>, from: number, to: number): number {
  let s = 0;
  for (let t = from; t < to; t++) s += x[t];
  return s / (to - from);
}

/**
 * Sample standard deviation (n − 1) of x[from..to), NaN for fewer than 2 values, in one pass:
 * with the shift K = x[from], a = Σ(x_t − K) and q = Σ(x_t − K)² in t order from 0, then
 * stdFromShifted(a, q, n). Every kernel accumulates the same two sums in the same order, inside
 * the pass it already makes over the value series, so all give the same bits and none needs a
 * second pass after the mean (issue 12: one post pass). The shift keeps the subtraction
 * q − a²/n well conditioned: its rounding error relative to the variance grows with
 * (mean − K)²/variance, which is of order 1 for a K taken from the series itself (the unshifted
 * Σx² − (Σx)²/n would lose digits on a series whose mean is large against its spread), and a
 * constant series gives exactly 0. Agrees with the two-pass formula to ~1e-14 relative on daily
 * returns (test/kernel/stats.test.ts).
 */
export function sampleStd(x: ArrayLike<number>, from: number, to: number): number {
  const n = to - from;
  if (n < 2) return NaN;
  const K = x[from];
  let a = 0;
  let q = 0;
  for (let t = from; t < to; t++) {
    const y = x[t] - K;
    a += y;
    q += y * y;
  }
  return stdFromShifted(a, q, n);
}

/**
 * sqrt((q − a²/n)/(n − 1)) from the shifted sums of sampleStd; a rounding that leaves
 * q − a²/n below 0 (a near-constant series) gives 0. NaN for n < 2 and for non-finite sums.
 */
export function stdFromShifted(a: number, q: number, n: number): number {
  if (n < 2) return NaN;
  const ss = q - (a * a) / n;
  return Math.sqrt((ss < 0 ? 0 : ss) / (n - 1));
}

/** maxDrawdown = max_t (1 − V_t / max_{s≤t} V_s), a positive fraction (0 if V never falls). */
export function maxDrawdown(v: ArrayLike<number>, from: number, to: number): number {
  let peak = -Infinity;
  let dd = 0;
  for (let t = from; t < to; t++) {
    const x = v[t];
    if (x > peak) peak = x;
    const d = 1 - x / peak;
    if (d > dd) dd = d;
  }
  return dd;
}

/** cagr = (V_end/V_start)^(1/years) − 1. */
export function cagr(vStart: number, vEnd: number, years: number): number {
  return Math.pow(vEnd / vStart, 1 / years) - 1;
}

/** sortino = mean(r_t − rf/ppy)/sqrt(mean(min(r_t − rf/ppy, 0)²))·√ppy. */
export function sortino(r: ArrayLike<number>, from: number, to: number, ppy: number, rf: number): number {
  const rfp = rf / ppy;
  let s = 0;
  let down = 0;
  for (let t = from; t < to; t++) {
    const e = r[t] - rfp;
    s += e;
    if (e < 0) down += e * e;
  }
  const n = to - from;
  return (s / n / Math.sqrt(down / n)) * Math.sqrt(ppy);
}
