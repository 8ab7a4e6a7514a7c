/**
 * Resampled histories: the stationary block bootstrap (Politis & Romano 1994) of the joint
 * daily returns.
 *
 * The source is the R = T − 1 gross return rows g_s = P_{s+1}/P_s (s = 0..R−1, all assets of a
 * row together, so the cross-asset correlation of each day is kept). A path is a sequence of
 * T − 1 source rows built from blocks: a block starts at a uniform row and runs forward over
 * consecutive rows, wrapping from row R−1 to row 0 (circular), for a geometric number of rows
 * L with P(L = k) = (1 − p)^(k−1)·p, p = 1/blockLength (mean blockLength). Consecutive rows
 * inside a block keep the volatility clustering of the real history. Drawing L per block by
 * inversion (L = 1 + ⌊ln U / ln(1 − p)⌋, U uniform in (0, 1]) gives exactly the same
 * distribution as the textbook "restart with probability p at each step".
 *
 * Prices: row 0 is the real first row; P_t = P_{t−1}·g_{src(t)}, same dates as the real data.
 *
 * Every draw is u(streamSeed(seed), path, j) from the counter-based generator (search/rng.ts):
 * j = 2b for block b's start, 2b + 1 for its length. A path therefore depends on (seed, path)
 * alone, whichever worker makes it and whatever it made before.
 */
import { mix32, uniform } from '../search/rng.js';

/** The bootstrap's own stream, so its draws are not the search's draws for the same seed. */
export function streamSeed(seed: number): number {
  return mix32((seed ^ 0x5bd1e995) >>> 0);
}

/** Gross returns g (R×N, R = T − 1): g[s·N + i] = P[(s+1)·N + i] / P[s·N + i]. */
export function grossReturns(prices: ArrayLike<number>, T: number, N: number, out = new Float64Array((T - 1) * N)): Float64Array {
  for (let s = 0; s < T - 1; s++) for (let i = 0; i < N; i++) out[s * N + i] = prices[(s + 1) * N + i] / prices[s * N + i];
  return out;
}

/**
 * The source rows of one path: out[k] = the source return row used for step k (k = 0..n−1,
 * step k makes price row k + 1). Allocation-free.
 */
export function sourceRows(seed: number, path: number, R: number, blockLength: number, out: Int32Array, n = out.length): void {
  if (!(R >= 1)) throw new RangeError('the bootstrap needs at least one return row');
  if (!(blockLength >= 1)) throw new RangeError(`blockLength must be ≥ 1, got ${blockLength}`);
  const s = streamSeed(seed);
  const logQ = Math.log(1 - 1 / blockLength); // −Infinity when blockLength = 1: every block is one row
  let k = 0;
  for (let b = 0; k < n; b++) {
    let row = Math.min(R - 1, Math.floor(uniform(s, path, 2 * b) * R));
    const u = 1 - uniform(s, path, 2 * b + 1); // (0, 1]
    const len = 1 + Math.floor(Math.log(u) / logQ);
    for (let j = 0; j < len && k < n; j++) {
      out[k++] = row;
      row = row + 1 === R ? 0 : row + 1;
    }
  }
}

/** Scratch for bootstrapPath (one per worker; reused for every path). */
export interface BootstrapSource {
  /** Real prices, row-major T×N (only row 0 is used). */
  prices: ArrayLike<number>;
  /** grossReturns(prices). */
  gross: Float64Array;
  T: number;
  N: number;
  /** Length T − 1. */
  rows: Int32Array;
}

export function bootstrapSource(prices: ArrayLike<number>, T: number, N: number): BootstrapSource {
  if (T < 2) throw new RangeError(`the bootstrap needs at least 2 price rows, got ${T}`);
  return { prices, gross: grossReturns(prices, T, N), T, N, rows: new Int32Array(T - 1) };
}

/**
 * Path `path` of the bootstrap into `out` (T×N, row-major): allocation-free (the source rows go
 * to src.rows). Returns out.
 */
export function bootstrapPath(src: BootstrapSource, seed: number, path: number, blockLength: number, out: Float64Array): Float64Array {
  const { T, N, gross, prices, rows } = src;
  sourceRows(seed, path, T - 1, blockLength, rows);
  for (let i = 0; i < N; i++) out[i] = prices[i];
  for (let t = 1; t < T; t++) {
    const g = rows[t - 1] * N;
    const o = t * N;
    for (let i = 0; i < N; i++) out[o + i] = out[o - N + i] * gross[g + i];
  }
  return out;
}
