/**
 * The statistics behind the selection (docs/selection.md), as pure functions over arrays:
 * the one-sided paired sign test and the bootstrap p-value with Benjamini–Hochberg (the
 * indistinguishable set), and the
 * probability of backtest overfitting by combinatorially symmetric cross-validation (CSCV,
 * Bailey, Borwein, López de Prado & Zhu 2017). Deterministic: no random numbers anywhere.
 */

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9: ~15 significant digits). */
function lnGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
    9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction for the incomplete beta (modified Lentz; Numerical Recipes §6.4). */
function betacf(a: number, b: number, x: number): number {
  const TINY = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** The regularised incomplete beta I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const bt = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (bt * betacf(a, b, x)) / a : 1 - (bt * betacf(b, a, 1 - x)) / b;
}

/** P(X ≥ k) for X ~ Binomial(n, 1/2): I_{1/2}(k, n − k + 1) (1 for k ≤ 0, 0 for k > n). */
export function binomialUpperTailHalf(k: number, n: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  return incompleteBeta(0.5, k, n - k + 1);
}

/**
 * One-sided paired sign test that `other` is worse (a higher score) than `pick`: over the pairs
 * where both are finite and differ, count the ones where `other` is higher (k of n); under the
 * null (either is as likely to be the better one) k ~ Binomial(n, 1/2), and p = P(X ≥ k). Ties are
 * dropped (the usual treatment); with no untied pair p = 1 (nothing shows it is worse). Exact for
 * any n; assumes only that the pairs are independent (sub-periods of a history: approximately).
 */
export function pairedWorseP(pick: ArrayLike<number>, other: ArrayLike<number>): number {
  let n = 0;
  let k = 0;
  for (let j = 0; j < pick.length; j++) {
    const d = other[j] - pick[j];
    if (!Number.isFinite(d) || d === 0) continue;
    n++;
    if (d > 0) k++;
  }
  return n === 0 ? 1 : binomialUpperTailHalf(k, n);
}

/**
 * Bootstrap p-value that `other` is worse than `pick`, from their scores on the same resampled
 * histories: each path's difference d_p = other_p − pick_p is a draw from the bootstrap
 * distribution of the score difference, so p = (1 + #{p : d_p ≤ 0}) / (1 + n) over the n paths
 * where both are finite — the share of resampled histories on which `other` does at least as
 * well as the pick (the +1s keep p > 0, as a Monte-Carlo p-value must). Unlike a test that takes
 * the paths as observations, p does not shrink when more paths are drawn: it converges to the
 * bootstrap probability.
 */
export function bootstrapWorseP(pick: ArrayLike<number>, other: ArrayLike<number>): number {
  let n = 0;
  let notWorse = 0;
  for (let j = 0; j < pick.length; j++) {
    const d = other[j] - pick[j];
    if (Number.isNaN(d)) continue;
    n++;
    if (d <= 0) notWorse++;
  }
  return (1 + notWorse) / (1 + n);
}

/**
 * Benjamini–Hochberg step-up at false-discovery rate `q`: which hypotheses are rejected. Sort the
 * p-values ascending p(1) ≤ … ≤ p(m), find the largest k with p(k) ≤ k·q/m, reject H(1) … H(k).
 * Among the configurations called worse than the pick, the expected share wrongly called so is at
 * most q (for independent or positively dependent tests: comparisons against one pick on shared
 * data are positively dependent). Ties in p keep the input order.
 */
export function bhReject(p: readonly number[], q: number): boolean[] {
  const m = p.length;
  const order = p.map((_, i) => i).sort((a, b) => p[a] - p[b] || a - b);
  let last = -1;
  for (let k = 0; k < m; k++) if (p[order[k]] <= ((k + 1) * q) / m) last = k;
  const out = new Array<boolean>(m).fill(false);
  for (let k = 0; k <= last; k++) out[order[k]] = true;
  return out;
}

export type PairedTest = 'sign' | 'bootstrap';

/**
 * The indistinguishable set: obs is an (m × n) row-major matrix of scores (lower is better), one
 * row per candidate, one column per paired observation (bootstrap path or sub-period); row `pick`
 * is the pick. Every other row is tested for "worse than the pick" (the sign test over
 * sub-periods, the bootstrap p-value over paths) and Benjamini–Hochberg runs over those m − 1
 * tests at rate q; the rows not rejected are returned (indices, ascending).
 */
export function indistinguishableRows(obs: Float64Array, m: number, n: number, pick: number, q = 0.05, test: PairedTest = 'sign'): number[] {
  const pickRow = obs.subarray(pick * n, pick * n + n);
  const rows: number[] = [];
  const ps: number[] = [];
  const f = test === 'sign' ? pairedWorseP : bootstrapWorseP;
  for (let i = 0; i < m; i++) {
    if (i === pick) continue;
    rows.push(i);
    ps.push(f(pickRow, obs.subarray(i * n, i * n + n)));
  }
  const rej = bhReject(ps, q);
  return rows.filter((_, k) => !rej[k]);
}

/** C(n, k) as a number. */
export function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return Math.round(r);
}

export interface PboResult {
  pbo: number;
  combinations: number;
  /** λ per combination, in the order the combinations are enumerated (lexicographic). */
  logits: Float64Array;
}

/**
 * PBO by CSCV. perf is an (S × N) row-major matrix of performance per sub-period s and
 * configuration n, HIGHER is better (pass −score). For every way of choosing S/2 of the S
 * sub-periods as the in-sample half J (the other half J̄ out of sample; all C(S, S/2) of them):
 *   n* = argmax_n mean_{s∈J} perf[s][n]   (ties → the lower n);
 *   ω  = rank of n* among the N out-of-sample means mean_{s∈J̄} perf[s][n], 1 = worst, ties at
 *        their average rank, divided by N + 1, so ω ∈ (0, 1);
 *   λ  = ln(ω / (1 − ω))   (λ ≤ 0: the in-sample best is at or below the out-of-sample median).
 * PBO = the share of combinations with λ ≤ 0. S must be even and ≥ 2, N ≥ 2. Cost: the
 * in-sample sums share their prefixes between consecutive combinations, so ≈ 1.9 × 12,870 × N
 * additions for S = 16 (rather than 8 × 12,870 × N), plus two passes over N per combination.
 */
export function cscvPbo(perf: Float64Array, S: number, N: number): PboResult {
  if (S < 2 || S % 2 !== 0) throw new RangeError(`CSCV needs an even number of sub-periods ≥ 2, got ${S}`);
  if (N < 2) throw new RangeError(`CSCV needs at least 2 configurations, got ${N}`);
  const half = S / 2;
  const total = new Float64Array(N);
  for (let s = 0; s < S; s++) for (let n = 0; n < N; n++) total[n] += perf[s * N + n];
  const nComb = binomial(S, half);
  const logits = new Float64Array(nComb);
  // level[i] = the in-sample sums over J[0..i], added in that order (0 + perf[J[0]] + … + perf[J[i]]):
  // the next combination changes J from some place i on, so only levels i.. are added again,
  // and the last level is the same sum, bit for bit, as adding the half from zero each time
  const level = Array.from({ length: half }, () => new Float64Array(N));
  const J = Array.from({ length: half }, (_, i) => i);
  let from = 0;
  let c = 0;
  let below = 0;
  for (;;) {
    for (let i = from; i < half; i++) {
      const o = J[i] * N;
      const cur = level[i];
      if (i === 0) for (let n = 0; n < N; n++) cur[n] = 0 + perf[o + n];
      else {
        const prev = level[i - 1];
        for (let n = 0; n < N; n++) cur[n] = prev[n] + perf[o + n];
      }
    }
    const isSum = level[half - 1];
    // in-sample best (the IS and OOS halves have the same size, so sums rank as means do)
    let best = 0;
    for (let n = 1; n < N; n++) if (isSum[n] > isSum[best]) best = n;
    const oosBest = total[best] - isSum[best];
    let lower = 0;
    let ties = 0;
    for (let n = 0; n < N; n++) {
      if (n === best) continue;
      const x = total[n] - isSum[n];
      if (x < oosBest) lower++;
      else if (x === oosBest) ties++;
    }
    const omega = (lower + 1 + ties / 2) / (N + 1);
    const lambda = Math.log(omega / (1 - omega));
    logits[c++] = lambda;
    if (lambda <= 0) below++;
    // next combination in lexicographic order
    let i = half - 1;
    while (i >= 0 && J[i] === S - half + i) i--;
    if (i < 0) break;
    J[i]++;
    for (let j = i + 1; j < half; j++) J[j] = J[j - 1] + 1;
    from = i;
  }
  return { pbo: below / nComb, combinations: nComb, logits };
}

/**
 * Row-wise sub-period boundaries: the evaluation window's returns (rows start+1 .. T−1) cut into
 * S consecutive pieces of equal row count (the last takes the remainder). Piece s is the kernel
 * window [b[s], b[s+1] + 1): allocated at the close of row b[s], its returns those of rows
 * b[s]+1 .. b[s+1]. The pieces tile the window without gap or overlap.
 */
export function subPeriodBounds(start: number, T: number, S: number): number[] {
  const R = T - 1 - start;
  const per = Math.floor(R / S);
  const b: number[] = [];
  for (let s = 0; s < S; s++) b.push(start + s * per);
  b.push(T - 1);
  return b;
}
