/**
 * The volatility band's minimum width (issue 16): b_i = max(minWidth, k·σ_i,t·w*_i). Without it
 * a zero-return asset (T-bills at a zero rate, a stablecoin) has σ = 0, a zero-width band, and
 * trades at every check. Hand-worked; every kernel path (readable, generated) and the reference.
 */
import { describe, expect, it } from 'vitest';
import { parseBand } from '../../src/cli/spec.js';
import { IMPLS, cfg, kernelMetrics, scenario, tradeRows } from './helpers.js';
import { makeSpace, allConfigs } from '../search/helpers.js';
import type { Config } from '../../src/policy/types.js';
import type { PlainInput } from '../reference/plain.js';

const fastRebalances = (input: PlainInput, config: Config): number => kernelMetrics(input, config).rebalances;

// Columns: BILL (price 100 on every row: zero returns) and STOCK; targets ½/½; lookback 2, so the
// window starts at row 2 and the check rows are 3, 4, 5 (row 6 is the last and never trades).
// STOCK: 100, 110, 100, 101, 100, 101, 100.
// σ of BILL = 0 on every row → b_BILL = k·0·½ = 0. σ of STOCK over any two of its returns
// (ln 1.1, ln(1/1.1), ln 1.01, ln(1/1.01)) is at least |2·ln 1.01|/√2 = 0.01407 a day, ×√252 =
// 0.2234 a year → b_STOCK ≥ 1·0.2234·½ = 0.1117, far above any drift here.
const input = scenario(
  [
    [100, 100],
    [100, 110],
    [100, 100],
    [100, 101],
    [100, 100],
    [100, 101],
    [100, 100],
  ],
  { start: 2 },
);
const vol = (minWidth?: number): Config => cfg({ band: 'volatility', width: 1, lookback: 2, mode: 'target', ...(minWidth === undefined ? {} : { minWidth }) });

describe.each(IMPLS)('minimum volatility width: %s', (_name, run) => {
  it('a zero-return asset without a minimum width trades at every check', () => {
    // Row 3: STOCK 100 → 101: w_BILL = 100/201 = 0.4975, |dev| = 0.0025 > b_BILL = 0 → trade.
    // Row 4: STOCK back to 100 after the trade (equal values at 101): w_BILL = 1/(1 + 100/101)
    //   = 0.5025 → |dev| > 0 → trade. Row 5: STOCK 101 again: the same as row 3 → trade.
    // Three checks, three rebalances (window rows 1, 2, 3).
    const r = run(input, vol());
    expect(tradeRows(r)).toEqual([1, 2, 3]);
    expect(fastRebalances(input, vol())).toBe(3);
  });

  it('with minWidth 0.01 it no longer trades: every |w − ½| here is ≤ 0.0025', () => {
    // b_BILL = max(0.01, 0) = 0.01; b_STOCK = max(0.01, ≥ 0.1117). Untraded, the weights are
    // 100/201 = 0.4975 (rows 3, 5) or ½ exactly (row 4): |dev| ≤ 0.0025 < 0.01 → no trade.
    const r = run(input, vol(0.01));
    expect(tradeRows(r)).toEqual([]);
    expect(r.metrics.rebalances).toBe(0);
    expect(fastRebalances(input, vol(0.01))).toBe(0);
  });

  it('a minimum width below the drift still lets it trade', () => {
    // minWidth 0.002 < 0.0025: row 3 breaches (0.0025 > 0.002) → trade to ½/½; row 4: w_BILL =
    // 0.5025 → 0.0025 > 0.002 → trade; row 5 → trade. Still three.
    expect(tradeRows(run(input, vol(0.002)))).toEqual([1, 2, 3]);
    expect(fastRebalances(input, vol(0.002))).toBe(3);
  });
});

describe('minWidth in the CLI form and the experiment', () => {
  it('--band volatility:K,LOOKBACK,MIN', () => {
    expect(parseBand('volatility:1.5,60,0.005')).toEqual({ band: 'volatility', width: 1.5, lookback: 60, minWidth: 0.005 });
    expect(parseBand('volatility:1.5,60')).toEqual({ band: 'volatility', width: 1.5, lookback: 60 });
    expect(() => parseBand('volatility:1.5,60,2')).toThrow(/minimum width 2 must be in \[0, 1\]/);
  });

  it('space.bands.volatility.minWidth is a searched dimension', () => {
    const s = makeSpace({ bands: { volatility: { width: [1], lookback: [20], minWidth: [0, 0.01] } } });
    expect(allConfigs(s).map((c) => c.minWidth)).toEqual([0, 0.01]);
    expect(() => makeSpace({ bands: { volatility: { width: [1], lookback: [20], minWidth: [-0.1] } } })).toThrow(/minWidth.*\[0, 1\]/);
  });
});
