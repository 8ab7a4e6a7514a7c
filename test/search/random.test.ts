/**
 * Random and quasi-random (Halton) search (design §6): configuration k depends only on
 * (seed, k); the counter-based generator is uniform and its slots independent; distributions
 * have the right shape; Halton points are more even than random ones; conditional
 * parameters appear only where they apply.
 *
 * Tolerances (all tests are deterministic: fixed seeds, so a pass is reproducible):
 *  - chi-square over B bins at the 0.999 quantile of chi-square with B−1 degrees of freedom
 *    (tables: 2 dof 13.82, 4 dof 18.47, 7 dof 24.32, 19 dof 43.82; 99 dof ≈ 148.2 by the
 *    Wilson–Hilferty approximation, checked below against simple-statistics' probit);
 *  - Kolmogorov–Smirnov D < 1.63/√n (the asymptotic α = 0.01 critical value);
 *  - a correlation of independent uniforms has standard error 1/√n: |r| < 4/√n.
 */
import { describe, it, expect } from 'vitest';
import { probit, sampleCorrelation } from 'simple-statistics';
import { halton, radicalInverse, uniform } from '../../src/search/rng.js';
import type { ParameterSpace } from '../../src/search/space.js';
import type { BandType, Config, Mode } from '../../src/policy/types.js';
import { allConfigs, canonical, configProblems, makeSpace, mulberry32, userErrorOf, FILE, type SpaceInput } from './helpers.js';

const CHI2_999: Record<number, number> = { 2: 13.82, 4: 18.47, 7: 24.32, 19: 43.82, 99: 148.2 };
const ksCritical = (n: number): number => 1.63 / Math.sqrt(n);

/** Pearson chi-square of counts against equal expected counts. */
function chiSquare(counts: readonly number[]): number {
  const n = counts.reduce((a, b) => a + b, 0);
  const e = n / counts.length;
  return counts.reduce((s, c) => s + (c - e) ** 2 / e, 0);
}

function binCounts(xs: readonly number[], bins: number): number[] {
  const c = new Array<number>(bins).fill(0);
  for (const x of xs) c[Math.min(bins - 1, Math.floor(x * bins))]++;
  return c;
}

/** KS distance of a sample on [0,1) from the uniform distribution. */
function ksUniform(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  let d = 0;
  s.forEach((x, i) => {
    d = Math.max(d, (i + 1) / n - x, x - i / n);
  });
  return d;
}

/** Largest gap between neighbours on the circle [0,1). */
function maxGap(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  let g = s[0] + 1 - s[s.length - 1];
  for (let i = 1; i < s.length; i++) g = Math.max(g, s[i] - s[i - 1]);
  return g;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Every band, every mode, every kind of distribution. */
const BROAD: SpaceInput = {
  bands: {
    none: {},
    calendar: {},
    absolute: { width: { dist: 'uniform', min: 0.01, max: 0.1 } },
    relative: { width: { dist: 'logUniform', min: 0.05, max: 0.5 } },
    hybrid: { width: [0.05, 0.1], relWidth: { from: 0.1, to: 0.3, step: 0.1 } },
    volatility: { width: { dist: 'uniform', min: 0.5, max: 3 }, lookback: { dist: 'int', min: 10, max: 30 } },
    drift: { width: { dist: 'logUniform', min: 0.005, max: 0.1 } },
    risk: { width: { dist: 'uniform', min: 0.005, max: 0.05 }, lookback: { dist: 'choice', values: [20, 60] } },
  },
  check: ['daily', 'weekly', 'monthly', 10],
  mode: ['target', 'edge', 'inner', 'partial'],
  depth: { dist: 'uniform', min: 0.2, max: 0.8 },
  fraction: { dist: 'choice', values: [0.25, 0.5, 1] },
  cooldown: { dist: 'int', min: 0, max: 5 },
  feeBps: { dist: 'uniform', min: 0, max: 20 },
  minTrade: [0, 100],
};

describe.each(['random', 'halton'] as const)('%s search: configuration k depends only on (seed, k)', (kind) => {
  const N = 1500;
  const build = (seed: number, samples = N): ParameterSpace => makeSpace(BROAD, { kind, samples, seed });

  it('the size is the number of samples', () => {
    expect(build(42).size).toBe(N);
  });

  it('decoding in order, in reverse, shuffled, as a shard, and with more samples gives the same configurations', () => {
    const ref = allConfigs(build(42));
    const rev = build(42);
    const reversed: Config[] = new Array<Config>(N);
    for (let id = N - 1; id >= 0; id--) reversed[id] = rev.config(id);
    expect(reversed).toEqual(ref);

    const rnd = mulberry32(9);
    const order = range(N);
    for (let i = N - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    const sub = order.slice(0, 300);
    const fresh = build(42);
    for (const id of sub) expect(fresh.config(id), `id ${id}`).toEqual(ref[id]);

    // a shard (ids 1000..1499) in its own instance, and a bigger run: draw k is unchanged
    const shard = build(42);
    for (let id = 1000; id < N; id++) expect(shard.config(id)).toEqual(ref[id]);
    const bigger = build(42, 4 * N);
    for (let id = 0; id < N; id += 7) expect(bigger.config(id)).toEqual(ref[id]);
    // decoding the same id twice from one instance: no hidden state
    expect(fresh.config(17)).toEqual(fresh.config(17));
  });

  it('a different seed changes the configurations', () => {
    const a = allConfigs(build(42)).map(canonical);
    const b = allConfigs(build(43)).map(canonical);
    const same = a.filter((x, k) => x === b[k]).length;
    // equal draws happen only where both pick a parameterless choice (e.g. none); most differ
    expect(same / N).toBeLessThan(0.25);
  });

  it('every draw is valid, and conditional parameters appear only where they apply', () => {
    const cs = allConfigs(build(7));
    const bands = new Set<BandType>();
    const modes = new Set<Mode>();
    for (const c of cs) {
      expect(configProblems(c), JSON.stringify(c)).toEqual([]);
      bands.add(c.band);
      modes.add(c.mode);
      if (c.mode !== 'inner') expect('depth' in c, JSON.stringify(c)).toBe(false);
      if (c.mode !== 'partial') expect('fraction' in c, JSON.stringify(c)).toBe(false);
      if (c.band !== 'volatility' && c.band !== 'risk') expect('lookback' in c, JSON.stringify(c)).toBe(false);
      if (c.band !== 'hybrid') expect('relWidth' in c, JSON.stringify(c)).toBe(false);
      if (c.mode === 'inner') expect(c.depth! >= 0.2 && c.depth! < 0.8).toBe(true);
      if (c.mode === 'partial') expect([0.25, 0.5, 1]).toContain(c.fraction);
      if (c.band === 'volatility') expect(Number.isInteger(c.lookback) && c.lookback! >= 10 && c.lookback! <= 30).toBe(true);
      if (c.band === 'risk') expect([20, 60]).toContain(c.lookback);
      if (c.band === 'hybrid') expect([0.1, 0.2, 0.3]).toContain(c.relWidth);
      if (c.band === 'calendar') expect(['target', 'partial']).toContain(c.mode);
      if (c.band === 'none')
        expect(c).toEqual({ band: 'none', width: 0, check: 'daily', mode: 'target', cooldown: 0, feeBps: 0, halfSpreadBps: 0, fixedFee: 0, minTrade: 0 });
    }
    expect([...bands].sort()).toEqual(['absolute', 'calendar', 'drift', 'hybrid', 'none', 'relative', 'risk', 'volatility']);
    expect([...modes].sort()).toEqual(['edge', 'inner', 'partial', 'target']);
  });

  it('the warm-up is the largest lookback the distributions allow', () => {
    expect(build(1).maxLookback).toBe(60);
  });
});

describe('uniform(seed, k, j): the counter-based generator', () => {
  const n = 20_000;

  it('the chi-square critical values used here match the Wilson–Hilferty approximation', () => {
    const z = probit(0.999);
    const wh = (k: number): number => k * (1 - 2 / (9 * k) + z * Math.sqrt(2 / (9 * k))) ** 3;
    for (const k of [4, 7, 19, 99]) expect(Math.abs(wh(k) - CHI2_999[k]) / CHI2_999[k]).toBeLessThan(0.01);
  });

  it('is a pure function of its arguments, in [0, 1)', () => {
    for (const [s, k, j] of [
      [1, 0, 0],
      [7, 123456, 3],
      [-5, 2 ** 40, 11],
      [0, 0, 24],
    ]) {
      const x = uniform(s, k, j);
      expect(x).toBe(uniform(s, k, j));
      expect(x >= 0 && x < 1).toBe(true);
    }
    expect(uniform(1, 5, 0)).not.toBe(uniform(2, 5, 0));
    expect(uniform(1, 5, 0)).not.toBe(uniform(1, 6, 0));
    expect(uniform(1, 5, 0)).not.toBe(uniform(1, 5, 1));
  });

  const streams: { name: string; draw: (i: number) => number }[] = [
    { name: 'over k (seed 1, slot 0)', draw: (i) => uniform(1, i, 0) },
    { name: 'over k (seed 12345, slot 6)', draw: (i) => uniform(12345, i, 6) },
    { name: 'over k far out (seed 3, slot 2, k from 2³²−10⁴)', draw: (i) => uniform(3, 2 ** 32 - 10_000 + i, 2) },
    { name: 'over j (seed 1, k 0)', draw: (i) => uniform(1, 0, i) },
    { name: 'over consecutive seeds (k 0, slot 0)', draw: (i) => uniform(i, 0, 0) },
  ];
  for (const { name, draw } of streams) {
    it(`is uniform ${name}: chi-square over 20 bins < 43.82 and KS D < 1.63/√n`, () => {
      const xs = range(n).map(draw);
      for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
      expect(chiSquare(binCounts(xs, 20))).toBeLessThan(CHI2_999[19]);
      expect(ksUniform(xs)).toBeLessThan(ksCritical(n));
    });
  }

  it('slots are independent: correlation near 0 and a 10×10 chi-square of pairs below the 0.999 quantile', () => {
    const a = range(n).map((k) => uniform(5, k, 0));
    const b = range(n).map((k) => uniform(5, k, 1));
    const c = range(n).map((k) => uniform(5, k, 7));
    const bound = 4 / Math.sqrt(n);
    expect(Math.abs(sampleCorrelation(a, b))).toBeLessThan(bound);
    expect(Math.abs(sampleCorrelation(a, c))).toBeLessThan(bound);
    // neighbouring ids and neighbouring seeds
    expect(Math.abs(sampleCorrelation(a.slice(1), a.slice(0, -1)))).toBeLessThan(bound);
    const s6 = range(n).map((k) => uniform(6, k, 0));
    expect(Math.abs(sampleCorrelation(a, s6))).toBeLessThan(bound);
    const cells = new Array<number>(100).fill(0);
    for (let i = 0; i < n; i++) cells[Math.floor(a[i] * 10) * 10 + Math.floor(b[i] * 10)]++;
    expect(chiSquare(cells)).toBeLessThan(CHI2_999[99]);
  });

  it('uses the low bits too (53-bit resolution): the last bit is 1 about half the time', () => {
    const odd = range(n).filter((k) => (uniform(2, k, 0) * 2 ** 53) % 2 === 1).length;
    // binomial(n, ½): sd = √n/2 ≈ 71; allow 4 sd
    expect(Math.abs(odd - n / 2)).toBeLessThan((4 * Math.sqrt(n)) / 2);
  });
});

describe('distributions through the space (random search)', () => {
  const n = 5000;
  const draws = (space: SpaceInput, seed = 3): Config[] => allConfigs(makeSpace(space, { kind: 'random', samples: n, seed }));

  it('logUniform: the log of the value is uniform between log min and log max', () => {
    const ws = draws({ bands: { absolute: { width: { dist: 'logUniform', min: 0.001, max: 0.1 } } } }).map((c) => c.width);
    for (const w of ws) expect(w >= 0.001 && w < 0.1 + 1e-15).toBe(true);
    const t = ws.map((w) => Math.log(w / 0.001) / Math.log(0.1 / 0.001));
    expect(chiSquare(binCounts(t, 20))).toBeLessThan(CHI2_999[19]);
    expect(ksUniform(t)).toBeLessThan(ksCritical(n));
    // and the value itself is far from uniform (the test has power): half the draws fall below √(0.001·0.1) = 0.01
    const lin = ws.map((w) => (w - 0.001) / (0.1 - 0.001));
    expect(ksUniform(lin)).toBeGreaterThan(0.3);
    expect(Math.abs(ws.filter((w) => w < 0.01).length / n - 0.5)).toBeLessThan(0.03);
  });

  it('uniform: (value − min)/(max − min) is uniform', () => {
    const ws = draws({ bands: { drift: { width: { dist: 'uniform', min: 0.01, max: 0.05 } } } }).map((c) => c.width);
    const t = ws.map((w) => (w - 0.01) / 0.04);
    for (const x of t) expect(x >= 0 && x < 1 + 1e-12).toBe(true);
    expect(chiSquare(binCounts(t, 20))).toBeLessThan(CHI2_999[19]);
    expect(ksUniform(t)).toBeLessThan(ksCritical(n));
  });

  it('int: whole numbers covering min..max inclusive, about equally often', () => {
    const ls = draws({ bands: { volatility: { width: 1, lookback: { dist: 'int', min: 5, max: 9 } } } }).map((c) => c.lookback!);
    for (const l of ls) expect(Number.isInteger(l)).toBe(true);
    const counts = [5, 6, 7, 8, 9].map((v) => ls.filter((l) => l === v).length);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(n); // nothing outside 5..9
    for (const c of counts) expect(c).toBeGreaterThan(0);
    expect(chiSquare(counts)).toBeLessThan(CHI2_999[4]);
  });

  it('choice (and lists): every value, about equally often', () => {
    const cs = draws({ bands: { absolute: { width: 0.05 } }, cooldown: { dist: 'choice', values: [0, 3, 7] }, check: ['daily', 'weekly', 'monthly'] });
    const cd = [0, 3, 7].map((v) => cs.filter((c) => c.cooldown === v).length);
    const ck = ['daily', 'weekly', 'monthly'].map((v) => cs.filter((c) => c.check === v).length);
    expect(cd.reduce((a, b) => a + b, 0)).toBe(n);
    expect(ck.reduce((a, b) => a + b, 0)).toBe(n);
    expect(chiSquare(cd)).toBeLessThan(CHI2_999[2]);
    expect(chiSquare(ck)).toBeLessThan(CHI2_999[2]);
  });

  it('band types are drawn with equal probability', () => {
    const bands = ['none', 'calendar', 'absolute', 'relative', 'hybrid', 'volatility', 'drift', 'risk'] as const;
    const cs = allConfigs(makeSpace(BROAD, { kind: 'random', samples: 8000, seed: 11 }));
    const counts = bands.map((b) => cs.filter((c) => c.band === b).length);
    expect(chiSquare(counts)).toBeLessThan(CHI2_999[7]);
  });

  it('integer parameters refuse continuous distributions, naming the path', () => {
    for (const [space, where] of [
      [{ bands: { risk: { width: 0.02, lookback: { dist: 'uniform', min: 10, max: 60 } } } }, 'space.bands.risk.lookback'],
      [{ bands: { none: {} }, cooldown: { dist: 'logUniform', min: 1, max: 10 } }, 'space.cooldown'],
    ] as [SpaceInput, string][]) {
      const e = userErrorOf(() => makeSpace(space, { kind: 'random', samples: 10 }));
      expect(e.message).toContain(`${FILE}: ${where}`);
      expect(e.message).toContain('int');
    }
  });

  it('bad distribution bounds are errors naming the field', () => {
    const cases: [SpaceInput, string][] = [
      [{ bands: { absolute: { width: { dist: 'uniform', min: 0.1, max: 0.1 } } } }, 'space.bands.absolute.width.max'],
      [{ bands: { absolute: { width: { dist: 'uniform', min: 0, max: 0.1 } } } }, 'space.bands.absolute.width.min'],
      [{ bands: { absolute: { width: { dist: 'logUniform', min: 0.1, max: 2 } } } }, 'space.bands.absolute.width.max'],
      [{ bands: { drift: { width: 0.01 } }, mode: 'inner', depth: { dist: 'uniform', min: 0.5, max: 1 } }, 'space.depth.max'],
      [{ bands: { volatility: { width: 1, lookback: { dist: 'int', min: 20, max: 10 } } } }, 'space.bands.volatility.lookback.max'],
    ];
    for (const [space, where] of cases) {
      const e = userErrorOf(() => makeSpace(space, { kind: 'random', samples: 10 }));
      expect(e.message, JSON.stringify(space)).toContain(`${FILE}: ${where}`);
    }
  });
});

describe('halton: low discrepancy', () => {
  /** Radical inverse written again: reverse the base-b digits of n behind the point. */
  const plainRadical = (n: number, b: number): number => [...n.toString(b)].reverse().reduce((s, d, i) => s + parseInt(d, b) / b ** (i + 1), 0);

  it('radical inverses by hand: 1→½, 2→¼, 3→¾, 4→⅛, 6→0.375 in base 2; 5 = 12₃ → 2/3 + 1/9 in base 3', () => {
    expect(radicalInverse(1, 2)).toBe(0.5);
    expect(radicalInverse(2, 2)).toBe(0.25);
    expect(radicalInverse(3, 2)).toBe(0.75);
    expect(radicalInverse(4, 2)).toBe(0.125);
    expect(radicalInverse(6, 2)).toBe(0.375);
    expect(radicalInverse(5, 3)).toBeCloseTo(2 / 3 + 1 / 9, 15);
    for (const b of [2, 3, 5, 7, 11]) for (const k of [1, 10, 99, 1000, 12345]) expect(radicalInverse(k, b)).toBeCloseTo(plainRadical(k, b), 14);
  });

  it('point k is the radical inverse of k+1 shifted by one amount per (seed, slot), modulo 1', () => {
    const primes = [2, 3, 5, 7, 11, 13];
    for (const seed of [1, 99]) {
      primes.forEach((b, j) => {
        const shift = (halton(seed, 0, j) - plainRadical(1, b) + 1) % 1;
        for (const k of [1, 2, 50, 777]) {
          const expected = (plainRadical(k + 1, b) + shift) % 1;
          const got = halton(seed, k, j);
          const diff = Math.abs(got - expected);
          expect(Math.min(diff, 1 - diff)).toBeLessThan(1e-12);
        }
      });
    }
    expect(() => halton(1, 0, 25)).toThrow(RangeError);
  });

  it('in one dimension, 1000 Halton points beat 1000 random points on KS distance and largest gap', () => {
    const n = 1000;
    const h = range(n).map((k) => halton(4, k, 0));
    const r = range(n).map((k) => uniform(4, k, 0));
    const dh = ksUniform(h);
    const dr = ksUniform(r);
    // van der Corput in base 2: n·D*ₙ ≤ log₂(n)/3 + 1 ≈ 4.3 (points 0..n−1; ours are 1..n, one point
    // swapped: + 1/n); a rotation splits an anchored interval in two, so at most doubles it: ≈ 0.0107
    expect(dh).toBeLessThan((2 * (Math.log2(n) / 3 + 1) + 2) / n);
    expect(dh).toBeLessThan(dr);
    // the first 1000 base-2 points fill every 1/512 cell, so no gap exceeds 2/512; random gaps reach ≈ ln(n)/n ≈ 0.0069
    expect(maxGap(h)).toBeLessThanOrEqual(2 / 512 + 1e-12);
    expect(maxGap(h)).toBeLessThan(maxGap(r));
  });

  it('in the space, band types are spread almost exactly evenly (4 types, 400 points: each 100 ± 2)', () => {
    const s = makeSpace({ bands: { none: {}, calendar: {}, absolute: { width: 0.05 }, drift: { width: 0.05 } } }, { kind: 'halton', samples: 400, seed: 2 });
    const cs = allConfigs(s);
    for (const b of ['none', 'calendar', 'absolute', 'drift']) expect(Math.abs(cs.filter((c) => c.band === b).length - 100)).toBeLessThanOrEqual(2);
  });
});
