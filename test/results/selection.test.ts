/**
 * The selection by evidence (issue 11, docs/selection.md) on synthetic inputs whose answers are
 * worked out by hand in the comments: the robust pick over an in-sample fluke, the
 * indistinguishable set, the PBO (CSCV), the score terms, the baselines.
 */
import { describe, expect, it } from 'vitest';
import { M, N_METRICS } from '../../src/kernel/metrics.js';
import { ZERO_COSTS, type Config } from '../../src/policy/types.js';
import {
  bhReject,
  binomialUpperTailHalf,
  bootstrapWorseP,
  cscvPbo,
  indistinguishableRows,
  pairedWorseP,
  subPeriodBounds,
} from '../../src/results/selection-stats.js';
import { buildSelection, EXCLUDED, FAILED, FEASIBLE, scoreTerms, scoreText, sig3, type SelectionInput } from '../../src/results/selection.js';
import { chooseSubPeriods } from '../../src/results/subperiods.js';
import { baselineConfigs } from '../../src/search/baselines.js';
import { mulberry32 } from '../search/helpers.js';

const abs = (width: number, check: Config['check'] = 'daily'): Config => ({ band: 'absolute', width, check, mode: 'target', cooldown: 0, ...ZERO_COSTS });
const cal = (check: Config['check']): Config => ({ band: 'calendar', width: 0, check, mode: 'target', cooldown: 0, ...ZERO_COSTS });

function metricsRow(over: Partial<Record<keyof typeof M, number>>): Float64Array {
  const r = new Float64Array(N_METRICS);
  for (const [k, v] of Object.entries(over)) r[M[k as keyof typeof M]] = v;
  return r;
}

/** A SelectionInput over `configs` with the given in-sample scores and flags. */
function input(configs: Config[], score: number[], flags: number[], over: Partial<SelectionInput> = {}): SelectionInput {
  const metrics = new Map<number, Float64Array>();
  configs.forEach((_, i) => metrics.set(i, metricsRow({ trackingError: score[i], rebalancesPerYear: 10 })));
  return {
    K: configs.length,
    score: Float64Array.from(score),
    flags: Uint8Array.from(flags),
    robust: null,
    config: (id) => configs[id],
    metrics,
    scoreWeights: { trackingError: 1 },
    constraints: ['trackingError <= 0.02'],
    baselines: [],
    subPeriods: { reason: 'not in this test' },
    outOfSample: null,
    failed: flags.filter((f) => f & FAILED).length,
    ...over,
  };
}

/** Normal draws from a seeded mulberry32 (Box–Muller). */
function normals(seed: number, n: number): Float64Array {
  const u = mulberry32(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  return out;
}

describe('the rule', () => {
  it('picks the robust best, not the in-sample fluke, and ranks by the robust score', () => {
    // 5 configurations, 4 bootstrap paths each (row i at i·4).
    //   id 0: in-sample 0.0050, paths 0.0050 0.0052 0.0049 0.0051 → median 0.00505
    //   id 1: in-sample 0.0010 (the fluke), paths 0.0090 0.0011 0.0100 0.0095 → median 0.00925
    //   id 2: in-sample 0.0040, paths 0.0041 0.0043 0.0042 0.0040 → median 0.00415 (the robust best)
    //   id 3: a calendar configuration in the space, in-sample 0.0001: excluded (never ranked)
    //   id 4: in-sample 0.0030, feasible on the actual history but on 1 path of 4 only → not a candidate
    // Robust order: 2 (0.00415), 0 (0.00505), 1 (0.00925) → ranks 2:1, 0:2, 1:3, 3 and 4 unranked.
    const configs = [abs(0.01), abs(0.02), abs(0.03), cal('monthly'), abs(0.05)];
    const paths = Float64Array.from([
      0.005, 0.0052, 0.0049, 0.0051, 0.009, 0.0011, 0.01, 0.0095, 0.0041, 0.0043, 0.0042, 0.004, 0.0001, 0.0001, 0.0001, 0.0001, 0.003, 0.003, 0.003, 0.003,
    ]);
    const sel = buildSelection(
      input(configs, [0.005, 0.001, 0.004, 0.0001, 0.003], [FEASIBLE, FEASIBLE, FEASIBLE, FEASIBLE | EXCLUDED, FEASIBLE], {
        robust: {
          score: Float64Array.from([0.00505, 0.00925, 0.00415, 0.0001, 0.003]),
          feasibleFreq: Float64Array.from([1, 1, 1, 1, 0.25]),
          paths,
          P: 4,
          quantile: 0.5,
        },
      }),
    );
    expect(sel.json.pick).toBe(2);
    expect(Array.from(sel.rank)).toEqual([2, 3, 1, 0, 0]);
    expect(sel.mark[2]).toBe(1);
    expect(sel.json.rule.rankBy).toBe('robust-median');
    // the in-sample best among the candidates is the fluke, and the page can say so
    expect(sel.json.inSampleBest?.id).toBe(1);
    expect(sel.json.inSampleBest?.rank).toBe(3);
    expect(sel.json.pickConfig?.inSampleRank).toBe(2);
    expect(sel.json.counts).toEqual({ configurations: 5, failed: 0, feasible: 5, ranked: 3 });
  });

  it('without robustness ranks by the in-sample score; calendar in the space and failed rows take no rank', () => {
    // scores 0.003, 0.001 (calendar: excluded), 0.002, NaN (failed), 0.004 (infeasible)
    const configs = [abs(0.01), cal('daily'), abs(0.02), abs(0.03), abs(0.04)];
    const sel = buildSelection(input(configs, [0.003, 0.001, 0.002, NaN, 0.004], [FEASIBLE, FEASIBLE | EXCLUDED, FEASIBLE, FAILED, 0]));
    expect(sel.json.pick).toBe(2);
    expect(Array.from(sel.rank)).toEqual([2, 0, 1, 0, 0]);
    expect(sel.json.rule.rankBy).toBe('in-sample-score');
    expect(sel.json.bestPerBand).toEqual({ absolute: 2 });
  });

  it('says why there is no pick when nothing is feasible', () => {
    const sel = buildSelection(input([abs(0.01)], [0.003], [0]));
    expect(sel.json.pick).toBeNull();
    expect(sel.json.pickReason).toMatch(/no configuration meets the constraints/);
    expect(sel.json.pbo).toBeNull();
    expect(sel.json.pboReason).toBeTruthy();
  });
});

describe('the indistinguishable set', () => {
  it('sign test: exact binomial tails', () => {
    // P(X ≥ 6 | n = 8, ½) = (C(8,6) + C(8,7) + C(8,8)) / 256 = (28 + 8 + 1)/256
    expect(binomialUpperTailHalf(6, 8)).toBeCloseTo(37 / 256, 12);
    expect(binomialUpperTailHalf(8, 8)).toBeCloseTo(1 / 256, 12);
    expect(binomialUpperTailHalf(0, 8)).toBe(1);
    // 3 worse, 1 better, 1 tie (dropped): P(X ≥ 3 | n = 4) = (4 + 1)/16
    expect(pairedWorseP([1, 1, 1, 1, 1], [2, 2, 2, 0, 1])).toBeCloseTo(5 / 16, 12);
  });

  it('bootstrap p-value: (1 + paths where not worse) / (1 + paths)', () => {
    // differences 1, 1, 0, −1 over 4 paths: not worse (≤ 0) on 2 → (1 + 2)/(1 + 4)
    expect(bootstrapWorseP([0, 0, 0, 0], [1, 1, 0, -1])).toBeCloseTo(3 / 5, 12);
    expect(bootstrapWorseP([0, 0, 0], [1, 1, 1])).toBeCloseTo(1 / 4, 12);
  });

  it('Benjamini–Hochberg rejects up to the largest k with p(k) ≤ k·q/m', () => {
    // m = 4, q = 0.05: thresholds 0.0125, 0.025, 0.0375, 0.05.
    // p = [0.04, 0.001, 0.03, 0.5] sorted: 0.001 ✓, 0.03 ✗ (> 0.025), 0.04 ✗ (> 0.0375), 0.5 ✗ → reject only the 0.001
    expect(bhReject([0.04, 0.001, 0.03, 0.5], 0.05)).toEqual([false, true, false, false]);
    // p = [0.03, 0.001, 0.036, 0.5] sorted: 0.001 ✓; 0.03 > 0.025 ✗; 0.036 ≤ 0.0375 ✓ at k = 3, so the largest k is 3:
    // step-up rejects the three smallest, the 0.03 included although it missed its own threshold
    expect(bhReject([0.03, 0.001, 0.036, 0.5], 0.05)).toEqual([true, true, true, false]);
  });

  it('equals the hand-worked set on a constructed case (sub-periods, sign test)', () => {
    // Pick A (id 0) and four others over S = 8 sub-periods (scores; lower is better):
    //   E (id 1): the same scores as A on every sub-period: all ties → p = 1
    //   B (id 2): worse on 8 of 8 → p = 1/256 = 0.0039
    //   C (id 3): worse on 6, better on 2 → p = 37/256 = 0.1445
    //   D (id 4): worse on 7, better on 1 → p = 9/256 = 0.0352
    // BH over m = 4 at 0.05: sorted B 0.0039 ≤ 0.0125 ✓; D 0.0352 > 0.025; C 0.1445 > 0.0375; E 1 > 0.05
    // → only B is worse: the set is {E, C, D} = ids [1, 3, 4].
    const A = [1, 2, 3, 4, 5, 6, 7, 8];
    const rows = [A, A, A.map((x) => x + 1), A.map((x, s) => (s < 6 ? x + 0.5 : x - 0.5)), A.map((x, s) => (s < 7 ? x + 0.1 : x - 3))];
    const obs = Float64Array.from(rows.flat());
    expect(indistinguishableRows(obs, 5, 8, 0, 0.05, 'sign')).toEqual([1, 3, 4]);

    // The same through buildSelection: in-sample scores order the pool A, E, B, C, D (ties → lower id);
    // the sub-period matrix is (S × C), row = sub-period.
    const configs = [abs(0.01), abs(0.01, 'weekly'), abs(0.02), abs(0.03, 'monthly'), abs(0.05)];
    const S = 8;
    const scores = new Float64Array(S * 5);
    for (let c = 0; c < 5; c++) for (let s = 0; s < S; s++) scores[s * 5 + c] = rows[c][s];
    const inp = input(configs, [0.001, 0.001, 0.002, 0.003, 0.004], [FEASIBLE, FEASIBLE, FEASIBLE, FEASIBLE, FEASIBLE], {
      subPeriods: { scores, S, rowsPerSubPeriod: 30 },
    });
    // rebalances a year: A 10, E 10, B 10, C 2, D 1 → the simplest member of {A, E, C, D} is D (id 4)
    (inp.metrics as Map<number, Float64Array>).set(3, metricsRow({ trackingError: 0.003, rebalancesPerYear: 2 }));
    (inp.metrics as Map<number, Float64Array>).set(4, metricsRow({ trackingError: 0.004, rebalancesPerYear: 1 }));
    const sel = buildSelection(inp);
    expect(sel.json.pick).toBe(0);
    expect(sel.json.indistinguishable).toEqual([1, 3, 4]);
    expect(Array.from(sel.mark)).toEqual([1, 2, 0, 2, 2]);
    expect(sel.json.simplest).toBe(4);
    expect(sel.json.indistinguishableTest).toMatchObject({ pairedOver: 'sub-periods', observations: 8, compared: 4, truncated: false });
  });

  it('the simplest breaks a tie in rebalances by the coarser check schedule', () => {
    // A (daily, 10/yr) and E (weekly, 10/yr) identical on every sub-period: the set is {E}; the simplest is E (weekly)
    const configs = [abs(0.01), abs(0.01, 'weekly')];
    const scores = Float64Array.from([1, 1, 2, 2, 3, 3, 4, 4]);
    const sel = buildSelection(input(configs, [0.001, 0.001], [FEASIBLE, FEASIBLE], { subPeriods: { scores, S: 4, rowsPerSubPeriod: 30 } }));
    expect(sel.json.indistinguishable).toEqual([1]);
    expect(sel.json.simplest).toBe(1);
  });
});

describe('PBO (CSCV)', () => {
  it('equals the hand-worked value on a 4 × 3 case', () => {
    // perf (rows = sub-periods, higher is better):
    //   s0 [3 1 2]  s1 [3 2 1]  s2 [1 3 2]  s3 [1 2 3]
    // in-sample halves, best n*, out-of-sample sums, ω = (lower + 1 + ties/2)/(N + 1):
    //   {0,1}: IS [6 3 3] n*=0; OOS [2 5 5]: 2 is the lowest → ω = 1/4, λ = ln(1/3)
    //   {0,2}: IS [4 4 4] n*=0 (tie → lowest n); OOS [4 4 4]: 2 ties → ω = 2/4, λ = 0
    //   {0,3}: IS [4 3 5] n*=2; OOS [4 5 3]: lowest → λ = ln(1/3)
    //   {1,2}: IS [4 5 3] n*=1; OOS [4 3 5]: lowest → λ = ln(1/3)
    //   {1,3}: IS [4 4 4] n*=0; OOS [4 4 4] → λ = 0
    //   {2,3}: IS [2 5 5] n*=1; OOS [6 3 3]: none lower, 1 tie → ω = 1.5/4, λ = ln(0.375/0.625)
    // every λ ≤ 0 → PBO = 6/6 = 1
    const perf = Float64Array.from([3, 1, 2, 3, 2, 1, 1, 3, 2, 1, 2, 3]);
    const r = cscvPbo(perf, 4, 3);
    expect(r.combinations).toBe(6);
    expect(r.pbo).toBe(1);
    const l3 = Math.log(1 / 3);
    const expected = [l3, 0, l3, l3, 0, Math.log(0.375 / 0.625)];
    Array.from(r.logits).forEach((x, i) => expect(x).toBeCloseTo(expected[i], 12));
  });

  it('pure noise → about 0.5; one truly better configuration → about 0 (seeded, S = 16)', () => {
    const S = 16;
    const N = 40;
    // noise: i.i.d. N(0,1) performance; the in-sample best's out-of-sample rank is uniform, so
    // λ is symmetric about 0 and E[PBO] = ½ (a little over, since λ = 0 counts). The mean over 12
    // seeds is within 0.5 ± 0.1 (one seed's PBO varies a lot: the 12,870 splits share data).
    let sum = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const r = cscvPbo(normals(seed, S * N), S, N);
      expect(r.combinations).toBe(12870);
      expect(r.pbo).toBeGreaterThanOrEqual(0);
      expect(r.pbo).toBeLessThanOrEqual(1);
      sum += r.pbo;
    }
    expect(Math.abs(sum / 12 - 0.5)).toBeLessThan(0.1);
    // one configuration 3 standard deviations better on every sub-period: it is the in-sample best
    // in every split (its half-sum leads by ~24 against a spread of ~2.8·√8) and the out-of-sample best → λ > 0 → PBO = 0
    const perf = normals(99, S * N);
    for (let s = 0; s < S; s++) perf[s * N + 7] += 3;
    expect(cscvPbo(perf, S, N).pbo).toBeLessThan(0.01);
  });

  it('gives the logits, bit for bit, of the definition summed from zero for every split (random data with ties)', () => {
    // the plain definition: every S/2-subset J in lexicographic order, in-sample sums added from 0 in J's order
    function plainPbo(perf: Float64Array, S: number, N: number): number[] {
      const out: number[] = [];
      const half = S / 2;
      const total = new Float64Array(N);
      for (let s = 0; s < S; s++) for (let n = 0; n < N; n++) total[n] += perf[s * N + n];
      const subsets = (from: number, k: number): number[][] =>
        k === 0 ? [[]] : Array.from({ length: S - from - k + 1 }, (_, d) => subsets(from + d + 1, k - 1).map((rest) => [from + d, ...rest])).flat();
      for (const J of subsets(0, half)) {
        const is = Array.from({ length: N }, (_, n) => J.reduce((acc, s) => acc + perf[s * N + n], 0));
        let best = 0;
        for (let n = 1; n < N; n++) if (is[n] > is[best]) best = n;
        const oos = (n: number): number => total[n] - is[n];
        let lower = 0;
        let ties = 0;
        for (let n = 0; n < N; n++) if (n !== best) oos(n) < oos(best) ? lower++ : oos(n) === oos(best) ? ties++ : 0;
        const omega = (lower + 1 + ties / 2) / (N + 1);
        out.push(Math.log(omega / (1 - omega)));
      }
      return out;
    }
    const rnd = mulberry32(31);
    for (const [S, N] of [
      [2, 2],
      [4, 5],
      [6, 9],
      [10, 13],
    ]) {
      // coarse values (many ties) mixed with fine ones
      const perf = Float64Array.from({ length: S * N }, () => (rnd() < 0.5 ? Math.round(rnd() * 4) / 4 : rnd() * 0.3 - 0.1));
      expect(Array.from(cscvPbo(perf, S, N).logits), `S ${S}, N ${N}`).toEqual(plainPbo(perf, S, N));
    }
  });

  it('uses 16 sub-periods, fewer to keep at least 20 returns each, none under 4', () => {
    // 1,000 returns: 16 × 62; 200 returns: ⌊200/20⌋ = 10; 150: ⌊7.5⌋ = 7 → even 6; 79: 3 → none (0)
    expect([1000, 200, 150, 80, 79].map((r) => chooseSubPeriods(r))).toEqual([16, 10, 6, 4, 0]);
  });

  it('sub-periods tile the window', () => {
    // start 10, T = 51: returns of rows 11..50 (40 rows), S = 4 → 10 each: bounds 10, 20, 30, 40, 50
    expect(subPeriodBounds(10, 51, 4)).toEqual([10, 20, 30, 40, 50]);
    // 42 returns over 4: 10 each, the last takes the remainder (12)
    expect(subPeriodBounds(0, 43, 4)).toEqual([0, 10, 20, 30, 42]);
  });
});

describe('sig3', () => {
  it('3 significant digits without an exponent for ordinary sizes, 1,000 and up included', () => {
    // 1234 → 1.23·10³ = 1230; 45678 → 45700; 999.7 rounds up to 1000; −1,500,000 stays whole
    expect([0.5, 12.345, 999, 999.7, 1234, 45678, -1.5e6, 0.00012345].map(sig3)).toEqual([
      '0.5',
      '12.3',
      '999',
      '1000',
      '1230',
      '45700',
      '-1500000',
      '0.000123',
    ]);
    // a cost drag of 1,234 bp/yr reads as a number, not "1.23e+3"
    expect(scoreText(scoreTerms({ costDrag: 1 }, metricsRow({ costDrag: 1234 })))).toBe('cost drag 1230 bp/yr');
  });
});

describe('score terms', () => {
  it('each term in its own unit, contributions summing to the score', () => {
    // TE 0.0014 = 0.14%; cost drag 2.6 bp/yr; turnover 0.123 = 12.3%/yr
    // contributions 1·0.0014 + 1e-4·2.6 + 1e-3·0.123 = 0.0014 + 0.00026 + 0.000123 = 0.001783
    const w = { trackingError: 1, costDrag: 1e-4, turnover: 1e-3 };
    const t = scoreTerms(w, metricsRow({ trackingError: 0.0014, costDrag: 2.6, turnover: 0.123 }));
    expect(t.map((x) => x.unit)).toEqual(['%', 'bp/yr', '%/yr']);
    expect(scoreText(t)).toBe('TE 0.14% + 0.0001 × cost drag 2.6 bp/yr + 0.001 × turnover 12.3%/yr');
    expect(t.reduce((a, x) => a + (x.contribution ?? 0), 0)).toBeCloseTo(0.001783, 15);
  });
});

describe('baselines', () => {
  it('calendar monthly, quarterly and yearly always, then the searched schedules, then buy-and-hold, each once', () => {
    const b = baselineConfigs({ checks: ['daily', 'monthly', 10] }, { costs: ZERO_COSTS });
    expect(b.map((x) => x.id)).toEqual(['calendar-monthly', 'calendar-quarterly', 'calendar-yearly', 'calendar-daily', 'calendar-10', 'none']);
    // every 1 period is daily: one baseline
    expect(baselineConfigs({ checks: ['daily', 1] }, { costs: ZERO_COSTS }).map((x) => x.id)).toEqual([
      'calendar-monthly',
      'calendar-quarterly',
      'calendar-yearly',
      'calendar-daily',
      'none',
    ]);
  });
});

describe('out of sample', () => {
  it('summarises validation.json: folds, distinct choices, stitched score against the baselines, feasible folds', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rl-oos-'));
    // 3 folds, 2 of them feasible out of sample, 2 different choices; stitched 0.005 beats
    // calendar-monthly (0.006) but not none (0.004)
    await writeFile(
      path.join(dir, 'validation.json'),
      JSON.stringify({
        kind: 'walk-forward',
        folds: [{ outOfSample: { feasible: true } }, { outOfSample: { feasible: false } }, { outOfSample: { feasible: true } }],
        stitched: { score: 0.005 },
        baselines: [
          { id: 'calendar-monthly', score: 0.006 },
          { id: 'none', score: 0.004 },
        ],
        stability: { distinctConfigs: 2 },
      }),
    );
    const { readOutOfSample } = await import('../../src/results/selection-run.js');
    const o = await readOutOfSample(dir);
    expect(o).toMatchObject({ kind: 'walk-forward', folds: 3, distinctChoices: 2, feasibleFolds: 2, stitchedScore: 0.005 });
    expect(o!.text).toContain('better than calendar-monthly)');
    expect(o!.text).toContain('in 2 of 3 test windows');
    expect(await readOutOfSample(path.join(dir, 'missing'))).toBeNull();
  });
});
