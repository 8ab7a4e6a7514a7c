/**
 * Crypto basket: BTC 50%, ETH 30%, USDT 20% (a "cash" leg), daily closes from 2017-11-09 to
 * 2025-02-11. Crypto trades every day, so the year has 365 periods (detected from the weekend
 * dates). Costs are exchange-like: 10 bp taker fee, 5 bp half spread, and a fixed $2 fee per
 * asset traded (gas or withdrawal), with no trade below $500.
 *
 * A random search (2,000 draws, reproducible from the seed) over volatility-scaled bands —
 * which widen when an asset is volatile so that noise does not trigger trades — against plain
 * relative bands and the portfolio drift trigger.
 *
 * Run it:  npx rebalance-lab run experiments/crypto-basket.ts
 */
import { defineExperiment } from 'rebalance-lab';

export default defineExperiment({
  name: 'crypto-basket',
  description: 'BTC/ETH/USDT 50/30/20 with exchange costs: volatility bands against relative bands.',
  data: { file: 'data/crypto_daily_close_2014_2025.csv', start: '2017-11-09' },
  targets: { BTC: 0.5, ETH: 0.3, USDT: 0.2 },
  initialCapital: 100_000,
  costs: { feeBps: 10, halfSpreadBps: 5, fixedFee: 2, minTrade: 500 },
  search: { kind: 'random', samples: 2000, seed: 7 },
  space: {
    bands: {
      volatility: { width: { dist: 'logUniform', min: 0.05, max: 2 }, lookback: { dist: 'int', min: 14, max: 120 } },
      relative: { width: { dist: 'uniform', min: 0.05, max: 0.6 } },
      drift: { width: { dist: 'uniform', min: 0.02, max: 0.2 } },
    },
    check: ['daily', 'weekly', 'monthly'],
    mode: ['target', 'edge', 'inner'],
    depth: { dist: 'uniform', min: 0.1, max: 0.9 },
    cooldown: [0, 7],
  },
  constraints: ['trackingError <= 0.1'],
  report: { heatmap: ['width', 'lookback'] },
});
