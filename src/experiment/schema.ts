/**
 * The experiment file's shape, validated in exactly one place (design §9). `.ts` experiments
 * call defineExperiment() (an identity function, for editor completion); `.json` experiments
 * have the same shape. Both go through parseExperiment().
 */
import { z } from 'zod';
import { METRICS } from '../kernel/metrics.js';
import { NAMED_SCHEDULES } from '../policy/types.js';

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
export const BandSpaces = z
  .strictObject({
    none: z.strictObject({}).optional(),
    calendar: z.strictObject({}).optional(),
    absolute: z.strictObject({ width }).optional(),
    relative: z.strictObject({ width }).optional(),
    hybrid: z.strictObject({ width, relWidth: width }).optional(),
    volatility: z.strictObject({ width, lookback }).optional(),
    drift: z.strictObject({ width }).optional(),
    risk: z.strictObject({ width, lookback }).optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), 'name at least one band type to search');

const Mode = z.enum(['target', 'edge', 'inner', 'partial']);

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
});

export const Search = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('grid') }),
  z.strictObject({ kind: z.literal('random'), samples: z.number().int().positive(), seed: z.number().int().default(1) }),
  z.strictObject({ kind: z.literal('halton'), samples: z.number().int().positive(), seed: z.number().int().default(1) }),
]);

const metricName = z.enum(METRICS);

export const Experiment = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, dot, dash and underscore (it names a folder)'),
  description: z.string().optional(),
  data: z.strictObject({
    file: z.string().min(1),
    assets: z.array(z.string()).min(1).optional(),
    start: isoDate.optional(),
    end: isoDate.optional(),
    periodsPerYear: z.number().positive().optional(),
    maxFill: z.number().int().nonnegative().optional(),
  }),
  targets: z.record(z.string(), z.number()),
  /** Scale the targets to sum to one instead of rejecting them. */
  normalizeTargets: z.boolean().default(false),
  initialCapital: z.number().positive().default(100_000),
  riskFree: z.number().default(0),
  costs: z
    .strictObject({
      feeBps: z.number().nonnegative().default(0),
      halfSpreadBps: z.number().nonnegative().default(0),
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
      top: z.number().int().positive().default(20),
    })
    .default({ top: 20 }),
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
