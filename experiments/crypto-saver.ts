/**
 * Crypto saver: BTC/ETH/USDT 50/30/20 with 200 added every week and 5% of the value withdrawn
 * at each year end (a "take profit" rule), daily closes from 2018, exchange costs (10 bp fee,
 * 5 bp half spread, $2 per asset traded) and a flat 25% tax on net realised gains. Weekly
 * contributions in rebalance mode buy the underweight coin first; the band trades only what
 * they leave undone — and every avoided sale of a coin that rose is tax not paid.
 *
 * Run it:  npx rebalance-lab run experiments/crypto-saver.ts
 */
import { defineExperiment } from 'rebalance-lab';

export default defineExperiment({
  name: 'crypto-saver',
  description: 'BTC/ETH/USDT with weekly contributions, a yearly 5% withdrawal and a flat 25% tax.',
  data: { file: 'data/crypto_daily_close_2014_2025.csv', start: '2018-01-01' },
  targets: { BTC: 0.5, ETH: 0.3, USDT: 0.2 },
  initialCapital: 10_000,
  costs: { feeBps: 10, halfSpreadBps: 5, fixedFee: 2 },
  flows: { periodic: ['200@weekly', { amount: -0.05, percent: true, every: 'yearly' }] },
  tax: 0.25,
  search: { kind: 'grid' },
  space: {
    bands: {
      relative: { width: [0.1, 0.2, 0.35, 0.5] },
      drift: { width: [0.05, 0.1] },
      calendar: {},
      none: {},
    },
    check: ['weekly', 'monthly'],
    mode: ['target', 'edge'],
    flowMode: ['pro-rata', 'rebalance'],
  },
  objectives: ['trackingError', 'costDrag', 'taxPaid'],
});
