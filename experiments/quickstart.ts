/**
 * Quick start: a four-asset ETF portfolio (stocks, long bonds, gold, short bonds), daily
 * prices from 2004-11-18 (the first day all four trade) to 2023-04-21.
 *
 * It compares per-asset absolute and relative bands, checked daily, weekly or monthly, trading
 * back to target or only to the band's edge, at a realistic retail cost (5 bp fee + 2 bp half
 * spread). A few hundred configurations: seconds on two cores.
 *
 * Run it:  npx rebalance-lab run experiments/quickstart.ts
 */
import { defineExperiment } from 'rebalance-lab';

export default defineExperiment({
  name: 'quickstart',
  description: 'SPY/TLT/GLD/SHY 40/30/15/15: which band, how often to look, and how far to trade back?',
  data: { file: 'data/etf_daily_adjclose_1993_2023.csv' },
  targets: { SPY: 0.4, TLT: 0.3, GLD: 0.15, SHY: 0.15 },
  costs: { feeBps: 5, halfSpreadBps: 2 },
  search: { kind: 'grid' },
  space: {
    bands: {
      absolute: { width: [0.01, 0.02, 0.03, 0.05, 0.075, 0.1] },
      relative: { width: { from: 0.05, to: 0.5, step: 0.05 } },
      calendar: {},
      none: {},
    },
    check: ['daily', 'weekly', 'monthly'],
    mode: ['target', 'edge', 'inner'],
    depth: [0.5],
  },
  // lower is better: tracking error, plus the yearly cost drag (bp → fraction), plus a little turnover
  scoreWeights: { trackingError: 1, costDrag: 1e-4, turnover: 1e-3 },
  constraints: ['trackingError <= 0.02'],
  report: { heatmap: ['width', 'check'] },
});
