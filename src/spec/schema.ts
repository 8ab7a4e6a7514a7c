/**
 * The experiment file's shape, validated in exactly one place (design §9). `.ts` experiments
 * call defineExperiment() (an identity function, for editor completion); `.json` experiments
 * have the same shape. Both go through parseExperiment().
 */
import { z } from 'zod';
import { METRICS } from '../kernel/metrics.js';
import { BAND_PARAMS } from '../policy/bands.js';
import { BAND_TYPES, MODES, NAMED_SCHEDULES, type BandType } from '../policy/types.js';
import { MAX_COST_BPS } from '../policy/domains.js';

/** Most configurations of a sweep, grid or sampled (a byte per id is kept while it runs). */
export const MAX_CONFIGS = 100_000_000;

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected an ISO date YYYY-MM-DD');

/** A numeric range {from, to, step}, inclusive of `to` when it falls on a step. */
export const Range = z.strictObject({ from: z.number(), to: z.number(), step: z.number().positive() });
export const Dist = z.discriminatedUnion('dist', [
  z.strictObject({ dist: z.literal('uniform'), min: z.number(), max: z.number() }),
  z.strictObject({ dist: z.literal('logUniform'), min: z.number().positive(), max: z.number().positive() }),
  z.strictObject({ dist: z.literal('int'), min: z.number().int(), max: z.number().int() }),
  z.strictObject({ dist: z.literal('choice'), values: z.array(z.number()).min(1) }),
]);
/** A numeric search dimension: a single value, a list, a range (grid or random), or a distribution (random, halton). */
export const NumDim = z.union([z.number(), z.array(z.number()).min(1, 'expected at least one value'), Range, Dist]);
export type NumDim = z.infer<typeof NumDim>;

const Check = z.union([z.enum(NAMED_SCHEDULES), z.number().int().positive()]);

const width = NumDim.describe('band width');
const lookback = NumDim.describe('lookback in periods');
const BAND_PARAM_SCHEMA = {
  width,
  relWidth: width,
  lookback,
  /** volatility: b_i = max(minWidth, k·σ·w*_i), weight points (default 0). */
  minWidth: NumDim.describe('minimum half-width (weight points)').optional(),
} as const;
type BandShape<K extends BandType> = { [P in (typeof BAND_PARAMS)[K][number]]: (typeof BAND_PARAM_SCHEMA)[P] };
/** `space.bands.<type>`: the fields BAND_PARAMS (policy/bands.ts) lists for the type. */
function bandSpace<K extends BandType>(band: K) {
  const shape = Object.fromEntries(BAND_PARAMS[band].map((p) => [p, BAND_PARAM_SCHEMA[p]])) as BandShape<K>;
  return z.strictObject(shape).optional();
}
type BandSpacesShape = { [K in BandType]: ReturnType<typeof bandSpace<K>> };
export const BandSpaces = z
  // fromEntries loses the keys' types; BandSpacesShape restates them from BAND_PARAMS
  .strictObject(Object.fromEntries(BAND_TYPES.map((b) => [b, bandSpace(b)])) as unknown as BandSpacesShape)
  .refine((b) => Object.values(b).some((v) => v !== undefined), 'name at least one band type to search');

const Mode = z.enum(MODES);

export const Space = z.strictObject({
  bands: BandSpaces,
  check: z.union([Check, z.array(Check).min(1)]).default('monthly'),
  mode: z.union([Mode, z.array(Mode).min(1)]).default('target'),
  /** inner only: depth q in (0,1). */
  depth: NumDim.optional(),
  /** partial only: fraction f in (0,1]. */
  fraction: NumDim.optional(),
  cooldown: NumDim.optional(),
  /** Cost parameters may be searched too, to see their effect. */
  feeBps: NumDim.optional(),
  halfSpreadBps: NumDim.optional(),
  fixedFee: NumDim.optional(),
  minTrade: NumDim.optional(),
  /** How the flows are invested (experiment field flows): pro-rata (default) and/or rebalance. */
  flowMode: z.union([z.enum(['pro-rata', 'rebalance']), z.array(z.enum(['pro-rata', 'rebalance'])).min(1)]).optional(),
});

/** Sampled searches are capped like the grid (MAX_CONFIGS). */
const Samples = z
  .number()
  .int('expected a whole number of samples')
  .positive()
  .max(MAX_CONFIGS, `expected at most ${MAX_CONFIGS.toLocaleString('en')} samples (the sweep limit); use fewer samples or split the study`);

export const Search = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('grid') }),
  z.strictObject({ kind: z.literal('random'), samples: Samples, seed: z.number().int().default(1) }),
  z.strictObject({ kind: z.literal('halton'), samples: Samples, seed: z.number().int().default(1) }),
]);

const metricName = z.enum(METRICS);

/**
 * Resampled histories (issue 5): a Politis–Romano stationary block bootstrap of the joint daily
 * returns; every configuration is scored on every path (src/robust/).
 */
/** Upper bound on robustness.blockLength (it must also fit the data window: checked when the data is loaded). */
export const MAX_BLOCK_LENGTH = 100_000;
export const Robustness = z.strictObject({
  kind: z.literal('block-bootstrap'),
  /** Number of resampled price paths (each is a function of (seed, path) alone). */
  paths: z.number().int('expected a whole number of paths').min(1, 'expected at least 1 path').max(100_000, 'expected at most 100,000 paths'),
  /** Mean block length in periods (block lengths are geometric with this mean). */
  blockLength: z
    .number()
    .min(1, 'expected a mean block length of at least 1 period')
    .max(MAX_BLOCK_LENGTH, `expected a mean block length of at most ${MAX_BLOCK_LENGTH.toLocaleString('en')} periods (and at most the data window)`),
  /** Default: the search seed. */
  seed: z.number().int().optional(),
  /** The robust statistic of the score the robust leaderboard ranks by (lower is better). */
  rankBy: z
    .union([z.literal('median'), z.strictObject({ quantile: z.number().gt(0, 'expected a quantile in (0, 1)').lt(1, 'expected a quantile in (0, 1)') })], {
      error: 'expected "median" or { quantile: q } with q in (0, 1), e.g. { quantile: 0.9 } for a pessimistic score',
    })
    .default('median'),
});

/**
 * Out-of-sample validation (issue 5, src/validate/): a calendar duration is a whole number of
 * years (y), months (m), weeks (w) or days (d), counted on the data's dates.
 */
export const Duration = z.string().regex(/^[1-9]\d*(y|m|w|d)$/, 'expected a duration like "3y", "18m", "6w" or "30d"');
const ValidationCore = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('walk-forward'),
    /** Training window length, e.g. "3y". */
    train: Duration,
    /** Test window length, e.g. "1y". */
    test: Duration,
    /** How far each fold moves on; default: the test length (test windows tile the data). */
    step: Duration.optional(),
    /** Most configurations evaluated per fold; larger spaces use an evenly spaced subset of ids. */
    maxConfigs: z.number().int().positive().max(MAX_CONFIGS).default(20_000),
  }),
  z.strictObject({
    kind: z.literal('split'),
    /** First test date: train before it, test from it to the end of the data. */
    at: isoDate,
    maxConfigs: z.number().int().positive().max(MAX_CONFIGS).default(20_000),
  }),
]);
const ISO_RE = /^\d{4}-\d{2}-\d{2}$/;
/** Also accepts the shorthand { split: '2018-01-01' } = { kind: 'split', at: '2018-01-01' }. */
export const Validation = z.preprocess((v, ctx) => {
  if (v === null || typeof v !== 'object' || !('split' in v) || 'kind' in v) return v;
  const { split, ...rest } = v as { split: unknown };
  if (typeof split !== 'string' || !ISO_RE.test(split)) {
    ctx.addIssue({ code: 'custom', message: 'expected an ISO date YYYY-MM-DD', path: ['split'], input: split });
    return v;
  }
  return { kind: 'split', at: split, ...rest };
}, ValidationCore) as unknown as z.ZodType<z.output<typeof ValidationCore>, z.input<typeof ValidationCore> | { split: string; maxConfigs?: number }>;
export type ValidationSpec = z.output<typeof Validation>;

/** The theory baseline band (src/policy/theory.ts). */
export const Theory = z.strictObject({
  /** Relative risk aversion γ of the small-cost asymptotics; default 5 (see policy/theory.ts). */
  riskAversion: z.number().positive().max(1000, 'expected a risk aversion in (0, 1000]').default(5),
});

/**
 * Cash flows (docs/flows-and-taxes.md): periodic flows as objects or the CLI's text form
 * ("1000@monthly", "-2%@yearly"), dated flows inline or from a CSV file (date,amount).
 */
const PeriodicFlowObj = z.strictObject({
  amount: z.number(),
  percent: z.boolean().optional(),
  every: z.enum(NAMED_SCHEDULES),
  start: isoDate.optional(),
  end: isoDate.optional(),
  growth: z.number().gt(-1).optional(),
});
export const Flows = z.strictObject({
  periodic: z.array(z.union([z.string(), PeriodicFlowObj])).default([]),
  dated: z.array(z.strictObject({ date: isoDate, amount: z.number() })).default([]),
  /** A CSV of dated amounts (date,amount), relative to the working directory or the experiment file. */
  file: z.string().min(1).optional(),
});
export type FlowsInput = z.output<typeof Flows>;

/** A proportional cost in basis points (policy/domains.ts MAX_COST_BPS says why the bound). */
const Bps = z.number().nonnegative().max(MAX_COST_BPS, `expected basis points in [0, ${MAX_COST_BPS}] (${MAX_COST_BPS} bps is 25% of the traded amount)`);
export const MAX_PERIODS_PER_YEAR = 1_000_000;

export const Experiment = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, dot, dash and underscore (it names a folder)'),
  description: z.string().optional(),
  data: z.strictObject({
    file: z.string().min(1),
    assets: z.array(z.string()).min(1).optional(),
    start: isoDate.optional(),
    end: isoDate.optional(),
    periodsPerYear: z
      .number()
      .min(1, 'expected at least 1 period per year (annual data)')
      .max(MAX_PERIODS_PER_YEAR, `expected at most ${MAX_PERIODS_PER_YEAR.toLocaleString('en')} periods per year (one per minute is 525,600)`)
      .optional(),
    maxFill: z.number().int().nonnegative().optional(),
  }),
  targets: z.record(z.string(), z.number()),
  /** Scale the targets to sum to one instead of rejecting them. */
  normalizeTargets: z.boolean().default(false),
  initialCapital: z.number().positive().max(1e15, 'expected an initial capital of at most 1e15').default(100_000),
  riskFree: z.number().min(-1, 'expected an annual rate in [-1, 1] (0.03 is 3%)').max(1, 'expected an annual rate in [-1, 1] (0.03 is 3%)').default(0),
  costs: z
    .strictObject({
      feeBps: Bps.default(0),
      halfSpreadBps: Bps.default(0),
      fixedFee: z.number().nonnegative().default(0),
      minTrade: z.number().nonnegative().default(0),
    })
    .default({ feeBps: 0, halfSpreadBps: 0, fixedFee: 0, minTrade: 0 }),
  search: Search.default({ kind: 'grid' }),
  space: Space,
  objectives: z.array(metricName).min(1).default(['turnover', 'trackingError', 'maxDrawdown']),
  /** score = Σ weight·metric, lower is better. */
  scoreWeights: z.partialRecord(metricName, z.number()).default({ trackingError: 1, costDrag: 1e-4, turnover: 1e-3 }),
  /** Hard constraints like "trackingError <= 0.02"; a row breaking one is infeasible. */
  constraints: z.array(z.string()).default([]),
  report: z
    .strictObject({
      heatmap: z.tuple([z.string(), z.string()]).optional(),
      top: z.number().int().positive().max(10_000).default(20),
    })
    .default({ top: 20 }),
  robustness: Robustness.optional(),
  /** Out-of-sample validation: walk-forward folds or one split (src/validate/). */
  validation: Validation.optional(),
  theory: Theory.optional(),
  /** Contributions and withdrawals during the window; how they are invested is space.flowMode. */
  flows: Flows.optional(),
  /** Capital-gains tax rate on net realised gains, average-cost basis, paid at each year end (docs/flows-and-taxes.md). */
  tax: z.number().min(0, 'expected a tax rate in [0, 1), e.g. 0.25').lt(1, 'expected a tax rate in [0, 1), e.g. 0.25').optional(),
  /** With tax: a rebalance that would sell an asset at a gain trades only to the band edge (docs/flows-and-taxes.md). */
  taxAware: z.boolean().optional(),
});

/** What the user writes (defaults optional). */
export type ExperimentInput = z.input<typeof Experiment>;
/** After validation, defaults filled in. */
export type ExperimentSpec = z.output<typeof Experiment>;
export type SpaceSpec = ExperimentSpec['space'];
export type SearchSpec = ExperimentSpec['search'];

/** Identity function that gives `.ts` experiment files types and completion. */
export function defineExperiment(e: ExperimentInput): ExperimentInput {
  return e;
}
