/**
 * Robustness aggregation (src/robust/aggregate.ts) against a brute-force second implementation
 * on small random inputs: quantiles, Pareto and top-10 frequencies, robust score and rank; and
 * the same summary whatever order and split the tasks arrive in.
 */
import { describe, expect, it } from 'vitest';
import { M, METRICS, N_METRICS, type MetricName } from '../../src/kernel/metrics.js';
import { parseConstraints, satisfies, score } from '../../src/results/score.js';
import { EXCLUDED, FAILED, FEASIBLE, isCandidate, rankCandidates } from '../../src/results/selection.js';
import { quantileSorted, RobustAccumulator, topIds, type RobustSettings, type RobustSummary } from '../../src/robust/aggregate.js';
import { checkRobustSize, robustColumns } from '../../src/experiment/robustness.js';
import type { RobustTaskResult } from '../../src/robust/protocol.js';

/** R's quantile type 7 written from its definition: 1-based position 1 + (n − 1)·q. */
function q7(values: number[], q: number): number {
  const x = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (x.length === 0) return NaN;
  const pos = 1 + (x.length - 1) * q;
  const j = Math.floor(pos);
  const g = pos - j;
  // written a + g·(b − a) (as numpy's and simple-statistics' linear method): equal to (1 − g)·a + g·b
  // exactly, but not in floating point, and two configurations with the same robust score must tie
  // (then the lower id goes first) rather than be ordered by a last-bit rounding difference
  return j >= x.length ? x[x.length - 1] : x[j - 1] + g * (x[j] - x[j - 1]);
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

const settings: RobustSettings = {
  objectives: ['turnover', 'trackingError', 'maxDrawdown'],
  scoreWeights: { trackingError: 1, turnover: 0.5 },
  constraints: parseConstraints(['trackingError <= 0.6']),
  rankQuantile: 0.5,
};

/** rows[p][i] = a metric row; values on a coarse grid so ties (and equal objective vectors) happen. */
function randomRows(K: number, P: number, seed: number): { rows: Float64Array[]; failed: Uint8Array[] } {
  const r = lcg(seed);
  const rows: Float64Array[] = [];
  const failed: Uint8Array[] = [];
  for (let p = 0; p < P; p++) {
    const a = new Float64Array(K * N_METRICS);
    const f = new Uint8Array(K);
    for (let i = 0; i < K; i++) {
      for (let m = 0; m < N_METRICS; m++) a[i * N_METRICS + m] = Math.round(r() * 10) / 10;
      if (r() < 0.05) {
        f[i] = 1;
        a.fill(NaN, i * N_METRICS, (i + 1) * N_METRICS);
      }
    }
    rows.push(a);
    failed.push(f);
  }
  return { rows, failed };
}

interface Brute {
  stats: Map<string, [number, number, number]>;
  paretoFreq: number[];
  topFreq: number[];
  feasibleFreq: number[];
  robustScore: number[];
  robustRank: number[];
}

/** K configurations (candidates for the front, the top and the rank), then B baselines (statistics only). */
/**
 * The selection rule's step 1 on the actual history (docs/selection.md), written from the doc: a
 * configuration may be ranked only when it did not fail, is not calendar or buy-and-hold, has a
 * finite score and meets every constraint (and is not ruined) on the actual history.
 */
interface InSample {
  rows: Float64Array;
  failed: Uint8Array;
  /** 1 = a calendar or buy-and-hold configuration of the space. */
  calendar: Uint8Array;
}

function brute(rows: Float64Array[], failed: Uint8Array[], K: number, P: number, s: RobustSettings, B = 0, actual?: InSample): Brute {
  const get = (p: number, i: number, m: MetricName): number => rows[p][i * N_METRICS + M[m]];
  const scoreOf = (p: number, i: number): number => {
    if (failed[p][i]) return NaN;
    let x = 0;
    for (const [m, w] of Object.entries(s.scoreWeights)) x += (w as number) * get(p, i, m as MetricName);
    return Number.isFinite(x) ? x : NaN;
  };
  // a ruined row (value to or below zero: maxDrawdown ≥ 1) is never feasible (issue 16)
  const feasible = (p: number, i: number): boolean =>
    !failed[p][i] && get(p, i, 'maxDrawdown') < 1 && s.constraints.every((c) => get(p, i, c.metric) <= c.value);
  const paretoFreq = new Array(K + B).fill(0);
  const topFreq = new Array(K + B).fill(0);
  const feasibleFreq = new Array(K + B).fill(0);
  for (let p = 0; p < P; p++) {
    for (let i = 0; i < K; i++) {
      if (failed[p][i]) continue;
      // dominated: another ok row no worse in every objective and better in one
      let dominated = false;
      for (let j = 0; j < K && !dominated; j++) {
        if (j === i || failed[p][j]) continue;
        const le = s.objectives.every((o) => get(p, j, o) <= get(p, i, o));
        const lt = s.objectives.some((o) => get(p, j, o) < get(p, i, o));
        dominated = le && lt;
      }
      if (!dominated) paretoFreq[i] += 1 / P;
    }
    const ids = [...Array(K).keys()].filter((i) => feasible(p, i) && Number.isFinite(scoreOf(p, i)));
    ids.sort((a, b) => scoreOf(p, a) - scoreOf(p, b) || a - b);
    for (const i of ids.slice(0, s.top ?? 10)) topFreq[i] += 1 / P;
    for (let i = 0; i < K + B; i++) if (feasible(p, i)) feasibleFreq[i] += 1 / P;
  }
  const stats = new Map<string, [number, number, number]>();
  const robustScore: number[] = [];
  for (let i = 0; i < K + B; i++) {
    for (const m of robustColumns(s.objectives)) {
      const xs = Array.from({ length: P }, (_, p) => (failed[p][i] ? NaN : get(p, i, m)));
      stats.set(`${i}:${m}`, [q7(xs, 0.5), q7(xs, 0.05), q7(xs, 0.95)]);
    }
    const sc = Array.from({ length: P }, (_, p) => scoreOf(p, i));
    stats.set(`${i}:score`, [q7(sc, 0.5), q7(sc, 0.05), q7(sc, 0.95)]);
    robustScore.push(q7(sc, s.rankQuantile));
  }
  const inSampleOk = (i: number): boolean => {
    if (!actual) return true;
    if (actual.failed[i] || actual.calendar[i]) return false;
    const g = (m: MetricName): number => actual.rows[i * N_METRICS + M[m]];
    let x = 0;
    for (const [m, w] of Object.entries(s.scoreWeights)) x += (w as number) * g(m as MetricName);
    return Number.isFinite(x) && g('maxDrawdown') < 1 && s.constraints.every((c) => g(c.metric) <= c.value);
  };
  const ranked = [...Array(K).keys()].filter((i) => inSampleOk(i) && feasibleFreq[i] >= 0.5 - 1e-9 && Number.isFinite(robustScore[i]));
  ranked.sort((a, b) => robustScore[a] - robustScore[b] || a - b);
  const robustRank = new Array(K + B).fill(0);
  ranked.forEach((i, r) => (robustRank[i] = r + 1));
  return { stats, paretoFreq, topFreq, feasibleFreq, robustScore, robustRank };
}

function summarize(rows: Float64Array[], failed: Uint8Array[], K: number, P: number, s: RobustSettings, B = 0): RobustSummary {
  const acc = new RobustAccumulator(K, P, s, B);
  for (let p = 0; p < P; p++) acc.addPath(p, rows[p], failed[p]);
  return acc.finish();
}

function expectMatches(sum: RobustSummary, b: Brute, n: number): void {
  const Q = sum.columns.length;
  for (let i = 0; i < n; i++) {
    sum.columns.forEach((c, k) => {
      const [med, lo, hi] = b.stats.get(`${i}:${c}`)!;
      const got = [0, 1, 2].map((j) => sum.stats[(i * Q + k) * 3 + j]);
      for (const [g, e] of [
        [got[0], med],
        [got[1], lo],
        [got[2], hi],
      ]) {
        if (Number.isNaN(e)) expect(g).toBeNaN();
        else expect(g).toBeCloseTo(e, 12);
      }
    });
    expect(sum.paretoFreq[i]).toBeCloseTo(b.paretoFreq[i], 12);
    expect(sum.topFreq[i]).toBeCloseTo(b.topFreq[i], 12);
    expect(sum.feasibleFreq[i]).toBeCloseTo(b.feasibleFreq[i], 12);
    if (Number.isNaN(b.robustScore[i])) expect(sum.robustScore[i]).toBeNaN();
    else expect(sum.robustScore[i]).toBeCloseTo(b.robustScore[i], 12);
  }
  expect([...sum.robustRank]).toEqual(b.robustRank);
}

describe('quantiles', () => {
  it('are type 7 (R: quantile(1:4, c(.05, .5, .95)) = 1.15, 2.5, 3.85)', () => {
    const x = Float64Array.of(1, 2, 3, 4);
    expect(quantileSorted(x, 0.05)).toBeCloseTo(1.15, 14);
    expect(quantileSorted(x, 0.5)).toBe(2.5);
    expect(quantileSorted(x, 0.95)).toBeCloseTo(3.85, 14);
    // R: quantile(c(10, 20, 40), 0.9) = 36; one value: itself; none: NaN
    expect(quantileSorted(Float64Array.of(10, 20, 40), 0.9)).toBeCloseTo(36, 12);
    expect(quantileSorted(Float64Array.of(7), 0.05)).toBe(7);
    expect(quantileSorted(new Float64Array(0), 0.5)).toBeNaN();
  });
});

describe('top ids', () => {
  it('are the n best by (score, id) among the allowed rows with a finite score', () => {
    const r = lcg(5);
    for (let trial = 0; trial < 50; trial++) {
      const K = 1 + Math.floor(r() * 40);
      const scores = Float64Array.from({ length: K }, () => (r() < 0.1 ? NaN : Math.round(r() * 8)));
      const ok = Uint8Array.from({ length: K }, () => (r() < 0.8 ? 1 : 0));
      const out = new Int32Array(10);
      const m = topIds(scores, ok, K, 10, out);
      const expected = [...Array(K).keys()]
        .filter((i) => ok[i] && Number.isFinite(scores[i]))
        .sort((a, b) => scores[a] - scores[b] || a - b)
        .slice(0, 10);
      expect([...out.subarray(0, m)]).toEqual(expected);
    }
  });
});

describe('the summary against brute force', () => {
  it('matches on random rows with ties and failures (median rank)', () => {
    const K = 23;
    const P = 17;
    const { rows, failed } = randomRows(K, P, 1);
    expectMatches(summarize(rows, failed, K, P, settings), brute(rows, failed, K, P, settings), K);
  });

  it('matches with a chosen quantile, another objective set and a top 3', () => {
    const s: RobustSettings = { ...settings, objectives: ['turnover', 'cagr', 'sharpe', 'meanDrift'], rankQuantile: 0.8, top: 3 };
    const K = 15;
    const P = 9;
    const { rows, failed } = randomRows(K, P, 2);
    const sum = summarize(rows, failed, K, P, s);
    expect(sum.columns).toEqual(['turnover', 'trackingError', 'maxDrawdown', 'cagr', 'volatility', 'excessReturn', 'sharpe', 'meanDrift', 'score']);
    expectMatches(sum, brute(rows, failed, K, P, s), K);
    // each path puts at most 3 rows in the top: the frequencies sum to at most 3
    expect(sum.topFreq.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(3 + 1e-12);
  });

  it('gives baselines their statistics but never a place on the front, in the top 10 or in the rank', () => {
    const K = 14;
    const B = 4;
    const P = 11;
    // rows 14..17 are baselines; make baseline 14 dominate everything on every path, so it would be
    // the only front member and first in the top if it were a candidate
    const { rows, failed } = randomRows(K + B, P, 4);
    for (let p = 0; p < P; p++) {
      rows[p].fill(0, 14 * N_METRICS, 15 * N_METRICS);
      failed[p][14] = 0;
    }
    const sum = summarize(rows, failed, K, P, settings, B);
    const b = brute(rows, failed, K, P, settings, B);
    expectMatches(sum, b, K + B);
    for (let i = K; i < K + B; i++) {
      expect(sum.paretoFreq[i]).toBe(0);
      expect(sum.topFreq[i]).toBe(0);
      expect(sum.robustRank[i]).toBe(0);
    }
    expect(sum.feasibleFreq[14]).toBe(1);
    expect(sum.stats[(14 * sum.columns.length + 0) * 3]).toBe(0); // its median turnover
  });

  it("ranks only the selection rule's candidates: no calendar/buy-and-hold of the space, nothing failed or infeasible on the actual history; the same order as results.csv", () => {
    const K = 40;
    const P = 15;
    const { rows, failed } = randomRows(K, P, 7);
    // the actual history: another random draw (a config may be feasible on most paths and not on it, or the reverse)
    const one = randomRows(K, 1, 8);
    const r = lcg(9);
    const calendar = Uint8Array.from({ length: K }, () => (r() < 0.2 ? 1 : 0));
    const actual: InSample = { rows: one.rows[0], failed: one.failed[0], calendar };
    // make the robust best (every path's best) a calendar configuration: without the rule it would be rank 1
    for (let p = 0; p < P; p++) {
      rows[p].fill(0, 3 * N_METRICS, 4 * N_METRICS);
      failed[p][3] = 0;
    }
    calendar[3] = 1;
    // the flags results/selection-run.ts builds from the actual-history rows, and the rule's step 1
    const flags = Uint8Array.from({ length: K }, (_, i) =>
      actual.failed[i] ? FAILED : (calendar[i] ? EXCLUDED : 0) | (satisfies(actual.rows, i * N_METRICS, settings.constraints) ? FEASIBLE : 0),
    );
    const inScore = Float64Array.from({ length: K }, (_, i) => (actual.failed[i] ? NaN : score(actual.rows, i * N_METRICS, settings.scoreWeights)));
    const eligible = Uint8Array.from({ length: K }, (_, i) => (isCandidate({ K, score: inScore, flags, robust: null }, i) ? 1 : 0));
    const acc = new RobustAccumulator(K, P, settings);
    for (let p = 0; p < P; p++) acc.addPath(p, rows[p], failed[p]);
    const sum = acc.finish(eligible);
    const b = brute(rows, failed, K, P, settings, 0, actual);
    expectMatches(sum, b, K);
    expect(sum.robustRank[3]).toBe(0);
    // the case is not trivial: some rows ranked, some left out by the actual history only
    const ranked = b.robustRank.filter((x) => x > 0).length;
    const withoutRule = brute(rows, failed, K, P, settings).robustRank.filter((x) => x > 0).length;
    expect(ranked).toBeGreaterThan(3);
    expect(withoutRule).toBeGreaterThan(ranked);
    // results.csv's ranks when ranking is robust (src/results/selection.ts) are the same numbers
    const rk = rankCandidates({
      K,
      score: inScore,
      flags,
      robust: { score: sum.robustScore, feasibleFreq: sum.feasibleFreq, paths: sum.pathScores, P, quantile: 0.5 },
    });
    expect([...rk.rank]).toEqual([...sum.robustRank]);
  });

  it('is the same whatever the task split and arrival order', () => {
    const K = 31;
    const P = 12;
    const { rows, failed } = randomRows(K, P, 3);
    const ref = summarize(rows, failed, K, P, settings);
    // tasks of 2 paths × all ids, and 1 path × 7-id ranges, shuffled
    const tasks: RobustTaskResult[] = [];
    for (let p = 0; p < 6; p += 2) {
      const r = new Float64Array(2 * K * N_METRICS);
      r.set(rows[p], 0);
      r.set(rows[p + 1], K * N_METRICS);
      const failures: [number, number, string][] = [];
      for (const q of [p, p + 1]) for (let i = 0; i < K; i++) if (failed[q][i]) failures.push([q, i, 'x']);
      tasks.push({ pathFrom: p, pathTo: p + 2, from: 0, to: K, rows: r, failures });
    }
    for (let p = 6; p < P; p++)
      for (let a = 0; a < K; a += 7) {
        const b = Math.min(K, a + 7);
        const failures: [number, number, string][] = [];
        for (let i = a; i < b; i++) if (failed[p][i]) failures.push([p, i, 'x']);
        tasks.push({ pathFrom: p, pathTo: p + 1, from: a, to: b, rows: rows[p].slice(a * N_METRICS, b * N_METRICS), failures });
      }
    const r = lcg(99);
    for (let i = tasks.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [tasks[i], tasks[j]] = [tasks[j], tasks[i]];
    }
    const acc = new RobustAccumulator(K, P, settings);
    for (const t of tasks) acc.add(t);
    const got = acc.finish();
    expect(Buffer.from(got.stats.buffer).equals(Buffer.from(ref.stats.buffer))).toBe(true);
    expect([...got.paretoFreq]).toEqual([...ref.paretoFreq]);
    expect([...got.topFreq]).toEqual([...ref.topFreq]);
    expect([...got.robustRank]).toEqual([...ref.robustRank]);
    expect(got.failed).toBe(failed.reduce((n, f) => n + f.reduce((a, b) => a + b, 0), 0));
  });

  it('refuses absurd sizes, naming robustness.paths and the fix', () => {
    expect(() => checkRobustSize(100_000, 1000, 7, 'exp.ts')).toThrow(/exp\.ts: robustness\.paths: .*limit.*use at most 200 paths/);
    expect(() => checkRobustSize(1000, 200, 7, 'exp.ts')).not.toThrow();
    expect(METRICS.length).toBe(N_METRICS);
  });
});
