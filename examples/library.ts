/**
 * rebalance-lab from TypeScript: one backtest, then a small sweep, in memory.
 *
 * Run it (after `npm run build`):  npx tsx examples/library.ts [out-folder]
 *
 * It prints one JSON line per step, so scripts (and the test that runs this file) can read it.
 */
import { backtest, defineExperiment, loadPrices, runExperiment, type RunEvent } from 'rebalance-lab';

const DATA = new URL('../data/etf_daily_adjclose_1993_2023.csv', import.meta.url).pathname;

// 1. one policy: 60/40, a ±25% relative band checked monthly, trading to the band's edge
const { matrix } = await loadPrices(DATA, { assets: ['SPY', 'TLT'], start: '2010-01-01', end: '2012-12-31' });
const one = backtest({
  prices: matrix,
  targets: { SPY: 0.6, TLT: 0.4 },
  policy: { band: 'relative', width: 0.25, check: 'monthly', mode: 'edge' },
  costs: { feeBps: 10 },
});
console.log(JSON.stringify({ step: 'backtest', window: one.window, metrics: one.metrics }));

// 2. a sweep: three absolute widths × two schedules × two modes, plus buy-and-hold = 13 configurations
const experiment = defineExperiment({
  name: 'library-example',
  data: { file: DATA, start: '2010-01-01', end: '2014-12-31' },
  targets: { SPY: 0.6, TLT: 0.4 },
  costs: { feeBps: 5 },
  space: {
    bands: { absolute: { width: [0.02, 0.05, 0.1] }, none: {} },
    check: ['weekly', 'monthly'],
    mode: ['target', 'edge'],
  },
  constraints: ['trackingError <= 0.05'],
});
const phases: string[] = [];
let swept = 0;
const result = await runExperiment(experiment, {
  workers: 2,
  out: process.argv[2],
  write: process.argv[2] !== undefined,
  onProgress: (e: RunEvent) => {
    if (phases.at(-1) !== e.phase) phases.push(e.phase);
    if (e.phase === 'sweep') swept = e.done;
  },
});
console.log(
  JSON.stringify({
    step: 'run',
    configurations: result.rows.length,
    swept,
    phases,
    runDir: result.runDir,
    pick: result.pick && { id: result.pick.id, config: result.pick.config, trackingError: result.pick.metrics.trackingError, score: result.pick.score },
    rows: result.rows.map((r) => ({ id: r.id, score: r.score, rank: r.rank, feasible: r.feasible, turnover: r.metrics.turnover })),
  }),
);
