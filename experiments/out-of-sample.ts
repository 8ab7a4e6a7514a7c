/**
 * Out-of-sample: does a band chosen on the past still look good on the years that follow?
 * SPY/TLT/GLD 50/30/20 at 10 bp a trade, absolute bands from ±0.5% to ±15%, checked daily,
 * weekly or monthly, traded back to target or to the band edge.
 *
 * validation: walk-forward — pick the best configuration by score (and constraints) on each
 * 3-year training window, hold it for the following year, move on a year; the stitched test years
 * are an honest out-of-sample record, shown in the report against the baselines over the same
 * years, with the in-sample against out-of-sample score of every fold and how stable the choice
 * is. The report also shows the band width the small-cost theory predicts at 10 bp
 * (src/policy/theory.ts; theory.riskAversion sets γ).
 *
 * robustness: every configuration is also scored on 500 resampled histories (a stationary block
 * bootstrap of the joint daily returns, blocks of 20 days on average, seed 7): the report shows
 * each one's median and 5–95% range, how often it is on the Pareto front or in the top 10, and
 * a leaderboard ranked by the median score over the paths (robustness.csv).
 *
 * Run it:  npx rebalance-lab run experiments/out-of-sample.ts
 */
import { defineExperiment } from 'rebalance-lab';

export default defineExperiment({
  name: 'out-of-sample',
  description: 'SPY/TLT/GLD 50/30/20 at 10 bp: absolute band width chosen walk-forward (3 years train, 1 year test).',
  data: { file: 'data/etf_daily_adjclose_1993_2023.csv' },
  targets: { SPY: 0.5, TLT: 0.3, GLD: 0.2 },
  costs: { feeBps: 5, halfSpreadBps: 5 },
  search: { kind: 'grid' },
  space: {
    bands: {
      absolute: { width: { from: 0.005, to: 0.15, step: 0.005 } },
      calendar: {},
      none: {},
    },
    check: ['daily', 'weekly', 'monthly'],
    mode: ['target', 'edge'],
  },
  objectives: ['turnover', 'trackingError', 'maxDrawdown'],
  // a basis point a year of cost weighs as much as 0.1% of tracking error
  scoreWeights: { trackingError: 1, costDrag: 1e-3 },
  constraints: ['trackingError <= 0.01'],
  validation: { kind: 'walk-forward', train: '3y', test: '1y' },
  // 500 resampled histories: blocks of about 20 days of joint returns, redrawn (src/robust/)
  robustness: { kind: 'block-bootstrap', paths: 500, blockLength: 20, seed: 7 },
  theory: { riskAversion: 5 },
  report: { heatmap: ['width', 'check'] },
});
