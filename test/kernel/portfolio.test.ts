/**
 * Portfolio-level triggers (issue 5 part 1): the risk trigger against a covariance computed
 * directly here (plain loops over the last L simple returns, two-pass, n − 1), and edge / inner
 * modes of the drift and risk triggers landing exactly on (or q of the way to) their border.
 *
 * hand.test.ts works both triggers on 2-asset hand cases and properties.test.ts checks "inside
 * the band after a trade" (≤); these add the decision at the threshold on realistic paths (3–4
 * assets, L = 20) and equality at the border (D == d, TE == τ to ~1e-12).
 */
import { describe, expect, it } from 'vitest';
import { backtest } from '../../src/kernel/backtest.js';
import type { Config } from '../../src/policy/types.js';
import { cfg, consecutiveDates, seeded } from './helpers.js';

/** A seeded price path: T rows of N assets, daily log returns with vol ~1–2% and some correlation. */
function path(seed: number, T: number, N: number): Float64Array {
  const { u, gauss } = seeded(seed);
  const p = new Float64Array(T * N);
  for (let i = 0; i < N; i++) p[i] = 50 + 50 * u();
  for (let t = 1; t < T; t++) {
    const common = gauss();
    for (let i = 0; i < N; i++) {
      const r = 0.0003 * (i - 1) + 0.01 * (0.5 * common + (0.6 + 0.3 * i) * gauss());
      p[t * N + i] = p[(t - 1) * N + i] * Math.exp(r);
    }
  }
  return p;
}

/** Σ_t: sample covariance (n − 1) of the simple returns of rows t−L+1..t, by plain loops. */
function directCov(p: Float64Array, N: number, t: number, L: number): number[][] {
  const R: number[][] = [];
  for (let u = t - L + 1; u <= t; u++) {
    const row: number[] = [];
    for (let i = 0; i < N; i++) row.push(p[u * N + i] / p[(u - 1) * N + i] - 1);
    R.push(row);
  }
  const mean = Array.from({ length: N }, (_, i) => R.reduce((a, r) => a + r[i], 0) / L);
  const C: number[][] = [];
  for (let i = 0; i < N; i++) {
    C.push([]);
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (const r of R) s += (r[i] - mean[i]) * (r[j] - mean[j]);
      C[i].push(s / (L - 1));
    }
  }
  return C;
}

/** sqrt((w − w*)ᵀ Σ_t (w − w*)·ppy). */
function directTE(p: Float64Array, N: number, t: number, L: number, w: readonly number[], target: readonly number[], ppy: number): number {
  const C = directCov(p, N, t, L);
  let q = 0;
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) q += (w[i] - target[i]) * C[i][j] * (w[j] - target[j]);
  return Math.sqrt(q * ppy);
}

/** Buy-and-hold weights at row t from the start allocation: w_i ∝ w*_i·P_i,t/P_i,start. */
function driftedWeights(p: Float64Array, N: number, start: number, t: number, target: readonly number[]): number[] {
  const x = target.map((w, i) => (w * p[t * N + i]) / p[start * N + i]);
  const V = x.reduce((a, b) => a + b, 0);
  return x.map((v) => v / V);
}

const PPY = 252;

function run(p: Float64Array, N: number, T: number, target: number[], start: number, c: Config) {
  const out = backtest({ prices: p, T, N, dates: consecutiveDates(T), targets: target, periodsPerYear: PPY, start }, c, true);
  const s = out.series!;
  const weights = (k: number): number[] => Array.from(s.weights.subarray(k * N, (k + 1) * N));
  return { trade: Array.from(s.trade), weights, metrics: out.metrics };
}

describe('risk trigger against a directly computed covariance', () => {
  const cases = [
    { seed: 1, N: 3, target: [0.5, 0.3, 0.2] },
    { seed: 7, N: 4, target: [0.4, 0.3, 0.2, 0.1] },
    { seed: 42, N: 3, target: [0.6, 0.2, 0.2] },
  ];
  const L = 20;
  const start = 25;
  const T = 140;

  it('at the first check day, τ just below the direct TE trades and τ just above does not', () => {
    let checked = 0;
    for (const { seed, N, target } of cases) {
      const p = path(seed, T, N);
      // every n rows from start: the first check is row start + n; before it nothing trades,
      // so the weights there are the buy-and-hold weights
      for (const n of [10, 37, 80]) {
        const t0 = start + n;
        const w = driftedWeights(p, N, start, t0, target);
        const te = directTE(p, N, t0, L, w, target, PPY);
        expect(te).toBeGreaterThan(0.001); // a real deviation, not a degenerate zero
        const below = run(p, N, T, target, start, cfg({ band: 'risk', width: te * (1 - 1e-9), lookback: L, check: n }));
        const above = run(p, N, T, target, start, cfg({ band: 'risk', width: te * (1 + 1e-9), lookback: L, check: n }));
        expect(below.trade[n], `seed ${seed} n ${n}: τ below TE ${te} must trade`).toBe(1);
        expect(above.trade[n], `seed ${seed} n ${n}: τ above TE ${te} must not trade`).toBe(0);
        for (let k = 1; k < n; k++) expect(below.trade[k]).toBe(0);
        // the no-trade run is buy and hold up to t0: its weights are the drifted ones
        const wk = above.weights(n);
        for (let i = 0; i < N; i++) expect(Math.abs(wk[i] - w[i])).toBeLessThan(1e-13);
        checked++;
      }
    }
    expect(checked).toBe(9);
  });

  it('daily checks: every trade day has direct TE > τ and every other check day TE ≤ τ', () => {
    for (const { seed, N, target } of cases) {
      const p = path(seed, T, N);
      const tau = 0.0015;
      const r = run(p, N, T, target, start, cfg({ band: 'risk', width: tau, lookback: L, check: 'daily' }));
      let trades = 0;
      for (let k = 1; k < T - 1 - start; k++) {
        const t = start + k;
        // pre-trade weights on row t: the previous end-of-day weights moved by today's prices
        const prev = r.weights(k - 1);
        const x = prev.map((wi, i) => (wi * p[t * N + i]) / p[(t - 1) * N + i]);
        const V = x.reduce((a, b) => a + b, 0);
        const w = x.map((v) => v / V);
        const te = directTE(p, N, t, L, w, target, PPY);
        if (r.trade[k]) {
          trades++;
          expect(te, `seed ${seed} row ${t}`).toBeGreaterThan(tau);
        } else {
          expect(te, `seed ${seed} row ${t}`).toBeLessThanOrEqual(tau * (1 + 1e-12));
        }
      }
      expect(trades).toBeGreaterThan(2);
    }
  });
});

describe('edge and inner modes of portfolio triggers land on the border', () => {
  const T = 260;
  const start = 30;
  const L = 30;
  const seeds = [3, 11, 29];
  const target = [0.5, 0.3, 0.2];
  const N = 3;
  // proportional and fixed costs: costs are paid pro rata, so the post-trade weights are exactly w'
  const costs = { feeBps: 10, halfSpreadBps: 3, fixedFee: 1 };

  it('drift, edge: after every trade D = ½Σ|w − w*| equals d (1e-12)', () => {
    let trades = 0;
    for (const seed of seeds) {
      const p = path(seed, T, N);
      for (const d of [0.01, 0.03]) {
        const r = run(p, N, T, target, start, cfg({ band: 'drift', width: d, mode: 'edge', check: 'daily', ...costs }));
        r.trade.forEach((x, k) => {
          if (!x) return;
          trades++;
          const w = r.weights(k);
          const D = 0.5 * w.reduce((a, wi, i) => a + Math.abs(wi - target[i]), 0);
          expect(Math.abs(D - d), `seed ${seed} d ${d} row ${k}`).toBeLessThan(1e-12);
        });
      }
    }
    expect(trades).toBeGreaterThan(10);
  });

  it('drift, inner q = 0.4: after every trade D = q·d', () => {
    let trades = 0;
    for (const seed of seeds) {
      const p = path(seed, T, N);
      const r = run(p, N, T, target, start, cfg({ band: 'drift', width: 0.02, mode: 'inner', depth: 0.4, check: 'weekly', ...costs }));
      r.trade.forEach((x, k) => {
        if (!x) return;
        trades++;
        const w = r.weights(k);
        const D = 0.5 * w.reduce((a, wi, i) => a + Math.abs(wi - target[i]), 0);
        expect(Math.abs(D - 0.4 * 0.02)).toBeLessThan(1e-12);
      });
    }
    expect(trades).toBeGreaterThan(3);
  });

  it('risk, edge: after every trade the directly computed TE equals τ (1e-12)', () => {
    let trades = 0;
    for (const seed of seeds) {
      const p = path(seed, T, N);
      for (const tau of [0.001, 0.003]) {
        const r = run(p, N, T, target, start, cfg({ band: 'risk', width: tau, lookback: L, mode: 'edge', check: 'daily', ...costs }));
        r.trade.forEach((x, k) => {
          if (!x) return;
          trades++;
          const te = directTE(p, N, start + k, L, r.weights(k), target, PPY);
          expect(Math.abs(te - tau), `seed ${seed} τ ${tau} row ${start + k}`).toBeLessThan(1e-12);
        });
      }
    }
    expect(trades).toBeGreaterThan(10);
  });

  it('risk, inner q = 0.5: after every trade TE = q·τ', () => {
    let trades = 0;
    for (const seed of seeds) {
      const p = path(seed, T, N);
      const r = run(p, N, T, target, start, cfg({ band: 'risk', width: 0.002, lookback: L, mode: 'inner', depth: 0.5, check: 'weekly', ...costs }));
      r.trade.forEach((x, k) => {
        if (!x) return;
        trades++;
        const te = directTE(p, N, start + k, L, r.weights(k), target, PPY);
        expect(Math.abs(te - 0.5 * 0.002)).toBeLessThan(1e-12);
      });
    }
    expect(trades).toBeGreaterThan(3);
  });

  it('edge trades move along the line to target: w − w* after the trade is s·(w_pre − w*) with one s for all assets', () => {
    for (const seed of seeds) {
      const p = path(seed, T, N);
      const r = run(p, N, T, target, start, cfg({ band: 'drift', width: 0.02, mode: 'edge', check: 'daily', ...costs }));
      r.trade.forEach((x, k) => {
        if (!x) return;
        const t = start + k;
        const prev = r.weights(k - 1);
        const xs = prev.map((wi, i) => (wi * p[t * N + i]) / p[(t - 1) * N + i]);
        const V = xs.reduce((a, b) => a + b, 0);
        const pre = xs.map((v) => v / V);
        const D = 0.5 * pre.reduce((a, wi, i) => a + Math.abs(wi - target[i]), 0);
        const s = 0.02 / D; // design §3: drift edge s = d/D
        const post = r.weights(k);
        for (let i = 0; i < N; i++) expect(Math.abs(post[i] - (target[i] + s * (pre[i] - target[i])))).toBeLessThan(1e-12);
      });
    }
  });
});
