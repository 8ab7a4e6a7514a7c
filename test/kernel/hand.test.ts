/**
 * Hand-worked backtests (design §3–§4, NOTES-interpretations.md). Every expected number is
 * worked out in the comment beside it from the prices of the case; none was copied from
 * code output. Each case runs against both the fast kernel and the plain reference
 * (test/reference/plain.ts), so it checks the reference too.
 *
 * Conventions: capital 100000 unless said; targets 0.5/0.5 unless said; window rows are
 * indexed from 0 at `start` (row k of a series = matrix row start + k).
 */
import { describe, expect, it } from 'vitest';
import { IMPLS, cfg, expectClose, expectPath, scenario, tradeRows, type Run } from './helpers.js';
import type { Metrics } from '../../src/kernel/metrics.js';

function expectMetrics(run: Run, expected: Partial<Metrics>, tol = 1e-10): void {
  for (const [name, value] of Object.entries(expected) as [keyof Metrics, number][]) {
    expectClose(run.metrics[name], value, tol, name);
  }
}

describe.each(IMPLS)('hand-worked cases: %s', (_name, run) => {
  // ------------------------------------------------------------------ metrics, one asset
  describe('metrics on one asset (value = 1000 × price)', () => {
    // Prices 100 → 110 → 99 → 118.8, capital 100000 so h = 100000/100 = 1000 units.
    // V = 100000, 110000, 99000, 118800. Returns r = +0.1, −0.1, +0.2. ppy = 3 → years = 3/3 = 1.
    const input = scenario([[100], [110], [99], [118.8]], { targets: [1], ppy: 3 });

    it('value path, cagr, drawdown', () => {
      const r = run(input, cfg());
      expectPath(r.value, [100000, 110000, 99000, 118800]);
      expectMetrics(r, {
        cagr: 0.188, // (118800/100000)^(1/1) − 1
        maxDrawdown: 0.1, // peak 110000 at row 1, then 99000: 1 − 99000/110000 = 0.1
        finalValue: 118800,
        rebalances: 0,
        rebalancesPerYear: 0,
        turnover: 0,
        costDrag: 0,
        meanDrift: 0, // one asset: w = w* = 1 every day
        maxDrift: 0,
        trackingError: 0, // benchmark = the asset itself: r − r^b = 0 every day
        excessReturn: 0,
      });
    });

    it('volatility, sharpe, sortino (rf = 0)', () => {
      const r = run(input, cfg());
      // mean r = (0.1 − 0.1 + 0.2)/3 = 0.2/3. Deviations 0.1/3, −0.5/3, 0.4/3;
      // squares sum (0.01 + 0.25 + 0.16)/9 = 0.42/9 = 0.04667; /(n−1 = 2) = 0.02333 = 0.07/3.
      // volatility = sqrt(0.07/3)·√3 = √0.07 = 0.264575
      // sharpe = mean/std·√ppy = (0.2/3)·√3/sqrt(0.07/3) = (0.2/3)·3/√0.07 = 0.2/√0.07 = 0.755929
      // sortino: min(r,0)² = 0, 0.01, 0 → mean 0.01/3 → sqrt = 0.1/√3;
      //          (0.2/3)/(0.1/√3)·√3 = (0.2/3)·3/0.1 = 2
      expectMetrics(r, { volatility: Math.sqrt(0.07), sharpe: 0.2 / Math.sqrt(0.07), sortino: 2 });
    });

    it('risk-free rate enters sharpe and sortino as rf/ppy per period', () => {
      const r = run({ ...input, riskFree: 0.03 }, cfg());
      // rf/ppy = 0.03/3 = 0.01 → excess returns 0.09, −0.11, 0.19, mean 0.17/3.
      // sharpe = (0.17/3)/std(r)·√3 = 0.17/√0.07 = 0.642540 (std of r itself is unchanged)
      // sortino: min(x,0)² = 0, 0.0121, 0 → sqrt(0.0121/3) = 0.11/√3 → (0.17/3)·3/0.11 = 0.17/0.11
      expectMetrics(r, { sharpe: 0.17 / Math.sqrt(0.07), sortino: 0.17 / 0.11, volatility: Math.sqrt(0.07) });
    });

    it('initialCapital scales the value path only', () => {
      const r = run({ ...input, initialCapital: 250 }, cfg());
      // h = 250/100 = 2.5 units: V = 250, 275, 247.5, 297; returns unchanged.
      expectPath(r.value, [250, 275, 247.5, 297]);
      expectMetrics(r, { cagr: 0.188, maxDrawdown: 0.1, finalValue: 297 });
    });

    it('sortino is +Infinity when no return is below rf (IEEE result kept)', () => {
      // 100 → 110 → 121 → 133.1: every return ≈ +0.1 > 0 → downside mean 0 → mean/0 = +Infinity
      const r = run(scenario([[100], [110], [121], [133.1]], { targets: [1], ppy: 3 }), cfg());
      expect(r.metrics.sortino).toBe(Infinity);
    });

    it('a calendar check on one asset is a rebalance with zero turnover', () => {
      // daily checks on rows 1 and 2 (row 0 = allocation, row 3 = last). w = w* = 1 always:
      // Σ|w' − w| = 0, still a rebalance event. rebalances = 2, years = 1 → 2 per year.
      const r = run(input, cfg({ band: 'calendar' }));
      expect(tradeRows(r)).toEqual([1, 2]);
      expectMetrics(r, { rebalances: 2, rebalancesPerYear: 2, turnover: 0, costDrag: 0 });
      expectPath(r.value, [100000, 110000, 99000, 118800]);
    });
  });

  // ------------------------------------------------------------------ two assets vs benchmark
  describe('two assets: buy-and-hold, daily calendar, costs', () => {
    // A: 100 → 200 → 100, B: 100 → 50 → 100. ppy = 2, 2 returns → years = 1.
    // h = 50000/100 = 500 units each.
    // Benchmark: r^b_1 = 0.5·(+1) + 0.5·(−0.5) = 0.25; r^b_2 = 0.5·(−0.5) + 0.5·(+1) = 0.25.
    //            index 1, 1.25, 1.5625; cagr(benchmark) = 0.5625.
    const input = scenario(
      [
        [100, 100],
        [200, 50],
        [100, 100],
      ],
      { ppy: 2 },
    );

    it('none (buy-and-hold): every metric', () => {
      const r = run(input, cfg({ band: 'none' }));
      // V1 = 500·200 + 500·50 = 125000, V2 = 500·100 + 500·100 = 100000. r = 0.25, −0.2.
      expectPath(r.value, [100000, 125000, 100000]);
      expectPath(r.benchmark, [1, 1.25, 1.5625]);
      expect(tradeRows(r)).toEqual([]);
      // weights row 1: 100000/125000 = 0.8, 25000/125000 = 0.2; row 2: 0.5, 0.5
      expectPath(r.weights[1], [0.8, 0.2]);
      expectMetrics(r, {
        // active r − r^b = 0, −0.45: sample std = 0.45/√2 (two values: |a − b|/√2), ×√2 = 0.45
        trackingError: 0.45,
        maxDrawdown: 0.2, // 1 − 100000/125000
        cagr: 0, // (100000/100000)^1 − 1
        // r = 0.25, −0.2: mean 0.025, std = 0.45/√2, vol = 0.45
        volatility: 0.45,
        sharpe: (0.025 / (0.45 / Math.SQRT2)) * Math.SQRT2, // = 0.05/0.45 = 1/9
        // downside: min(r,0)² = 0, 0.04 → mean 0.02 → sqrt 0.1·√2 → 0.025/(0.1√2)·√2 = 0.25
        sortino: 0.25,
        rebalances: 0,
        turnover: 0,
        // drift ½Σ|w − w*|: row0 0, row1 ½(0.3 + 0.3) = 0.3, row2 0 → mean 0.1, max 0.3
        meanDrift: 0.1,
        maxDrift: 0.3,
        excessReturn: -0.5625, // 0 − 0.5625
        finalValue: 100000,
      });
      expectClose(r.metrics.sharpe, 1 / 9);
    });

    it('daily calendar at zero cost reproduces the benchmark', () => {
      const r = run(input, cfg({ band: 'calendar' }));
      // Row 1 is the only check (row 0 allocation, row 2 last). w = 0.8/0.2 → 0.5/0.5,
      // Σ|Δ| = 0.3 + 0.3 = 0.6, one-way 0.3. New h: A 62500/200 = 312.5, B 62500/50 = 1250.
      // V2 = 312.5·100 + 1250·100 = 31250 + 125000 = 156250 = 100000 × 1.5625.
      expect(tradeRows(r)).toEqual([1]);
      expectPath(r.value, [100000, 125000, 156250]);
      expectPath(r.weights[1], [0.5, 0.5]);
      // row 2 weights: 31250/156250 = 0.2, 125000/156250 = 0.8 → drift 0.3
      expectPath(r.weights[2], [0.2, 0.8]);
      expectPath(r.cost, [0, 0, 0]);
      expectMetrics(r, {
        trackingError: 0, // r = 0.25, 0.25 = r^b
        turnover: 0.3, // 0.3 / 1 year
        rebalances: 1,
        rebalancesPerYear: 1,
        cagr: 0.5625,
        excessReturn: 0,
        maxDrawdown: 0,
        volatility: 0, // r = 0.25, 0.25 exactly (125000/100000, 156250/125000): std 0
        meanDrift: 0.1, // (0 + 0 + 0.3)/3
        maxDrift: 0.3,
        costDrag: 0,
      });
      // mean 0.25 / std 0 → +Infinity; no downside → +Infinity (interpretation 9)
      expect(r.metrics.sharpe).toBe(Infinity);
      expect(r.metrics.sortino).toBe(Infinity);
    });

    it('years = returns/ppy divides turnover, rebalances and cost drag', () => {
      // ppy = 1 → years = 2/1 = 2.
      const r = run({ ...input, periodsPerYear: 1 }, cfg({ band: 'calendar', feeBps: 10, halfSpreadBps: 5 }));
      // c = 15/1e4 = 0.0015; Q = 125000·0.6 = 75000; C = 112.5; C/V_pre = 0.0009 = 9 bps, /2 years = 4.5
      expectMetrics(r, {
        turnover: 0.15, // 0.3 / 2
        rebalancesPerYear: 0.5, // 1 / 2
        costDrag: 4.5,
        // V_end = 124887.5 × 1.25 = 156109.375 (see next case); cagr = sqrt(1.56109375) − 1
        cagr: Math.sqrt(1.56109375) - 1,
        excessReturn: Math.sqrt(1.56109375) - Math.sqrt(1.5625), // cagr − (√1.5625 − 1) = cagr − 0.25
      });
    });

    it('proportional costs: fee + half spread on the traded notional', () => {
      const r = run(input, cfg({ band: 'calendar', feeBps: 10, halfSpreadBps: 5 }));
      // Q = V·Σ|Δ| = 125000·0.6 = 75000; C = 75000·(10 + 5)/1e4 = 112.5
      // V_post = 125000 − 112.5 = 124887.5 = 125000·(1 − 0.0015·0.6)
      // weights exactly 0.5/0.5 after the trade; V2 = 124887.5 × 1.25 = 156109.375
      expectPath(r.value, [100000, 124887.5, 156109.375]);
      expectPath(r.cost, [0, 112.5, 0]);
      expectPath(r.weights[1], [0.5, 0.5]);
      expectMetrics(r, {
        costDrag: 9, // 112.5/125000 = 0.0009 per 1 year = 9 bps
        turnover: 0.3, // unchanged by costs
        cagr: 0.56109375,
        excessReturn: 0.56109375 - 0.5625, // = −0.00140625
        // r = 0.248875, 0.25; r^b = 0.25, 0.25; active = −0.001125, 0
        // sample std = 0.001125/√2, ×√2 → 0.001125
        trackingError: 0.001125,
        finalValue: 156109.375,
      });
    });

    it('fixed fee per traded asset', () => {
      const r = run(input, cfg({ band: 'calendar', fixedFee: 10 }));
      // both assets trade (|Δ| = 0.3 each) → C = 2·10 = 20; V_post = 124980; V2 = 124980 × 1.25 = 156225
      expectPath(r.value, [100000, 124980, 156225]);
      expectPath(r.cost, [0, 20, 0]);
      expectMetrics(r, { costDrag: 1.6 /* 20/125000 = 0.00016 = 1.6 bps */, rebalances: 1 });
    });

    it('minTrade: Q equal to minTrade trades, Q below it skips the whole rebalance', () => {
      // Q = 125000·0.6 = 75000.
      const at = run(input, cfg({ band: 'calendar', minTrade: 75000 })); // 75000 < 75000 is false → trade
      expect(tradeRows(at)).toEqual([1]);
      expectPath(at.value, [100000, 125000, 156250]);
      const above = run(input, cfg({ band: 'calendar', minTrade: 75000.5, fixedFee: 3 })); // Q < minTrade → skip
      expect(tradeRows(above)).toEqual([]);
      expectPath(above.value, [100000, 125000, 100000]); // = buy-and-hold, no fixed fee charged
      expectMetrics(above, { rebalances: 0, turnover: 0, costDrag: 0 });
    });

    it('calendar with edge or inner mode trades to target (s = 0)', () => {
      for (const mode of ['edge', 'inner'] as const) {
        const r = run(input, cfg({ band: 'calendar', mode, depth: 0.5 }));
        expectPath(r.value, [100000, 125000, 156250], 1e-10, mode);
        expectPath(r.weights[1], [0.5, 0.5], 1e-10, mode);
      }
    });

    it('calendar with partial mode moves f of the way', () => {
      const r = run(input, cfg({ band: 'calendar', mode: 'partial', fraction: 0.5 }));
      // w' = w + 0.5(w* − w) = 0.8 − 0.15 = 0.65, 0.2 + 0.15 = 0.35. Σ|Δ| = 0.3 → one-way 0.15.
      // h_A = 0.65·125000/200 = 406.25; h_B = 0.35·125000/50 = 875
      // V2 = 406.25·100 + 875·100 = 40625 + 87500 = 128125
      expectPath(r.weights[1], [0.65, 0.35]);
      expectPath(r.value, [100000, 125000, 128125]);
      expectMetrics(r, { turnover: 0.15, rebalances: 1 });
    });
  });

  // ------------------------------------------------------------------ absolute band, border, modes
  describe('absolute band: border, strictness, modes', () => {
    // A: 100, 150, 160, 320; B: 100, 90, 80, 80. ppy = 3 → 3 returns = 1 year. h = 500/500.
    // row1: V = 75000 + 45000 = 120000, w_A = 75000/120000 = 0.625 exactly: |0.625 − 0.5| = 0.125 exactly
    // row2: V = 80000 + 40000 = 120000, w_A = 2/3 → deviation 1/6 > 0.125
    // row3 (last): may be out of band, never trades.
    const input = scenario(
      [
        [100, 100],
        [150, 90],
        [160, 80],
        [320, 80],
      ],
      { ppy: 3 },
    );

    it('target: a weight exactly on the border does not trade; the breach on row 2 does', () => {
      const r = run(input, cfg({ band: 'absolute', width: 0.125 }));
      // row2 target: h_A = 60000/160 = 375, h_B = 60000/80 = 750
      // row3: V = 375·320 + 750·80 = 120000 + 60000 = 180000; w_A = 2/3 (out of band, last row)
      expect(tradeRows(r)).toEqual([2]);
      expectPath(r.value, [100000, 120000, 120000, 180000]);
      expectPath(r.weights[1], [0.625, 0.375]);
      expectPath(r.weights[3], [2 / 3, 1 / 3]);
      expectMetrics(r, {
        turnover: 1 / 6, // ½(1/6 + 1/6) per 1 year
        rebalances: 1,
        cagr: 0.8, // 180000/100000 − 1
        maxDrawdown: 0,
        // drift: row0 0, row1 0.125, row2 0 (after trade), row3 1/6
        meanDrift: (0.125 + 1 / 6) / 4,
        maxDrift: 1 / 6,
      });
    });

    it('relative band with b = r·w* = 0.25·0.5 = 0.125 is also strict on the border', () => {
      const r = run(input, cfg({ band: 'relative', width: 0.25 }));
      expect(tradeRows(r)).toEqual([2]);
      expectPath(r.value, [100000, 120000, 120000, 180000]);
    });

    it('a band a hair narrower trades on row 1', () => {
      const r = run(input, cfg({ band: 'absolute', width: 0.124 }));
      // row1: 0.125 > 0.124 → target: h_A = 60000/150 = 400, h_B = 60000/90 = 666.67
      // row2: V = 400·160 + 666.67·80 = 64000 + 53333.33 = 117333.33; w_A = 0.5455 → dev 0.045 ≤ 0.124
      expect(tradeRows(r)).toEqual([1]);
      // row3: 400·320 + 666.67·80 = 128000 + 53333.33
      expectPath(r.value, [100000, 120000, 64000 + 160000 / 3, 128000 + 160000 / 3]);
    });

    it('edge: stops at the border', () => {
      const r = run(input, cfg({ band: 'absolute', width: 0.125, mode: 'edge' }));
      // s = b/|w − w*| = 0.125/(1/6) = 0.75 → w'_A = 0.5 + 0.75·(1/6) = 0.625, w'_B = 0.375
      // one-way = ½(|0.625 − 2/3| + |0.375 − 1/3|) = 1/24
      // h_A = 0.625·120000/160 = 468.75, h_B = 0.375·120000/80 = 562.5
      // row3: 468.75·320 + 562.5·80 = 150000 + 45000 = 195000
      expect(tradeRows(r)).toEqual([2]);
      expectPath(r.weights[2], [0.625, 0.375]);
      expectPath(r.value, [100000, 120000, 120000, 195000]);
      expectMetrics(r, { turnover: 1 / 24, rebalances: 1, maxDrift: 150000 / 195000 - 0.5 });
    });

    it('inner (q = 0.5): halfway from target to the border', () => {
      const r = run(input, cfg({ band: 'absolute', width: 0.125, mode: 'inner', depth: 0.5 }));
      // w'_A = 0.5 + 0.5·0.75·(1/6) = 0.5625, w'_B = 0.4375; one-way = 2/3 − 0.5625 = 5/48
      // h_A = 0.5625·120000/160 = 421.875, h_B = 0.4375·120000/80 = 656.25
      // row3: 421.875·320 + 656.25·80 = 135000 + 52500 = 187500
      expectPath(r.weights[2], [0.5625, 0.4375]);
      expectPath(r.value, [100000, 120000, 120000, 187500]);
      expectMetrics(r, { turnover: 5 / 48 });
    });

    it('partial (f = 0.5): half of the way back to target', () => {
      const r = run(input, cfg({ band: 'absolute', width: 0.125, mode: 'partial', fraction: 0.5 }));
      // w'_A = 2/3 + 0.5·(0.5 − 2/3) = 7/12, w'_B = 5/12; one-way = 2/3 − 7/12 = 1/12
      // h_A = (7/12)·120000/160 = 437.5, h_B = (5/12)·120000/80 = 625
      // row3: 437.5·320 + 625·80 = 140000 + 50000 = 190000
      expectPath(r.weights[2], [7 / 12, 5 / 12]);
      expectPath(r.value, [100000, 120000, 120000, 190000]);
      expectMetrics(r, { turnover: 1 / 12 });
    });

    it('partial with f = 1 is target', () => {
      const r = run(input, cfg({ band: 'absolute', width: 0.125, mode: 'partial', fraction: 1 }));
      expectPath(r.value, [100000, 120000, 120000, 180000]);
    });
  });

  // ------------------------------------------------------------------ three assets: relative, hybrid
  describe('three assets, targets 0.5/0.25/0.25: relative and hybrid bands', () => {
    // h = 50000/100 = 500, 25000/100 = 250, 250.
    // row1 [140, 60, 60]: V = 70000 + 15000 + 15000 = 100000, w = 0.7, 0.15, 0.15 → |dev| = 0.2, 0.1, 0.1
    // row2 [100, 152, 48] (if no trade on row 1): V = 50000 + 38000 + 12000 = 100000,
    //      w = 0.5, 0.38, 0.12 → |dev| = 0, 0.13, 0.13
    // row3 [200, 152, 96]: last row.
    const targets = [0.5, 0.25, 0.25];
    const input = scenario(
      [
        [100, 100, 100],
        [140, 60, 60],
        [100, 152, 48],
        [200, 152, 96],
      ],
      { targets, ppy: 3 },
    );

    it('relative r = 0.5: b = 0.25, 0.125, 0.125 → no trade on row 1, trade on row 2', () => {
      const r = run(input, cfg({ band: 'relative', width: 0.5 }));
      // row1: 0.2 ≤ 0.25, 0.1 ≤ 0.125 → none. row2: 0.13 > 0.125 → trade to target.
      // h = 50000/100 = 500, 25000/152, 25000/48 → row3: 500·200 + 25000 + 25000·96/48 = 100000 + 25000 + 50000
      expect(tradeRows(r)).toEqual([2]);
      expectPath(r.value, [100000, 100000, 100000, 175000]);
      expectMetrics(r, { turnover: 0.13 /* ½(0 + 0.13 + 0.13) */, rebalances: 1 });
    });

    it('relative edge: s = min over assets with w ≠ w* (A is exactly on target and skipped)', () => {
      const r = run(input, cfg({ band: 'relative', width: 0.5, mode: 'edge' }));
      // s = min(0.125/0.13, 0.125/0.13) → w' = 0.5, 0.25 + 0.125 = 0.375, 0.25 − 0.125 = 0.125
      // one-way = ½(0.005 + 0.005) = 0.005
      // h = 500, 37500/152, 12500/48 → row3: 100000 + 37500 + 25000 = 162500
      expectPath(r.weights[2], [0.5, 0.375, 0.125]);
      expectPath(r.value, [100000, 100000, 100000, 162500]);
      expectMetrics(r, { turnover: 0.005 });
    });

    it('absolute a = 0.15 trades on row 1; a = 0.21 never', () => {
      // a = 0.15: row1 A 0.2 > 0.15 → trade. After target at row1: h = 50000/140, 25000/60, 25000/60;
      //   row2 V = 35714.29 + 63333.33 + 20000 = 119047.62, w = 0.3, 0.532, 0.168 → trade again.
      expect(tradeRows(run(input, cfg({ band: 'absolute', width: 0.15 })))).toEqual([1, 2]);
      // a = 0.21: row1 max dev 0.2 ≤ 0.21; row2 max dev 0.13 ≤ 0.21 → never
      const never = run(input, cfg({ band: 'absolute', width: 0.21 }));
      expect(tradeRows(never)).toEqual([]);
      // buy-and-hold row3: 500·200 + 250·152 + 250·96 = 100000 + 38000 + 24000 = 162000
      expectPath(never.value, [100000, 100000, 100000, 162000]);
    });

    it('hybrid: b_i = min(a, r·w*_i) — absolute part binds for A, relative part for B and C', () => {
      // (a, r) = (0.15, 0.5): b = min(0.15, 0.25) = 0.15, min(0.15, 0.125) = 0.125, 0.125
      //   row1: A 0.2 > 0.15 → trade (then row2 as for absolute 0.15 → trade)
      expect(tradeRows(run(input, cfg({ band: 'hybrid', width: 0.15, relWidth: 0.5 })))).toEqual([1, 2]);
      // (a, r) = (0.21, 0.5): b = 0.21, 0.125, 0.125
      //   row1: 0.2 ≤ 0.21, 0.1 ≤ 0.125 → none; row2: 0.13 > 0.125 → trade (unlike absolute 0.21 alone)
      const r = run(input, cfg({ band: 'hybrid', width: 0.21, relWidth: 0.5 }));
      expect(tradeRows(r)).toEqual([2]);
      expectPath(r.value, [100000, 100000, 100000, 175000]); // as relative 0.5 target
      // (a, r) = (0.21, 1): b = min(0.21, 0.5) = 0.21, min(0.21, 0.25) = 0.21 → never
      expect(tradeRows(run(input, cfg({ band: 'hybrid', width: 0.21, relWidth: 1 })))).toEqual([]);
    });

    it('fixed fee is charged per asset actually traded (A unchanged is free)', () => {
      const r = run(input, cfg({ band: 'relative', width: 0.5, fixedFee: 7 }));
      // row2 target: Δ = 0 (A: 0.5 → 0.5), 0.13, 0.13 → 2 assets → C = 14; V_post = 99986
      // row3 = 99986 × (0.5·200/100 + 0.25·152/152 + 0.25·96/48) = 99986 × 1.75 = 174975.5
      expectPath(r.cost, [0, 0, 14, 0]);
      expectPath(r.value, [100000, 100000, 99986, 174975.5]);
      expectMetrics(r, { costDrag: 1.4 /* 14/100000 = 0.00014 per year = 1.4 bps */ });
    });
  });

  // ------------------------------------------------------------------ drift band
  describe('drift band (portfolio level), targets 0.5/0.25/0.25', () => {
    // h = 500, 250, 250.
    // row1 [125, 75, 75]: V = 62500 + 18750 + 18750 = 100000, w = 0.625, 0.1875, 0.1875 (exact binary)
    //      D = ½(0.125 + 0.0625 + 0.0625) = 0.125 exactly
    // row2 [150, 50, 50]: V = 75000 + 12500 + 12500 = 100000, w = 0.75, 0.125, 0.125 → D = ½(0.25 + 0.125 + 0.125) = 0.25
    // row3 [150, 100, 50]: last.
    const targets = [0.5, 0.25, 0.25];
    const input = scenario(
      [
        [100, 100, 100],
        [125, 75, 75],
        [150, 50, 50],
        [150, 100, 50],
      ],
      { targets, ppy: 3 },
    );

    it('D exactly d does not trade; D = 0.25 > 0.125 does (target)', () => {
      const r = run(input, cfg({ band: 'drift', width: 0.125 }));
      // target at row2: h = 50000/150, 25000/50 = 500, 500 → row3: 50000 + 50000 + 25000 = 125000
      expect(tradeRows(r)).toEqual([2]);
      expectPath(r.value, [100000, 100000, 100000, 125000]);
      // drift: row0 0, row1 0.125, row2 0 (after trade),
      //        row3 w = (50000, 50000, 25000)/125000 = 0.4, 0.4, 0.2 → ½(0.1 + 0.15 + 0.05) = 0.15
      expectMetrics(r, {
        turnover: 0.25, // ½Σ|Δ| = D = 0.25, 1 year
        rebalances: 1,
        maxDrift: 0.15,
        meanDrift: (0.125 + 0.15) / 4,
      });
    });

    it('d a hair below the border trades on row 1', () => {
      expect(tradeRows(run(input, cfg({ band: 'drift', width: 0.1249 }))).slice(0, 1)).toEqual([1]);
    });

    it('edge: s = d/D = 0.5', () => {
      const r = run(input, cfg({ band: 'drift', width: 0.125, mode: 'edge' }));
      // w' = w* + 0.5·(w − w*) = 0.625, 0.1875, 0.1875; one-way = ½(0.125 + 0.0625 + 0.0625) = 0.125
      // h = 62500/150, 18750/50 = 375, 375 → row3: 62500 + 37500 + 18750 = 118750
      expectPath(r.weights[2], [0.625, 0.1875, 0.1875]);
      expectPath(r.value, [100000, 100000, 100000, 118750]);
      // drift row3: Σ|dev| = |62500 − 59375| + |37500 − 29687.5| + |18750 − 29687.5| = 3125 + 7812.5 + 10937.5
      //             = 21875 → /118750 /2 = 0.0921053. Rows: 0, 0.125, 0.125 (post-trade), 0.0921053
      expectMetrics(r, { turnover: 0.125, maxDrift: 0.125, meanDrift: (0.125 + 0.125 + 21875 / 118750 / 2) / 4 });
    });

    it("inner q = 0.5: w' = w* + 0.25·(w − w*)", () => {
      const r = run(input, cfg({ band: 'drift', width: 0.125, mode: 'inner', depth: 0.5 }));
      // w' = 0.5625, 0.21875, 0.21875; one-way = ½(0.1875 + 0.09375 + 0.09375) = 0.1875
      // h = 56250/150 = 375, 21875/50 = 437.5, 437.5 → row3: 56250 + 43750 + 21875 = 121875
      expectPath(r.weights[2], [0.5625, 0.21875, 0.21875]);
      expectPath(r.value, [100000, 100000, 100000, 121875]);
      expectMetrics(r, { turnover: 0.1875 });
    });

    it('absolute a = 0.125 on the same path: edge s = min(0.125/0.25, 0.125/0.125, 0.125/0.125) = 0.5', () => {
      const r = run(input, cfg({ band: 'absolute', width: 0.125, mode: 'edge' }));
      expect(tradeRows(r)).toEqual([2]); // row1: A dev exactly 0.125 → no trade
      expectPath(r.value, [100000, 100000, 100000, 118750]);
    });
  });

  // ------------------------------------------------------------------ volatility band, lookback 2
  describe('volatility band with lookback 2', () => {
    // rows: 0 [400, 50] (before the lookback window, unused), 1 [100, 100], 2 [200, 125], 3 [100, 100], 4 [150, 100]
    // start = lookback = 2 → window rows 2, 3, 4; the only check day is row 3. ppy = 2.
    // σ at row 3 uses log returns of rows 1→2 and 2→3:
    //   A: ln 2, −ln 2 → mean 0, sample var 2(ln 2)²/1 → std √2·ln 2, ×√2 → σ_A = 2 ln 2 = 1.386
    //   B: ln 1.25, −ln 1.25 → σ_B = 2 ln 1.25 = 0.4463
    // Row 2: h_A = 50000/200 = 250, h_B = 50000/125 = 400.
    // Row 3: V = 250·100 + 400·100 = 65000, w = 5/13, 8/13 → |dev| = 1.5/13 = 0.11538
    // b_i = k·σ_i·w*_i = k·σ_i·0.5: b_A = k·ln 2, b_B = k·ln 1.25
    const input = scenario(
      [
        [400, 50],
        [100, 100],
        [200, 125],
        [100, 100],
        [150, 100],
      ],
      { ppy: 2 },
    );

    it('k = 0.3: b_B = 0.3·ln 1.25 = 0.0669 < 0.1154 → B breaches (b_A = 0.208 does not)', () => {
      const r = run(input, cfg({ band: 'volatility', width: 0.3, lookback: 2 }));
      expect(r.value.length).toBe(3); // default start = lookback = 2
      expect(tradeRows(r)).toEqual([1]); // window row 1 = matrix row 3
      // target: h = 32500/100 = 325 each → row 4: 325·150 + 325·100 = 48750 + 32500 = 81250
      expectPath(r.value, [100000, 65000, 81250]);
      expectMetrics(r, {
        turnover: 1.5 / 13 / 1, // one-way ½(2·1.5/13), years = 2/2 = 1
        cagr: 0.8125 - 1, // 81250/100000 − 1
        maxDrawdown: 0.35, // 1 − 65000/100000
      });
    });

    it('k = 0.6: b_B = 0.6·ln 1.25 = 0.1339 ≥ 0.1154, b_A = 0.416 → no trade', () => {
      const r = run(input, cfg({ band: 'volatility', width: 0.6, lookback: 2 }));
      expect(tradeRows(r)).toEqual([]);
      expectPath(r.value, [100000, 65000, 77500]); // 250·150 + 400·100 = 37500 + 40000
    });

    it("edge: w'_B = 0.5 + b_B = 0.5 + 0.3·ln 1.25", () => {
      const r = run(input, cfg({ band: 'volatility', width: 0.3, lookback: 2, mode: 'edge' }));
      // s = min(b_A, b_B)/0.11538 = b_B/|dev| → w' = w* + s·dev: A 0.5 − 0.3 ln 1.25, B 0.5 + 0.3 ln 1.25
      // row4 = 65000·(w'_A·150/100 + w'_B·100/100) = 65000·(1.25 − 0.15 ln 1.25)
      const x = 0.3 * Math.log(1.25);
      expectPath(r.weights[1], [0.5 - x, 0.5 + x]);
      expectPath(r.value, [100000, 65000, 65000 * (1.25 - 0.15 * Math.log(1.25))]);
      expectMetrics(r, { turnover: 1.5 / 13 - x /* one-way = |5/13 − (0.5 − x)| = 1.5/13 − x */ });
    });

    it('an explicit later start shortens the window (start = 3 → no check day left)', () => {
      const r = run({ ...input, start: 3 }, cfg({ band: 'volatility', width: 0.3, lookback: 2 }));
      // window rows 3, 4: row 3 is the allocation, row 4 the last → nothing can trade
      expect(tradeRows(r)).toEqual([]);
      // h = 50000/100 = 500 each → row4 = 500·150 + 500·100 = 125000
      expectPath(r.value, [100000, 125000]);
    });
  });

  // ------------------------------------------------------------------ risk band, lookback 2
  describe('risk band (ex-ante tracking error) with lookback 2', () => {
    // Same prices as the volatility case; check day row 3, w = 5/13, 8/13, d = w − w* = −1.5/13, +1.5/13.
    // Simple returns rows 1→2 and 2→3: A: +1, −0.5; B: +0.25, −0.2.
    //   var_A = (0.75² + 0.75²)/1 = 1.125; var_B = (0.225² + 0.225²)/1 = 0.10125;
    //   cov = (0.75·0.225 + (−0.75)(−0.225))/1 = 0.3375
    //   dᵀΣd = (1.5/13)²·(1.125 + 0.10125 − 2·0.3375) = (1.5/13)²·0.55125
    //   TE = sqrt(dᵀΣd·ppy) = (1.5/13)·sqrt(1.1025) = (1.5/13)·1.05 = 0.121154
    const input = scenario(
      [
        [400, 50],
        [100, 100],
        [200, 125],
        [100, 100],
        [150, 100],
      ],
      { ppy: 2 },
    );

    it('τ = 0.12 < 0.121154 trades; τ = 0.125 does not', () => {
      const r = run(input, cfg({ band: 'risk', width: 0.12, lookback: 2 }));
      expect(tradeRows(r)).toEqual([1]);
      expectPath(r.value, [100000, 65000, 81250]); // as the volatility target case
      expect(tradeRows(run(input, cfg({ band: 'risk', width: 0.125, lookback: 2 })))).toEqual([]);
    });

    it('edge: s = τ/TE, so TE after the trade is τ', () => {
      const r = run(input, cfg({ band: 'risk', width: 0.1, lookback: 2, mode: 'edge' }));
      // s·|d| = (τ/(1.05|d|))·|d| = 0.1/1.05 → w' = 0.5 − 0.1/1.05, 0.5 + 0.1/1.05
      // row4 = 65000·(1.5·w'_A + w'_B) = 65000·(1.25 − 0.5·0.1/1.05)
      const x = 0.1 / 1.05;
      expectPath(r.weights[1], [0.5 - x, 0.5 + x]);
      expectPath(r.value, [100000, 65000, 65000 * (1.25 - 0.5 * x)]);
    });

    it('inner q = 0.5 on the risk band', () => {
      const r = run(input, cfg({ band: 'risk', width: 0.1, lookback: 2, mode: 'inner', depth: 0.5 }));
      // w' = w* + 0.5·s·d → A 0.5 − 0.05/1.05
      const x = 0.05 / 1.05;
      expectPath(r.weights[1], [0.5 - x, 0.5 + x]);
    });
  });

  // ------------------------------------------------------------------ check schedules
  describe('check schedules (calendar band, constant prices: every check is a zero-turnover rebalance)', () => {
    const flat = (dates: string[]) =>
      scenario(
        dates.map(() => [100, 100]),
        { dates, ppy: 252 },
      );

    it('daily: every row but the first and the last', () => {
      const r = run(flat(['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-04']), cfg({ band: 'calendar' }));
      expect(tradeRows(r)).toEqual([1, 2]);
      // zero movement still counts (design §3): rebalances 2, turnover 0, value unchanged
      expectMetrics(r, { rebalances: 2, turnover: 0, costDrag: 0, finalValue: 100000 });
    });

    it('zero-movement calendar rebalances pay no fixed fee (|Δ| ≤ 1e-12) and are skipped by any minTrade > 0', () => {
      const dates = ['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-04'];
      const fee = run(flat(dates), cfg({ band: 'calendar', fixedFee: 5 }));
      expect(tradeRows(fee)).toEqual([1, 2]);
      expectPath(fee.cost, [0, 0, 0, 0]);
      expectPath(fee.value, [100000, 100000, 100000, 100000]);
      const skip = run(flat(dates), cfg({ band: 'calendar', minTrade: 1 })); // Q = 0 < 1
      expect(tradeRows(skip)).toEqual([]);
      expectMetrics(skip, { rebalances: 0 });
    });

    it('weekly: last trading day of each ISO week (Monday–Sunday)', () => {
      // 2024-01-01 is a Monday. Rows: 0 Fri 01-05, 1 Sat 01-06, 2 Sun 01-07, 3 Mon 01-08, 4 Wed 01-10,
      // 5 Fri 01-12, 6 Mon 01-15, 7 Tue 01-16 (last).
      // Week changes between rows 2→3 (Sun→Mon) and 5→6 (Fri→Mon) → checks on rows 2 and 5.
      // (A Sunday-start week would pick Saturday, row 1, instead.)
      const dates = ['2024-01-05', '2024-01-06', '2024-01-07', '2024-01-08', '2024-01-10', '2024-01-12', '2024-01-15', '2024-01-16'];
      expect(tradeRows(run(flat(dates), cfg({ band: 'calendar', check: 'weekly' })))).toEqual([2, 5]);
    });

    it('weekly across New Year: 2024-12-30 (Mon) and 2025-01-02 (Thu) share an ISO week', () => {
      // rows: 0 Fri 2024-12-27, 1 Mon 12-30, 2 Thu 2025-01-02, 3 Fri 01-03, 4 Mon 01-06 (last)
      // week changes only between rows 3→4 → check on row 3. Monthly: row 1 (Dec → Jan).
      const dates = ['2024-12-27', '2024-12-30', '2025-01-02', '2025-01-03', '2025-01-06'];
      expect(tradeRows(run(flat(dates), cfg({ band: 'calendar', check: 'weekly' })))).toEqual([3]);
      expect(tradeRows(run(flat(dates), cfg({ band: 'calendar', check: 'monthly' })))).toEqual([1]);
      expect(tradeRows(run(flat(dates), cfg({ band: 'calendar', check: 'yearly' })))).toEqual([1]);
    });

    it('monthly: last trading day of each month; the first row is never a check', () => {
      // rows: 0 01-31 (a month end but the allocation row), 1 02-01, 2 02-29, 3 03-01, 4 03-28, 5 03-29, 6 04-01 (last)
      // month changes 2→3 (Feb→Mar) and 5→6 (Mar→Apr) → checks on rows 2, 5
      const dates = ['2024-01-31', '2024-02-01', '2024-02-29', '2024-03-01', '2024-03-28', '2024-03-29', '2024-04-01'];
      const r = run(flat(dates), cfg({ band: 'calendar', check: 'monthly' }));
      expect(tradeRows(r)).toEqual([2, 5]);
      expectMetrics(r, { rebalances: 2 });
    });

    it('quarterly vs monthly on the same dates', () => {
      // rows: 0 03-28, 1 03-29, 2 04-01, 3 05-31, 4 06-03, 5 06-28, 6 07-01, 7 07-02 (last)
      // quarter changes 1→2 (Q1→Q2) and 5→6 (Q2→Q3) → rows 1, 5
      // month changes 1→2 (Mar→Apr), 2→3 (Apr→May), 3→4 (May→Jun), 5→6 (Jun→Jul) → rows 1, 2, 3, 5
      const dates = ['2024-03-28', '2024-03-29', '2024-04-01', '2024-05-31', '2024-06-03', '2024-06-28', '2024-07-01', '2024-07-02'];
      expect(tradeRows(run(flat(dates), cfg({ band: 'calendar', check: 'quarterly' })))).toEqual([1, 5]);
      expect(tradeRows(run(flat(dates), cfg({ band: 'calendar', check: 'monthly' })))).toEqual([1, 2, 3, 5]);
    });

    it('yearly: last trading day of each year; a year end on the last row never trades', () => {
      // rows: 0 2023-12-28, 1 2023-12-29, 2 2024-01-02, 3 2024-06-28, 4 2024-12-31, 5 2025-01-02, 6 2025-12-31 (last)
      // year changes 1→2 and 4→5 → rows 1, 4; row 6 is a year end but the last row
      const dates = ['2023-12-28', '2023-12-29', '2024-01-02', '2024-06-28', '2024-12-31', '2025-01-02', '2025-12-31'];
      expect(tradeRows(run(flat(dates), cfg({ band: 'calendar', check: 'yearly' })))).toEqual([1, 4]);
    });

    it('integer n counts rows from the window start', () => {
      const dates8 = ['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-04', '2024-01-05', '2024-01-06', '2024-01-07', '2024-01-08'];
      // start 0, T = 8: (t − 0) % 2 == 0 and 0 < t < 7 → t = 2, 4, 6
      expect(tradeRows(run(flat(dates8), cfg({ band: 'calendar', check: 2 })))).toEqual([2, 4, 6]);
      // n = 3: t = 3, 6
      expect(tradeRows(run(flat(dates8), cfg({ band: 'calendar', check: 3 })))).toEqual([3, 6]);
      // start 1 (explicit): (t − 1) % 2 == 0 and 1 < t < 7 → t = 3, 5 → window rows 2, 4
      expect(tradeRows(run({ ...flat(dates8), start: 1 }, cfg({ band: 'calendar', check: 2 })))).toEqual([2, 4]);
      // n = 1 is daily
      expect(tradeRows(run(flat(dates8), cfg({ band: 'calendar', check: 1 })))).toEqual([1, 2, 3, 4, 5, 6]);
    });

    it('a band breach off the check day waits for the check day', () => {
      // absolute 0.05, check every 2 rows. A: 100, 150, 150, 150, 150; B: 100 constant. ppy 252.
      // row1: w_A = 75000/125000 = 0.6, dev 0.1 > 0.05 → breach, but row 1 is no check (1 % 2 ≠ 0);
      // row2 (check): still 0.6 → trade; row 3 not a check; row 4 last.
      const r = run(
        scenario([
          [100, 100],
          [150, 100],
          [150, 100],
          [150, 100],
          [150, 100],
        ]),
        cfg({ band: 'absolute', width: 0.05, check: 2 }),
      );
      expect(tradeRows(r)).toEqual([2]);
    });
  });

  // ------------------------------------------------------------------ zero movement with moving prices
  describe('zero movement while prices move', () => {
    it('every asset ×1.1: weights stay exactly on target, calendar rebalances have zero turnover and no fixed fee', () => {
      // targets 0.3/0.7, prices 100 → 110 → 121 (both assets): h = 30000/100 = 300, 70000/100 = 700
      // row1: V = 33000 + 77000 = 110000, w = 33000/110000 = 0.3, 77000/110000 = 0.7 (correctly rounded = the literals)
      // row2 (last): V = 300·121 + 700·121 = 121000. Calendar check on row 1: Σ|w' − w| = 0 → Q = 0 →
      // a rebalance event (minTrade 0), turnover 0, fixed fee charged on #{|Δ| > 1e-12} = 0 assets.
      const input = scenario(
        [
          [100, 100],
          [110, 110],
          [121, 121],
        ],
        { targets: [0.3, 0.7], ppy: 2 },
      );
      const r = run(input, cfg({ band: 'calendar', fixedFee: 5 }));
      expect(tradeRows(r)).toEqual([1]);
      expectPath(r.weights[1], [0.3, 0.7]);
      expectPath(r.value, [100000, 110000, 121000]);
      expect(r.metrics.turnover).toBe(0);
      expect(r.metrics.costDrag).toBe(0);
      expectMetrics(r, { rebalances: 1, meanDrift: 0, maxDrift: 0, trackingError: 0, excessReturn: 0 });
    });
  });

  // ------------------------------------------------------------------ degenerate: fixed fees larger than the portfolio
  describe('fixed fees larger than the portfolio (V goes negative; the design does not forbid it)', () => {
    it('drift metrics are ½Σ|w − w*| of the reported weights, never negative', () => {
      // capital 100, fixedFee 60 per asset, daily calendar, ppy 3. Prices A: 100, 200, 100, 200; B: 100 throughout.
      // row1: h = 0.5, 0.5 → V = 100 + 50 = 150, w = 2/3, 1/3 → both trade: C = 120 → V = 30
      //       h = 15/200 = 0.075, 15/100 = 0.15
      // row2: V = 7.5 + 15 = 22.5, w = 1/3, 2/3 → trade: C = 120 → V = −97.5; h = 0.5·(−97.5)/100 = −0.4875 each
      // row3 (last): V = −0.4875·200 − 0.4875·100 = −146.25; w = −97.5/−146.25 = 2/3, 1/3 → drift 1/6
      // drift rows 0, 0, 0, 1/6 → meanDrift 1/24, maxDrift 1/6
      const input = scenario(
        [
          [100, 100],
          [200, 100],
          [100, 100],
          [200, 100],
        ],
        { ppy: 3, initialCapital: 100 },
      );
      const r = run(input, cfg({ band: 'calendar', fixedFee: 60 }));
      expectPath(r.value, [100, 30, -97.5, -146.25]);
      expectPath(r.weights[3], [2 / 3, 1 / 3]);
      expectMetrics(r, { meanDrift: 1 / 24, maxDrift: 1 / 6, rebalances: 2, turnover: 1 / 3 /* (1/6 + 1/6)/1 */ });
    });
  });

  // ------------------------------------------------------------------ inputs outside the design
  describe('inputs the design leaves undefined are rejected', () => {
    const input = scenario([
      [100, 100],
      [110, 95],
      [120, 90],
      [100, 100],
      [130, 80],
      [90, 110],
    ]);
    it('lookback 1 (a sample std of one return is undefined)', () => {
      expect(() => run(input, cfg({ band: 'volatility', width: 0.1, lookback: 1 }))).toThrow();
      expect(() => run(input, cfg({ band: 'risk', width: 0.1, lookback: 1 }))).toThrow();
    });
    it('an explicit start before the warm-up ends (start < lookback)', () => {
      expect(() => run({ ...input, start: 2 }, cfg({ band: 'volatility', width: 0.1, lookback: 3 }))).toThrow();
    });
    it('a window of a single row (no return at all)', () => {
      expect(() => run({ ...input, start: 5 }, cfg({ band: 'calendar' }))).toThrow();
    });
  });

  // ------------------------------------------------------------------ cooldown
  describe('cooldown', () => {
    // A alternates 100, 110, 100, 110, …; B stays at 100: every daily check has a non-zero trade.
    // T = 8 → check rows 1..6.
    const rows = [0, 1, 2, 3, 4, 5, 6, 7].map((t) => [t % 2 === 0 ? 100 : 110, 100]);
    const input = scenario(rows);

    it('cooldown 0, 1, 2, 5', () => {
      expect(tradeRows(run(input, cfg({ band: 'calendar' })))).toEqual([1, 2, 3, 4, 5, 6]);
      // c = 1: trade at 1; 2 − 1 = 1 ≤ 1 blocked; 3 − 1 = 2 > 1 ok; 4 blocked; 5 ok; 6 blocked
      expect(tradeRows(run(input, cfg({ band: 'calendar', cooldown: 1 })))).toEqual([1, 3, 5]);
      // c = 2: 1; 2, 3 blocked (1, 2 ≤ 2); 4 ok (3 > 2); 5, 6 blocked
      expect(tradeRows(run(input, cfg({ band: 'calendar', cooldown: 2 })))).toEqual([1, 4]);
      // c = 5: 1; next allowed t − 1 > 5 → t ≥ 7, the last row → none
      expect(tradeRows(run(input, cfg({ band: 'calendar', cooldown: 5 })))).toEqual([1]);
    });

    it('cooldown applies to band trades too', () => {
      // absolute 0.01, no cooldown: row1 (A 110): w_A = 55000/105000 = 0.5238 > 0.51 → trade;
      //   every later row A flips between 100 and 110 relative to the last trade → |dev| ≈ 0.024 → trade.
      expect(tradeRows(run(input, cfg({ band: 'absolute', width: 0.01 })))).toEqual([1, 2, 3, 4, 5, 6]);
      // c = 1: trade row1 (at A = 110); row2 blocked; row3 A = 110 again, the price of the last trade →
      //   w back at 0.5 → no breach; row4 (A = 100): w_A = 0.4762 → breach, 4 − 1 = 3 > 1 → trade;
      //   row5 blocked; row6 A = 100 as at the last trade → no breach.
      expect(tradeRows(run(input, cfg({ band: 'absolute', width: 0.01, cooldown: 1 })))).toEqual([1, 4]);
    });

    it('a rebalance skipped by minTrade does not start a cooldown', () => {
      // rows: 0 [100,100], 1 [100,100] (no move: Q = 0 < minTrade 1 → skipped, not a trade),
      //       2 [110,100] (trade: Q = 105000·2·(55000/105000 − 0.5) = 5000), 3 [100,100] (3 − 2 = 1 ≤ 1 blocked),
      //       4 [120,100] (w_A ≠ 0.5 → Q ≫ 1, 4 − 2 = 2 > 1 → trade), 5 last.
      // Had row 1 counted, row 2 would be blocked and row 3 would trade.
      const r = run(
        scenario([
          [100, 100],
          [100, 100],
          [110, 100],
          [100, 100],
          [120, 100],
          [100, 100],
        ]),
        cfg({ band: 'calendar', cooldown: 1, minTrade: 1 }),
      );
      expect(tradeRows(r)).toEqual([2, 4]);
      expectMetrics(r, { rebalances: 2 });
    });

    it('a zero-turnover calendar rebalance is a rebalance event, so it starts the cooldown', () => {
      // rows: 0 [100,100], 1 [100,100] (zero movement, minTrade 0 → event), 2 [110,100] (blocked, 2 − 1 = 1),
      //       3 [100,100] (3 − 1 = 2 > 1 → event), 4 [110,100] (blocked), 5 last.
      const r = run(
        scenario([
          [100, 100],
          [100, 100],
          [110, 100],
          [100, 100],
          [110, 100],
          [100, 100],
        ]),
        cfg({ band: 'calendar', cooldown: 1 }),
      );
      expect(tradeRows(r)).toEqual([1, 3]);
    });
  });
});
