/**
 * The stationary block bootstrap (src/robust/bootstrap.ts): reproducible from (seed, path)
 * alone; block lengths geometric with mean blockLength; every path row a real joint return row;
 * prices rebuilt from the real first row by the resampled returns.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPrices } from '../../src/data/load.js';
import { bootstrapPath, bootstrapSource, sourceRows } from '../../src/robust/bootstrap.js';
import { ETF } from '../runner/fixture.js';

let prices: Float64Array;
let T: number;
let N: number;

beforeAll(async () => {
  const { matrix } = await loadPrices(ETF, { assets: ['SPY', 'TLT', 'GLD'], start: '2018-01-01', end: '2019-12-31' });
  prices = new Float64Array(matrix.prices);
  T = matrix.T;
  N = matrix.N;
});

/** Runs of consecutive source rows (row r followed by r + 1, circularly), the last (cut) run of each path left out. */
function runLengths(rows: Int32Array, R: number): number[] {
  const out: number[] = [];
  let len = 1;
  for (let k = 1; k < rows.length; k++) {
    if (rows[k] === (rows[k - 1] + 1) % R) len++;
    else {
      out.push(len);
      len = 1;
    }
  }
  return out;
}

describe('reproducibility', () => {
  it('the same (seed, path) gives the same path bit for bit, whatever was drawn before', () => {
    const src = bootstrapSource(prices, T, N);
    const a = bootstrapPath(src, 7, 3, 20, new Float64Array(T * N));
    bootstrapPath(src, 7, 11, 20, new Float64Array(T * N)); // another path in between
    const b = bootstrapPath(bootstrapSource(prices, T, N), 7, 3, 20, new Float64Array(T * N));
    expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
  });

  it('another path or another seed gives another path', () => {
    const src = bootstrapSource(prices, T, N);
    const rows = (seed: number, p: number): number[] => {
      const r = new Int32Array(T - 1);
      sourceRows(seed, p, T - 1, 20, r);
      return [...r];
    };
    const base = rows(7, 3);
    expect(rows(7, 4)).not.toEqual(base);
    expect(rows(8, 3)).not.toEqual(base);
    const a = bootstrapPath(src, 7, 3, 20, new Float64Array(T * N));
    const b = bootstrapPath(src, 7, 4, 20, new Float64Array(T * N));
    expect(a[(T - 1) * N]).not.toBe(b[(T - 1) * N]);
  });
});

describe('block lengths', () => {
  // R = 1,000,000 source rows: a new block starts right after the previous one's end with
  // probability 1e-6, so runs of consecutive rows are the blocks. 60 paths × 20,000 steps hold
  // about 60,000 blocks of mean 20; the standard error of their mean is sd/√n = √(1−p)/p/√60000
  // ≈ 19.5/245 ≈ 0.08, so ±0.5 is a 6-sigma band. Leaving out the cut last block of each path
  // biases the mean by about a block per 1000, i.e. −0.02.
  const R = 1_000_000;
  const lengths = (blockLength: number): number[] => {
    const out: number[] = [];
    const r = new Int32Array(20_000);
    for (let p = 0; p < 60; p++) {
      sourceRows(42, p, R, blockLength, r);
      out.push(...runLengths(r, R));
    }
    return out;
  };

  it('have the requested mean', () => {
    for (const L of [5, 20]) {
      const ls = lengths(L);
      const mean = ls.reduce((a, b) => a + b, 0) / ls.length;
      expect(mean).toBeGreaterThan(L - 0.5);
      expect(mean).toBeLessThan(L + 0.5);
    }
  });

  it('are geometric: P(L = 1) = p and P(L > k) = (1 − p)^k, p = 1/20', () => {
    const ls = lengths(20);
    const n = ls.length;
    const share = (f: (x: number) => boolean): number => ls.filter(f).length / n;
    // binomial standard errors at n ≈ 60,000: ≤ 0.0021; tolerances are ≥ 4 of them
    expect(Math.abs(share((x) => x === 1) - 0.05)).toBeLessThan(0.004); // 1/20
    expect(Math.abs(share((x) => x > 10) - 0.5987)).toBeLessThan(0.01); // 0.95^10 = 0.598737
    expect(Math.abs(share((x) => x > 20) - 0.3585)).toBeLessThan(0.01); // 0.95^20 = 0.358486
    expect(Math.abs(share((x) => x > 60) - 0.0461)).toBeLessThan(0.005); // 0.95^60 = 0.046069
  });

  it('blockLength 1 draws every row independently (an i.i.d. bootstrap of rows)', () => {
    const ls = lengths(1);
    // any run longer than 1 would need a uniform draw to land on the next row: probability 1e-6 each
    expect(ls.filter((x) => x > 1).length).toBeLessThan(3);
  });

  it('blocks wrap around from the last row to the first', () => {
    const r = new Int32Array(50);
    sourceRows(1, 0, 5, 1e12, r); // one block of (almost surely) unbounded length
    for (let k = 1; k < 50; k++) expect(r[k]).toBe((r[k - 1] + 1) % 5);
  });

  it('every source row is drawn about equally often', () => {
    // 40 rows, 200,000 draws: 5,000 expected per row, sd ≈ √(5000·(1−1/40)·(1 + 2·19)) ≈ 436 with
    // blocks of mean 20 (blocks make draws positively correlated); ±2,000 is over 4 sd
    const counts = new Array(40).fill(0);
    const r = new Int32Array(2000);
    for (let p = 0; p < 100; p++) {
      sourceRows(9, p, 40, 20, r);
      for (const x of r) counts[x]++;
    }
    for (const c of counts) expect(Math.abs(c - 5000)).toBeLessThan(2000);
  });
});

describe('paths', () => {
  it('start at the real first prices, and every day is one real day of joint returns', () => {
    const src = bootstrapSource(prices, T, N);
    const out = bootstrapPath(src, 3, 5, 20, new Float64Array(T * N));
    for (let i = 0; i < N; i++) expect(out[i]).toBe(prices[i]);
    // search the real history for each path day's returns (all assets of the same real day)
    let matched = 0;
    for (let t = 1; t < T; t++) {
      let found = false;
      for (let s = 1; s < T && !found; s++) {
        let same = true;
        for (let i = 0; i < N && same; i++) {
          const a = out[t * N + i] / out[(t - 1) * N + i];
          const b = prices[s * N + i] / prices[(s - 1) * N + i];
          same = Math.abs(a - b) <= 1e-12 * b;
        }
        found = same;
      }
      if (found) matched++;
    }
    expect(matched).toBe(T - 1);
  });

  it('are the real first prices times the product of the drawn returns (a second implementation, in logs)', () => {
    const src = bootstrapSource(prices, T, N);
    const out = bootstrapPath(src, 11, 2, 20, new Float64Array(T * N));
    const rows = new Int32Array(T - 1);
    sourceRows(11, 2, T - 1, 20, rows);
    for (let i = 0; i < N; i++) {
      let logP = Math.log(prices[i]);
      for (let t = 1; t < T; t++) {
        const s = rows[t - 1]; // return row s: from real row s to real row s + 1
        logP += Math.log(prices[(s + 1) * N + i]) - Math.log(prices[s * N + i]);
        expect(Math.abs(out[t * N + i] / Math.exp(logP) - 1)).toBeLessThan(1e-9);
      }
    }
  });

  it('with one endless block, the path is the real history from a random day, rescaled, wrapping at the end', () => {
    const src = bootstrapSource(prices, T, N);
    const out = bootstrapPath(src, 5, 0, 1e12, new Float64Array(T * N));
    const rows = new Int32Array(T - 1);
    sourceRows(5, 0, T - 1, 1e12, rows);
    const s0 = rows[0];
    // until the wrap, P_path(t) / P_real(s0 + t) is the constant P_real(0) / P_real(s0)
    for (let t = 1; s0 + t < T; t++)
      for (let i = 0; i < N; i++) {
        const k = out[t * N + i] / prices[(s0 + t) * N + i];
        expect(Math.abs(k / (prices[i] / prices[s0 * N + i]) - 1)).toBeLessThan(1e-9);
      }
  });
});
