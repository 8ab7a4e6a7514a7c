/**
 * Scoring (design §5): the Pareto front against a brute-force O(n²) dominance check, the
 * weighted score on hand examples, constraints (parsing and the border cases), ranking.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { M, METRICS, N_METRICS, type MetricName } from '../../src/kernel/metrics.js';
import { paretoFront, parseConstraints, rankRows, satisfies, score } from '../../src/results/score.js';
import { isUserError } from '../../src/errors.js';
import { mulberry32 } from '../search/helpers.js';

type Row = Partial<Record<MetricName, number>>;

/** Rows of metrics; columns not given are NaN, so a front that looked at them would notice. */
function table(rows: readonly Row[]): Float64Array {
  const t = new Float64Array(rows.length * N_METRICS).fill(NaN);
  rows.forEach((r, i) => {
    for (const [m, v] of Object.entries(r) as [MetricName, number][]) t[i * N_METRICS + M[m]] = v;
  });
  return t;
}

/** The definition, written out: i is on the front when no eligible j is ≤ in every objective and < in one. */
function bruteFront(rows: Float64Array, n: number, objs: readonly MetricName[], ok: Uint8Array): number[] {
  const v = (i: number, m: MetricName): number => rows[i * N_METRICS + M[m]];
  const eligible: number[] = [];
  for (let i = 0; i < n; i++) if (ok[i] && objs.every((m) => Number.isFinite(v(i, m)))) eligible.push(i);
  const out = new Array<number>(n).fill(0);
  for (const i of eligible) {
    const dominated = eligible.some((j) => objs.every((m) => v(j, m) <= v(i, m)) && objs.some((m) => v(j, m) < v(i, m)));
    if (!dominated) out[i] = 1;
  }
  return out;
}

const allOk = (n: number): Uint8Array => new Uint8Array(n).fill(1);

describe('paretoFront', () => {
  it('a hand-made 2-D example (turnover, trackingError)', () => {
    const rows: Row[] = [
      { turnover: 1, trackingError: 5 }, // 0 A: front (lowest turnover but I, and I is worse on TE)
      { turnover: 2, trackingError: 3 }, // 1 B: front
      { turnover: 3, trackingError: 3 }, // 2 C: dominated by B (same TE, more turnover)
      { turnover: 4, trackingError: 1 }, // 3 D: front (lowest TE)
      { turnover: 2, trackingError: 3 }, // 4 E: a duplicate of B: front as well
      { turnover: 5, trackingError: 5 }, // 5 F: dominated by everything on the front
      { turnover: 1, trackingError: 6 }, // 6 G: dominated by A (same turnover, more TE)
      { turnover: NaN, trackingError: 0 }, // 7 H: not finite, excluded
      { turnover: 0.5, trackingError: 10 }, // 8 I: front (lowest turnover)
      { turnover: 0, trackingError: 0 }, // 9 K: would dominate all, but is not eligible (ok = 0)
      { turnover: 0.1, trackingError: Infinity }, // 10 L: not finite, excluded
    ];
    const ok = allOk(rows.length);
    ok[9] = 0;
    const front = paretoFront(table(rows), rows.length, ['turnover', 'trackingError'], ok);
    expect(Array.from(front)).toEqual([1, 1, 0, 1, 1, 0, 0, 0, 1, 0, 0]);
  });

  it('a hand-made 3-D example', () => {
    const objs: MetricName[] = ['turnover', 'trackingError', 'maxDrawdown'];
    const pts = [
      [1, 1, 1], // 0 front
      [1, 1, 2], // 1 dominated by 0
      [0, 2, 2], // 2 front (lowest turnover)
      [2, 0, 2], // 3 front (lowest TE)
      [2, 2, 0], // 4 front (lowest drawdown)
      [2, 2, 2], // 5 dominated by 0
      [1, 1, 1], // 6 duplicate of 0: front
      [0, 2, 3], // 7 dominated by 2 (equal in two, worse in the third)
      [0, 3, 1], // 8 front: nothing else has turnover 0 and drawdown ≤ 1
    ];
    const rows = pts.map(([t, te, dd]) => ({ turnover: t, trackingError: te, maxDrawdown: dd }));
    expect(Array.from(paretoFront(table(rows), rows.length, objs, allOk(rows.length)))).toEqual([1, 0, 1, 1, 1, 0, 1, 0, 1]);
  });

  it('one objective: every row at the minimum, ties included', () => {
    const rows = [3, 1, 2, 1, NaN].map((x) => ({ cagr: x }));
    expect(Array.from(paretoFront(table(rows), 5, ['cagr'], allOk(5)))).toEqual([0, 1, 0, 1, 0]);
  });

  it('only the first n rows count; empty and all-excluded inputs give an empty front', () => {
    const rows = table([
      { turnover: 1, trackingError: 1 },
      { turnover: 0, trackingError: 0 },
    ]);
    expect(Array.from(paretoFront(rows, 1, ['turnover', 'trackingError'], allOk(2)))).toEqual([1]);
    expect(Array.from(paretoFront(new Float64Array(0), 0, ['turnover'], new Uint8Array(0)))).toEqual([]);
    expect(Array.from(paretoFront(rows, 2, ['turnover', 'trackingError'], new Uint8Array(2)))).toEqual([0, 0]);
  });

  /** Random sets with many ties: values on a coarse lattice, some NaN/±Infinity, some not ok. */
  function randomCase(rnd: () => number, k: number): { rows: Float64Array; n: number; objs: MetricName[]; ok: Uint8Array } {
    const n = Math.floor(rnd() * 150);
    const levels = [2, 3, 5, 10, 1000][Math.floor(rnd() * 5)];
    const pool = [...METRICS];
    const objs: MetricName[] = [];
    for (let d = 0; d < k; d++) objs.push(pool.splice(Math.floor(rnd() * pool.length), 1)[0]);
    const rowList: Row[] = [];
    for (let i = 0; i < n; i++) {
      const r: Row = {};
      for (const m of objs) {
        const u = rnd();
        r[m] = u < 0.03 ? NaN : u < 0.04 ? Infinity : u < 0.05 ? -Infinity : Math.round((rnd() * 2 - 0.5) * levels) / levels;
      }
      // copy an earlier row now and then: exact duplicates
      if (i > 0 && rnd() < 0.15) Object.assign(r, rowList[Math.floor(rnd() * i)]);
      rowList.push(r);
    }
    const ok = new Uint8Array(n).map(() => (rnd() < 0.9 ? 1 : 0));
    return { rows: table(rowList), n, objs, ok };
  }

  for (const k of [1, 2, 3, 4]) {
    it(`matches the brute-force dominance check on 300 random sets with ${k} objective${k > 1 ? 's' : ''}`, () => {
      const rnd = mulberry32(1000 + k);
      for (let trial = 0; trial < 300; trial++) {
        const { rows, n, objs, ok } = randomCase(rnd, k);
        expect(Array.from(paretoFront(rows, n, objs, ok)), `trial ${trial}`).toEqual(bruteFront(rows, n, objs, ok));
      }
    });
  }

  it('matches the brute force on arbitrary small integer points (fast-check, with shrinking)', () => {
    const objs: MetricName[] = ['turnover', 'trackingError', 'maxDrawdown'];
    const point = fc.tuple(fc.integer({ min: -3, max: 3 }), fc.integer({ min: -3, max: 3 }), fc.integer({ min: -3, max: 3 }), fc.boolean());
    fc.assert(
      fc.property(fc.array(point, { maxLength: 40 }), fc.integer({ min: 1, max: 3 }), (pts, k) => {
        const rows = table(pts.map(([a, b, c]) => ({ turnover: a, trackingError: b, maxDrawdown: c })));
        const ok = Uint8Array.from(pts.map((p) => (p[3] ? 1 : 0)));
        const o = objs.slice(0, k);
        expect(Array.from(paretoFront(rows, pts.length, o, ok))).toEqual(bruteFront(rows, pts.length, o, ok));
      }),
      { seed: 20240601, numRuns: 400 },
    );
  });
});

describe('score = Σ weight·metric', () => {
  it('by hand with the documented default weights', () => {
    // trackingError 0.02·1 + costDrag 15 bp·1e-4 + turnover 0.3·1e-3 = 0.02 + 0.0015 + 0.0003 = 0.0218
    const rows = table([{ trackingError: 0.02, costDrag: 15, turnover: 0.3 }]);
    expect(score(rows, 0, { trackingError: 1, costDrag: 1e-4, turnover: 1e-3 })).toBeCloseTo(0.0218, 15);
  });

  it('reads the row at the offset; negative weights reward a metric', () => {
    // second row: sharpe 0.8·(−0.1) + trackingError 0.05·1 = −0.08 + 0.05 = −0.03
    const rows = table([
      { sharpe: 100, trackingError: 100 },
      { sharpe: 0.8, trackingError: 0.05 },
    ]);
    expect(score(rows, N_METRICS, { sharpe: -0.1, trackingError: 1 })).toBeCloseTo(-0.03, 15);
    expect(score(rows, N_METRICS, {})).toBe(0);
  });

  it('a metric with weight 0 is ignored even when NaN; a weighted non-finite metric makes the score NaN', () => {
    const rows = table([{ trackingError: 0.01, sortino: Infinity }]); // every other column NaN
    expect(score(rows, 0, { trackingError: 2, cagr: 0, sortino: 0 })).toBeCloseTo(0.02, 15);
    expect(score(rows, 0, { trackingError: 1, cagr: 1 })).toBeNaN();
    expect(score(rows, 0, { trackingError: 1, sortino: 1 })).toBeNaN();
  });
});

describe('parseConstraints', () => {
  it('good forms', () => {
    const texts = [
      'trackingError <= 0.02',
      '  maxDrawdown<0.3  ',
      'sharpe >= 0.5',
      'cagr > -0.01',
      'turnover<=1e-3',
      'costDrag <= 25',
      'rebalancesPerYear < 4.',
      'excessReturn >= .5',
      'volatility <= 1.5e-1',
      'sortino > 1E2',
      'maxDrift <= +0.1',
    ];
    const cs = parseConstraints(texts);
    expect(cs.map((c) => [c.metric, c.op, c.value])).toEqual([
      ['trackingError', '<=', 0.02],
      ['maxDrawdown', '<', 0.3],
      ['sharpe', '>=', 0.5],
      ['cagr', '>', -0.01],
      ['turnover', '<=', 0.001],
      ['costDrag', '<=', 25],
      ['rebalancesPerYear', '<', 4],
      ['excessReturn', '>=', 0.5],
      ['volatility', '<=', 0.15],
      ['sortino', '>', 100],
      ['maxDrift', '<=', 0.1],
    ]);
    expect(cs.map((c) => c.text)).toEqual(texts);
    expect(parseConstraints([])).toEqual([]);
  });

  const malformed = [
    '',
    'trackingError',
    'trackingError <=',
    '<= 0.02',
    'trackingError == 0.02',
    'trackingError =< 0.02',
    'trackingError => 0.02',
    'trackingError <= 0.0.2',
    'trackingError <= .',
    'trackingError <= -',
    'trackingError <= 1e',
    '0.02 >= trackingError',
    'trackingError <= 2%',
    'tracking Error <= 0.02',
    'trackingError <= abc',
    'trackingError < < 1',
    'trackingError <= 0.02 and turnover < 1',
  ];
  for (const text of malformed) {
    it(`malformed: ${JSON.stringify(text)}`, () => {
      let err: unknown;
      try {
        parseConstraints(['turnover < 1', text], 'exp.json: constraints');
      } catch (e) {
        err = e;
      }
      expect(isUserError(err)).toBe(true);
      const msg = (err as Error).message;
      expect(msg.startsWith('exp.json: constraints[1]: ')).toBe(true);
      expect(msg).toContain(JSON.stringify(text));
      expect(msg).toContain('e.g. "trackingError <= 0.02"');
    });
  }

  it('an unknown metric is named, with the metrics to choose from', () => {
    let err: unknown;
    try {
      parseConstraints(['trackingEror <= 0.02'], 'exp.json: constraints');
    } catch (e) {
      err = e;
    }
    expect(isUserError(err)).toBe(true);
    const msg = (err as Error).message;
    expect(msg.startsWith('exp.json: constraints[0]: ')).toBe(true);
    expect(msg).toContain('unknown metric "trackingEror"');
    for (const m of ['trackingError', 'maxDrawdown', 'costDrag']) expect(msg).toContain(m);
  });
});

describe('satisfies', () => {
  const te = 0.02;
  const rows = table([{ trackingError: 1 }, { trackingError: te, turnover: 0.5 }]);
  const o = N_METRICS; // the second row
  const holds = (text: string): boolean => satisfies(rows, o, parseConstraints([text]));

  it('non-strict borders include the value, strict ones exclude it', () => {
    expect(holds('trackingError <= 0.02')).toBe(true);
    expect(holds('trackingError < 0.02')).toBe(false);
    expect(holds('trackingError >= 0.02')).toBe(true);
    expect(holds('trackingError > 0.02')).toBe(false);
  });

  it('just past the border', () => {
    const above = table([{ trackingError: 0.020000000000000004 }]); // the next double above 0.02
    expect(satisfies(above, 0, parseConstraints(['trackingError <= 0.02']))).toBe(false);
    expect(satisfies(above, 0, parseConstraints(['trackingError > 0.02']))).toBe(true);
  });

  it('every constraint must hold; none is always satisfied; a NaN metric never satisfies', () => {
    expect(satisfies(rows, o, parseConstraints(['trackingError <= 0.02', 'turnover < 1']))).toBe(true);
    expect(satisfies(rows, o, parseConstraints(['trackingError <= 0.02', 'turnover < 0.5']))).toBe(false);
    expect(satisfies(rows, o, [])).toBe(true);
    for (const op of ['<=', '<', '>=', '>']) expect(holds(`cagr ${op} 0`)).toBe(false); // cagr is NaN in this row
  });
});

describe('rankRows', () => {
  it('ranks feasible rows by score, ties by id; infeasible and NaN rows get 0', () => {
    //            id:   0    1    2    3    4    5
    const scores = Float64Array.from([0.3, 0.1, 0.3, NaN, 0.1, 0.2]);
    const feasible = Uint8Array.from([1, 1, 1, 1, 0, 1]);
    // feasible and finite: 1 (0.1), 5 (0.2), 0 (0.3), 2 (0.3, after 0 by id)
    expect(Array.from(rankRows(scores, feasible, 6))).toEqual([3, 1, 4, 0, 0, 2]);
  });

  it('only the first n rows are ranked', () => {
    const scores = Float64Array.from([2, 1, 0]);
    expect(Array.from(rankRows(scores, Uint8Array.from([1, 1, 1]), 2))).toEqual([2, 1]);
  });

  it('agrees with a plain sort on random inputs with ties', () => {
    const rnd = mulberry32(77);
    for (let trial = 0; trial < 100; trial++) {
      const n = Math.floor(rnd() * 60);
      const scores = Float64Array.from({ length: n }, () => (rnd() < 0.05 ? NaN : Math.floor(rnd() * 8) / 4 - 0.5));
      const feasible = Uint8Array.from({ length: n }, () => (rnd() < 0.8 ? 1 : 0));
      const order = Array.from({ length: n }, (_, i) => i)
        .filter((i) => feasible[i] === 1 && !Number.isNaN(scores[i]))
        .sort((a, b) => (scores[a] === scores[b] ? a - b : scores[a] < scores[b] ? -1 : 1));
      const expected = new Array<number>(n).fill(0);
      order.forEach((id, r) => (expected[id] = r + 1));
      expect(Array.from(rankRows(scores, feasible, n))).toEqual(expected);
    }
  });
});
