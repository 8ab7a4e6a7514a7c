/**
 * Sixty-forty: the classic SPY/TLT 60/40, daily from 2002-07-30 to 2023-04-21, at 10 bp a
 * trade. A wide grid over every per-asset band type — absolute, relative, the 5/25 hybrid and
 * volatility-scaled bands — four check schedules and all four rebalance modes.
 *
 * Run it:  npx rebalance-lab run experiments/sixty-forty.ts
 */
import { defineExperiment } from 'rebalance-lab';

export default defineExperiment({
  name: 'sixty-forty',
  description: 'SPY/TLT 60/40 at 10 bp: band type, width, schedule and mode.',
  data: { file: 'data/etf_daily_adjclose_1993_2023.csv' },
  targets: { SPY: 0.6, TLT: 0.4 },
  costs: { feeBps: 8, halfSpreadBps: 2 },
  search: { kind: 'grid' },
  space: {
    bands: {
      absolute: { width: { from: 0.01, to: 0.15, step: 0.01 } },
      relative: { width: { from: 0.05, to: 0.5, step: 0.05 } },
      hybrid: { width: [0.03, 0.05, 0.1], relWidth: [0.1, 0.25, 0.5] },
      volatility: { width: [0.25, 0.5, 1, 1.5, 2], lookback: [20, 60, 120] },
      drift: { width: [0.02, 0.05, 0.1] },
      calendar: {},
      none: {},
    },
    check: ['daily', 'weekly', 'monthly', 'quarterly'],
    mode: ['target', 'edge', 'inner', 'partial'],
    depth: [0.25, 0.5, 0.75],
    fraction: [0.5],
  },
  objectives: ['turnover', 'trackingError', 'maxDrawdown'],
  constraints: ['trackingError <= 0.015'],
  report: { heatmap: ['width', 'check'] },
});
