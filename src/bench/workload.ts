/**
 * The fixed benchmark workload (issue 3): 5 real ETF assets, the last 2,520 daily prices
 * (10 years), and 10,000 configurations drawn (seed 1) over every band type, mode and check
 * schedule.
 */
import type { ExperimentInput } from '../spec/schema.js';

export function benchExperiment(samples = 10_000, dataFile = 'data/etf_daily_adjclose_1993_2023.csv', start = '2013-04-25'): ExperimentInput {
  return {
    name: 'bench',
    data: { file: dataFile, start },
    targets: { SPY: 0.35, TLT: 0.25, GLD: 0.15, EEM: 0.15, VNQ: 0.1 },
    costs: { feeBps: 5, halfSpreadBps: 3, fixedFee: 1, minTrade: 100 },
    search: { kind: 'random', samples, seed: 1 },
    space: {
      bands: {
        absolute: { width: { dist: 'uniform', min: 0.005, max: 0.15 } },
        relative: { width: { dist: 'uniform', min: 0.05, max: 0.6 } },
        hybrid: { width: { dist: 'uniform', min: 0.01, max: 0.1 }, relWidth: { dist: 'uniform', min: 0.1, max: 0.5 } },
        volatility: { width: { dist: 'logUniform', min: 0.1, max: 3 }, lookback: [20, 60] },
        drift: { width: { dist: 'uniform', min: 0.01, max: 0.15 } },
        calendar: {},
      },
      check: ['daily', 'weekly', 'monthly', 'quarterly', 5],
      mode: ['target', 'edge', 'inner', 'partial'],
      depth: { dist: 'uniform', min: 0.1, max: 0.9 },
      fraction: { dist: 'uniform', min: 0.2, max: 1 },
      cooldown: [0, 0, 5],
    },
  };
}
