/**
 * The streaming Pareto front of finalize (FrontPool: sentinel rows, then a pool pruned by
 * frontOf), the compiled score and the radix sort of the ranks, against plain definitions on random data.
 */
import { describe, expect, it } from 'vitest';
import { M, METRICS, N_METRICS, type MetricName } from '../../src/kernel/metrics.js';
import { FrontPool } from '../../src/results/finalize.js';
import { frontOf, orderByKey, score, scorer } from '../../src/results/score.js';
import { mulberry32 } from '../search/helpers.js';

/** The definition: the ids of finite rows that no other finite row is ≤ in every objective and < in one. */
function bruteFrontIds(rows: Float64Array, n: number, objs: readonly MetricName[]): number[] {
  const v = (i: number, m: MetricName): number => rows[i * N_METRICS + M[m]];
  const eligible: number[] = [];
  for (let i = 0; i < n; i++) if (objs.every((m) => Number.isFinite(v(i, m)))) eligible.push(i);
  return eligible.filter((i) => !eligible.some((j) => objs.every((m) => v(j, m) <= v(i, m)) && objs.some((m) => v(j, m) < v(i, m))));
}

/** n rows on a coarse lattice (many ties and duplicates), a few non-finite objective values. */
function randomRows(rnd: () => number, n: number, objs: readonly MetricName[], levels: number): Float64Array {
  const rows = new Float64Array(n * N_METRICS).fill(NaN);
  for (let i = 0; i < n; i++) {
    if (i > 0 && rnd() < 0.1) {
      const j = Math.floor(rnd() * i);
      rows.set(rows.subarray(j * N_METRICS, (j + 1) * N_METRICS), i * N_METRICS);
      continue;
    }
    for (const m of objs) {
      const u = rnd();
      const x = Math.round(rnd() * levels) / levels;
      // −0 now and then: equal to 0
      rows[i * N_METRICS + M[m]] = u < 0.02 ? NaN : u < 0.03 ? Infinity : u < 0.04 ? -Infinity : x === 0 && rnd() < 0.5 ? -0 : x;
    }
  }
  return rows;
}

function poolFront(rows: Float64Array, n: number, objs: readonly MetricName[], first: number): number[] {
  const pool = new FrontPool(objs, first);
  for (let i = 0; i < n; i++) pool.add(i, rows, i * N_METRICS);
  return pool.finish();
}

describe('FrontPool (streaming front)', () => {
  for (const k of [1, 2, 3, 4]) {
    it(`matches the brute-force front on 200 random sets with ${k} objective${k > 1 ? 's' : ''}, pruning often`, () => {
      const rnd = mulberry32(7000 + k);
      for (let trial = 0; trial < 200; trial++) {
        const objs: MetricName[] = [...METRICS].sort(() => rnd() - 0.5).slice(0, k);
        const n = Math.floor(rnd() * 300);
        const rows = randomRows(rnd, n, objs, [2, 4, 10, 1000][trial % 4]);
        const first = [1, 3, 16, 4096][Math.floor(rnd() * 4)];
        expect(poolFront(rows, n, objs, first), `trial ${trial}`).toEqual(bruteFrontIds(rows, n, objs));
      }
    });
  }

  it('matches the brute force on 6,000 continuous rows with the default threshold (prunes at 4,096)', () => {
    const rnd = mulberry32(99);
    const objs: MetricName[] = ['turnover', 'trackingError', 'maxDrawdown'];
    const n = 6000;
    const rows = new Float64Array(n * N_METRICS).fill(NaN);
    // anti-correlated objectives: a front of many rows, as a real search has
    for (let i = 0; i < n; i++) {
      const a = rnd();
      const b = rnd();
      rows[i * N_METRICS + M.turnover] = a;
      rows[i * N_METRICS + M.trackingError] = (1 - a) * (0.5 + rnd());
      rows[i * N_METRICS + M.maxDrawdown] = b + (1 - a) * rnd();
    }
    const front = poolFront(rows, n, objs, 4096);
    expect(front.length).toBeGreaterThan(50);
    expect(front).toEqual(bruteFrontIds(rows, n, objs));
  });

  it('an empty pool and a pool of non-finite rows have an empty front', () => {
    expect(new FrontPool(['turnover']).finish()).toEqual([]);
    const rows = new Float64Array(3 * N_METRICS).fill(NaN);
    expect(poolFront(rows, 3, ['turnover'], 2)).toEqual([]);
  });
});

describe('frontOf', () => {
  it('a hand-made 3-D example: duplicates share their status; a point equal in two and worse in one is dominated', () => {
    const pts = [
      [1, 1, 1], // front
      [1, 1, 2], // dominated by 0
      [0, 2, 2], // front
      [1, 1, 1], // duplicate of 0: front
      [0, 2, 3], // dominated by 2
      [-0, 3, 0], // front (−0 counts as 0)
      [0, 3, 0], // the same point as 5: front
    ];
    expect(Array.from(frontOf(Float64Array.from(pts.flat()), 3, pts.length))).toEqual([1, 0, 1, 1, 0, 1, 1]);
  });
});

describe('scorer', () => {
  it('gives the same number as score, bit for bit, on random rows and weights', () => {
    const rnd = mulberry32(5);
    for (let trial = 0; trial < 200; trial++) {
      const weights: Partial<Record<MetricName, number>> = {};
      for (const m of [...METRICS].sort(() => rnd() - 0.5).slice(0, Math.floor(rnd() * 5)))
        weights[m] = rnd() < 0.2 ? 0 : (rnd() - 0.3) * 10 ** Math.floor(rnd() * 6 - 4);
      const row = Float64Array.from({ length: N_METRICS }, () => (rnd() < 0.05 ? NaN : (rnd() - 0.5) * 100));
      expect(Object.is(scorer(weights)(row, 0), score(row, 0, weights)), `trial ${trial}`).toBe(true);
    }
  });

  it('by hand: 2·0.01 + 0.5·(−4) = −1.98; a weighted NaN gives NaN; no weights give 0', () => {
    const row = new Float64Array(N_METRICS).fill(NaN);
    row[M.trackingError] = 0.01;
    row[M.cagr] = -4;
    expect(scorer({ trackingError: 2, cagr: 0.5, sharpe: 0 })(row, 0)).toBeCloseTo(-1.98, 15);
    expect(scorer({ trackingError: 1, sharpe: 1 })(row, 0)).toBeNaN();
    expect(scorer({})(row, 0)).toBe(0);
  });
});

describe('orderByKey (radix sort)', () => {
  /** The definition: positions sorted by (key, position), −0 equal to 0. */
  const plainOrder = (keys: Float64Array): number[] => Array.from(keys, (_, i) => i).sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : a - b));

  it('matches a comparison sort of (key, position) on random keys with ties, ±0, ±Infinity, subnormals and huge values', () => {
    const rnd = mulberry32(77);
    const specials = [0, -0, Infinity, -Infinity, 5e-324, -5e-324, Number.MAX_VALUE, -Number.MAX_VALUE, 1, -1, 0.5];
    for (let trial = 0; trial < 100; trial++) {
      const n = Math.floor(rnd() * (trial < 90 ? 200 : 20000));
      const keys = Float64Array.from({ length: n }, () => {
        const u = rnd();
        if (u < 0.2) return specials[Math.floor(rnd() * specials.length)];
        if (u < 0.5) return Math.round((rnd() - 0.5) * 8);
        return (rnd() - 0.5) * 10 ** Math.floor(rnd() * 40 - 20);
      });
      expect(Array.from(orderByKey(keys)), `trial ${trial}`).toEqual(plainOrder(keys));
    }
  });

  it('by hand: [3, −0, 0, −2, 3, 0] → positions 3, 1, 2, 5, 0, 4; empty → empty', () => {
    expect(Array.from(orderByKey(Float64Array.from([3, -0, 0, -2, 3, 0])))).toEqual([3, 1, 2, 5, 0, 4]);
    expect(Array.from(orderByKey(new Float64Array(0)))).toEqual([]);
  });
});
