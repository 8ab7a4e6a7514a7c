/**
 * Saver with tax: a 60/40 SPY/TLT portfolio that starts with 10,000 and adds 500 at every month
 * end (rising 3% a year), 2004–2023, at 10 bp a trade, with a 15% tax on net realised gains
 * (average cost, losses carried forward, paid at each year end from the portfolio). Is it worth rebalancing at all when the
 * contributions can do it? The space searches the band, the mode and how the contributions are
 * invested: pro rata, or to the most underweight asset first (flowMode "rebalance").
 *
 * Look at flowRebalanceShare (the share of rebalancing done by the contributions), rebalances,
 * mwr (the money-weighted return) beside cagr (time-weighted), taxPaid (bp/yr) and afterTaxCagr
 * (as if everything were sold at the end).
 *
 * Run it:  npx rebalance-lab run experiments/saver-with-tax.ts
 */
import { defineExperiment } from 'rebalance-lab';

export default defineExperiment({
  name: 'saver-with-tax',
  description: 'SPY/TLT 60/40 with monthly contributions and a 15% capital-gains tax: bands, modes, and contributions pro rata or to the underweight asset.',
  data: { file: 'data/etf_daily_adjclose_1993_2023.csv', start: '2004-01-01' },
  targets: { SPY: 0.6, TLT: 0.4 },
  initialCapital: 10_000,
  costs: { feeBps: 8, halfSpreadBps: 2 },
  flows: { periodic: [{ amount: 500, every: 'monthly', growth: 0.03 }] },
  tax: 0.15,
  search: { kind: 'grid' },
  space: {
    bands: {
      absolute: { width: [0.02, 0.05, 0.1] },
      relative: { width: [0.1, 0.25, 0.5] },
      calendar: {},
      none: {},
    },
    check: ['monthly', 'quarterly'],
    mode: ['target', 'edge'],
    flowMode: ['pro-rata', 'rebalance'],
  },
  objectives: ['trackingError', 'costDrag', 'taxPaid'],
});
