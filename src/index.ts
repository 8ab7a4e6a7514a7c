/** The public library API of rebalance-lab. */
export { defineExperiment } from './spec/schema.js';
export type { ExperimentInput, ExperimentSpec } from './spec/schema.js';
export { loadExperiment, parseExperiment } from './experiment/load.js';
export { loadPrices } from './data/load.js';
export type { PriceMatrix, DataInfo, LoadOptions } from './data/types.js';
export { simulate, allocSeries } from './kernel/backtest.js';
export type { BacktestInput, BacktestSeries } from './kernel/backtest.js';
/** The kernel's one-configuration entry (arrays in, no validation); most callers want `backtest`. */
export { backtest as backtestKernel } from './kernel/backtest.js';
export { backtest, runExperiment, readPick, readResultRows } from './api.js';
export type {
  BacktestOptions,
  BacktestResult,
  PricesInput,
  PolicyInput,
  RunExperimentOptions,
  ExperimentResult,
  ResultRow,
  BaselineRow,
} from './api.js';
export type { RunEvent, Phase, PhaseSeconds } from './runner/events.js';
export type { Plan } from './runner/plan.js';
export { PLAN_LIMITS } from './runner/plan.js';
export { VERSION } from './results/manifest.js';
export { KernelContext } from './kernel/context.js';
export { METRICS, rowToMetrics } from './kernel/metrics.js';
export type { Metrics, MetricName } from './kernel/metrics.js';
export type { Config, Policy, Costs, BandType, Mode, CheckEvery } from './policy/types.js';
export { ParameterSpace } from './search/space.js';
export { UserError } from './errors.js';
export { openRunFrames } from './results/frames.js';
export type { RunFrames } from './results/frames.js';
