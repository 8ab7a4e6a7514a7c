/** The public library API of rebalance-lab. */
export { defineExperiment } from './spec/schema.js';
export type { ExperimentInput, ExperimentSpec } from './spec/schema.js';
export { loadExperiment, parseExperiment } from './experiment/load.js';
export { loadPrices } from './data/load.js';
export type { PriceMatrix, DataInfo, LoadOptions } from './data/types.js';
export { backtest, simulate, allocSeries } from './kernel/backtest.js';
export type { BacktestInput, BacktestSeries } from './kernel/backtest.js';
export { KernelContext } from './kernel/context.js';
export { METRICS, rowToMetrics } from './kernel/metrics.js';
export type { Metrics, MetricName } from './kernel/metrics.js';
export type { Config, Policy, Costs, BandType, Mode, CheckEvery } from './policy/types.js';
export { ParameterSpace } from './search/space.js';
export { runExperiment } from './runner/run.js';
export { UserError } from './errors.js';
export { openRunFrames } from './results/frames.js';
export type { RunFrames } from './results/frames.js';
