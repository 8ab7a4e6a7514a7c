/**
 * The statistics behind design §4, one small function each. They work on a slice
 * [from, to) of a Float64Array so the kernel can call them on its scratch buffers without
 * allocating. Sample standard deviations use n − 1 and two passes (mean first), which is what
 * numpy/pandas and simple-statistics do.
 */

/** Arithmetic mean of x[from..to). */
export function mean(x: ArrayLike<number>, from: number, to: number): number {
  let s = 0;
  for (let t = from; t < to; t++) s += x[t];
  return s / (to - from);
}

/** Sample standard deviation (n − 1) of x[from..to), two-pass. NaN for fewer than 2 values. */
export function sampleStd(x: ArrayLike<number>, from: number, to: number): number {
  const n = to - from;
  if (n < 2) return NaN;
  const m = mean(x, from, to);
  let ss = 0;
  for (let t = from; t < to; t++) {
    const d = x[t] - m;
    ss += d * d;
  }
  return Math.sqrt(ss / (n - 1));
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
