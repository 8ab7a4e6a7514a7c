/**
 * Synthetic report inputs for the report tests. Deterministic: every "random" number comes from a
 * seeded mulberry32 generator, so the same fixture is built on every run.
 *
 * - smallInput(): 120 configurations on a grid (band × width × check × mode) with metrics from
 *   simple formulas plus seeded noise, an exact Pareto front, feasibility TE ≤ 2%, a score and ranks,
 *   the calendar and none baselines, and 520 business days of series from a small simulation of the
 *   rank-1 policy, monthly calendar rebalancing and buy-and-hold on three seeded random-walk prices.
 * - bigInput(n): n configurations drawn like a random search (for the size test); the Pareto flag
 *   is synthetic there (every 3,331st row), since only the report's scale matters.
 * - writeBigResults(file, n): a results.csv of n configurations on disk, in the real column format,
 *   written streaming, with an exact Pareto front and ranks (for the streaming reader).
 */
import { createHash } from 'node:crypto';
import { createWriteStream, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { once } from 'node:events';
import { M, N_METRICS } from '../../src/kernel/metrics.js';
import type { Config } from '../../src/policy/types.js';
import type { ReportInput, ReportRow, ReportSeries } from '../../src/report/types.js';
import { paretoFront, rankRows } from '../../src/results/score.js';
import { formatRow, RESULT_COLUMNS } from '../../src/results/table.js';
import { uniform } from '../../src/search/rng.js';
import { ParameterSpace } from '../../src/search/space.js';
import type { SpaceSpec } from '../../src/spec/schema.js';

import { mulberry32 } from '../search/helpers.js';

export const ASSETS = ['STOCKS', 'BONDS', 'GOLD'];
export const TARGETS: Record<string, number> = { STOCKS: 0.6, BONDS: 0.3, GOLD: 0.1 };
const COSTS = { feeBps: 5, halfSpreadBps: 2, fixedFee: 0, minTrade: 0 };
const CHECK_FACTOR: Record<string, number> = { daily: 1, weekly: 0.8, monthly: 0.6, quarterly: 0.45 };

function baseParams(): Record<string, string | number | null> {
  return {
    band: null,
    width: null,
    relWidth: null,
    lookback: null,
    check: null,
    mode: null,
    depth: null,
    fraction: null,
    cooldown: 0,
    ...COSTS,
  };
}

/** Synthetic metrics: wider bands trade less and track worse; checking less often does both. */
function metricsFor(p: Record<string, string | number | null>, rnd: () => number): Record<string, number | null> {
  const w = p.width as number;
  const band = p.band as string;
  const eff = band === 'absolute' ? w * 1.6 : band === 'drift' ? w * 1.2 : band === 'volatility' ? w * 0.05 : w;
  const cf = CHECK_FACTOR[p.check as string] ?? 0.5;
  const edge = p.mode === 'edge' ? 0.7 : p.mode === 'inner' ? 0.85 : 1;
  const noise = () => 1 + (rnd() - 0.5) * 0.2;
  const turnover = (0.09 * cf * edge * noise()) / (1 + 40 * eff);
  const trackingError = (0.0015 + 0.09 * eff * (1.4 - cf) * (2 - edge)) * noise();
  const maxDrawdown = 0.21 + 0.15 * eff * noise() - 0.01 * cf;
  const rebalancesPerYear = (12 * cf * edge * noise()) / (1 + 30 * eff);
  const years = 10;
  const cagr = 0.061 - 0.002 * turnover + 0.01 * eff * (rnd() - 0.4);
  const volatility = 0.11 + 0.03 * eff;
  const costDrag = turnover * 2 * (COSTS.feeBps + COSTS.halfSpreadBps);
  const meanDrift = 0.4 * eff + 0.002;
  return {
    turnover,
    trackingError,
    maxDrawdown,
    cagr,
    volatility,
    sharpe: cagr / volatility,
    sortino: (cagr / volatility) * 1.3,
    rebalances: Math.round(rebalancesPerYear * years),
    rebalancesPerYear,
    costDrag,
    meanDrift,
    maxDrift: meanDrift * 2.5,
    excessReturn: cagr - 0.06,
    finalValue: 100000 * Math.pow(1 + cagr, years),
  };
}

function label(p: Record<string, string | number | null>): string {
  const w = p.width as number;
  const width = p.band === 'volatility' ? `${w}σ` : `${Math.round(w * 1000) / 10}%`;
  return `${p.band} ${width}, ${p.check}, ${p.mode}`;
}

const OBJ = ['turnover', 'trackingError', 'maxDrawdown'] as const;

/** Mark the Pareto front (minimize the objectives) among configuration rows: O(n²), fine for small n. */
export function markPareto(rows: ReportRow[]): void {
  const v = rows.map((r) => OBJ.map((o) => r.metrics[o] as number));
  rows.forEach((r, i) => {
    r.pareto = !v.some((b, j) => j !== i && b.every((x, k) => x <= v[i][k]) && b.some((x, k) => x < v[i][k]));
  });
}

/** Score (lower is better) and rank 1..F over the feasible rows. */
export function scoreAndRank(rows: ReportRow[], maxTe = 0.02): void {
  for (const r of rows) {
    const m = r.metrics;
    r.feasible = (m.trackingError as number) <= maxTe;
    r.score = (m.turnover as number) + 10 * (m.trackingError as number) + (m.maxDrawdown as number);
    r.rank = null;
  }
  const feasible = rows.filter((r) => r.feasible);
  const order = Float64Array.from(feasible, (r) => r.score as number);
  const idx = Uint32Array.from(feasible, (_, i) => i).sort((a, b) => order[a] - order[b] || a - b);
  idx.forEach((i, k) => (feasible[i].rank = k + 1));
}

function baselineRows(rnd: () => number): ReportRow[] {
  const cal = { ...baseParams(), band: 'calendar', width: 0, check: 'monthly', mode: 'target' };
  const none = { ...baseParams(), band: 'none', width: 0, check: null, mode: null };
  const calM = metricsFor({ ...cal, band: 'relative', width: 0 }, rnd);
  calM.trackingError = 0.0012;
  const noneM = metricsFor({ ...none, band: 'relative', width: 0.5, check: 'quarterly', mode: 'target' }, rnd);
  noneM.turnover = 0;
  noneM.rebalances = 0;
  noneM.rebalancesPerYear = 0;
  noneM.costDrag = 0;
  noneM.sortino = null; // a metric that could not be computed: shown as "—"
  return [
    { id: 'calendar', kind: 'baseline', label: 'calendar (monthly)', params: cal, metrics: calM, feasible: true, pareto: false, score: null, rank: null },
    { id: 'none', kind: 'baseline', label: 'none (buy and hold)', params: none, metrics: noneM, feasible: true, pareto: false, score: null, rank: null },
  ];
}

/* ------------------------------------------------------------------ series simulation */

function businessDays(start: string, n: number): string[] {
  const out: string[] = [];
  const d = new Date(`${start}T00:00:00Z`);
  while (out.length < n) {
    const wd = d.getUTCDay();
    if (wd !== 0 && wd !== 6) out.push(d.toISOString().slice(0, 10));
    d.setUTCDate(d.getUTCDate() + 1);
  }
  return out;
}

/** A simulated policy: which rows are checks, whether weights w breach, and where a trade goes. */
interface SimPolicy {
  check: (t: number) => boolean;
  breach: (w: number[]) => boolean;
  post: (w: number[]) => number[];
  /** Per-asset band half-width, or null for portfolio-level or no band. */
  band: ((i: number) => number) | null;
}

function simulate(label: string, id: string, dates: string[], prices: number[][], policy: SimPolicy): ReportSeries {
  const n = ASSETS.length;
  const T = dates.length;
  const tw = ASSETS.map((a) => TARGETS[a]);
  const c = (COSTS.feeBps + COSTS.halfSpreadBps) / 1e4;
  let V = 100000;
  let h = tw.map((w, i) => (w * V) / prices[i][0]);
  let peak = V;
  let cum = 0;
  const band = policy.band;
  const s: ReportSeries = {
    label,
    id,
    dates,
    value: [],
    drawdown: [],
    cumCost: [],
    weights: ASSETS.map(() => []),
    bandLower: ASSETS.map(() => (band ? [] : null)),
    bandUpper: ASSETS.map(() => (band ? [] : null)),
    tradeDays: [],
  };
  for (let t = 0; t < T; t++) {
    V = h.reduce((acc, x, i) => acc + x * prices[i][t], 0);
    let w = h.map((x, i) => (x * prices[i][t]) / V);
    if (t > 0 && t < T - 1 && policy.check(t) && policy.breach(w)) {
      const next = policy.post(w);
      const traded = w.reduce((acc, x, i) => acc + Math.abs(next[i] - x), 0);
      const cost = V * traded * c;
      cum += cost;
      V -= cost;
      w = next;
      h = w.map((x, i) => (x * V) / prices[i][t]);
      s.tradeDays.push(t);
    }
    peak = Math.max(peak, V);
    s.value.push(V);
    s.drawdown.push(1 - V / peak);
    s.cumCost.push(cum);
    for (let i = 0; i < n; i++) {
      s.weights[i].push(w[i]);
      if (band) {
        (s.bandLower[i] as number[]).push(tw[i] - band(i));
        (s.bandUpper[i] as number[]).push(tw[i] + band(i));
      }
    }
  }
  return s;
}

/** ISO week key (year and week number) of a YYYY-MM-DD date. */
function isoWeek(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  const day = (d.getUTCDay() + 6) % 7;
  d.setUTCDate(d.getUTCDate() - day + 3);
  const firstThursday = new Date(Date.UTC(d.getUTCFullYear(), 0, 4));
  const week = 1 + Math.round((d.getTime() - firstThursday.getTime()) / 86400000 / 7 - 3 / 7 + ((firstThursday.getUTCDay() + 6) % 7) / 7);
  return `${d.getUTCFullYear()}-${week}`;
}

function seriesFor(best: ReportRow | undefined, days: number, seed: number): ReportSeries[] {
  const rnd = mulberry32(seed);
  const dates = businessDays('2021-01-04', days);
  const drift = [0.0004, 0.0001, 0.0002];
  const vol = [0.012, 0.004, 0.009];
  const prices = ASSETS.map(() => [100]);
  for (let t = 1; t < days; t++) {
    const common = rnd() - 0.5;
    ASSETS.forEach((_, i) => {
      const z = (rnd() - 0.5) * 3.4 * 0.7 + common * 3.4 * 0.3 * (i === 1 ? -0.5 : 1);
      prices[i].push(prices[i][t - 1] * Math.exp(drift[i] + vol[i] * z));
    });
  }
  const tw = ASSETS.map((a) => TARGETS[a]);
  const last = (t: number) => t + 1 >= days;
  const schedules: Record<string, (t: number) => boolean> = {
    daily: () => true,
    weekly: (t) => !last(t) && isoWeek(dates[t]) !== isoWeek(dates[t + 1]),
    monthly: (t) => !last(t) && dates[t].slice(0, 7) !== dates[t + 1].slice(0, 7),
  };
  const p = best?.params ?? { band: 'relative', width: 0.1, check: 'monthly', mode: 'target' };
  const width = typeof p.width === 'number' ? p.width : 0.1;
  const drift1 = (w: number[]) => 0.5 * w.reduce((acc, x, i) => acc + Math.abs(x - tw[i]), 0);
  // the fixture simulates absolute, relative and drift bands; any other band type as relative
  const band = p.band === 'absolute' ? () => width : p.band === 'drift' ? null : (i: number) => width * tw[i];
  const breach = band ? (w: number[]) => w.some((x, i) => Math.abs(x - tw[i]) > band(i)) : (w: number[]) => drift1(w) > width;
  const scale = band
    ? (w: number[]) => Math.min(...w.map((x, i) => (x === tw[i] ? Infinity : band(i) / Math.abs(x - tw[i]))))
    : (w: number[]) => width / drift1(w);
  const post = p.mode === 'edge' ? (w: number[]) => tw.map((x, i) => x + Math.min(1, scale(w)) * (w[i] - x)) : () => [...tw];
  return [
    simulate(best?.label ?? 'best', best?.id ?? '0', dates, prices, {
      check: schedules[String(p.check)] ?? schedules.monthly,
      breach,
      post,
      band,
    }),
    simulate('calendar (monthly)', 'calendar', dates, prices, { check: schedules.monthly, breach: () => true, post: () => [...tw], band: null }),
    simulate('none (buy and hold)', 'none', dates, prices, { check: () => false, breach: () => false, post: (w) => w, band: null }),
  ];
}

/* ------------------------------------------------------------------ inputs */

export interface SmallOptions {
  /** Every configuration infeasible (no recommendation). */
  noneFeasible?: boolean;
  /** Number of series days. Default 520. */
  days?: number;
}

export function smallInput(opts: SmallOptions = {}): ReportInput {
  const rnd = mulberry32(42);
  const rows: ReportRow[] = [];
  const widths = [0.01, 0.02, 0.05, 0.1, 0.2];
  for (const band of ['absolute', 'relative', 'drift', 'volatility']) {
    for (const width of band === 'volatility' ? [0.5, 1, 1.5, 2, 3] : widths) {
      for (const check of ['daily', 'weekly', 'monthly']) {
        for (const mode of ['target', 'edge']) {
          const params = { ...baseParams(), band, width, check, mode, lookback: band === 'volatility' ? 60 : null };
          const metrics = metricsFor(params, rnd);
          rows.push({
            id: String(rows.length),
            kind: 'config',
            label: label(params),
            params,
            metrics,
            feasible: false,
            pareto: false,
            score: null,
            rank: null,
          });
        }
      }
    }
  }
  markPareto(rows);
  scoreAndRank(rows, opts.noneFeasible ? -1 : 0.012);
  if (opts.noneFeasible) for (const r of rows) r.score = null;
  const best = rows.find((r) => r.rank === 1);
  const baselines = baselineRows(rnd);
  const series = seriesFor(best, opts.days ?? 520, 7);
  return {
    experiment: {
      name: 'fixture-sixty-thirty-ten',
      description: 'A small synthetic grid for the report tests: four band types, five widths, three schedules, two modes.',
      searchKind: 'grid',
      spaceSize: rows.length,
      seed: 42,
      searchedParams: ['band', 'width', 'check', 'mode'],
      objectives: ['turnover', 'trackingError', 'maxDrawdown'],
      heatmap: ['width', 'check'],
      constraints: [`trackingError <= ${opts.noneFeasible ? -1 : 0.012}`],
      scoreWeights: { turnover: 1, trackingError: 10, maxDrawdown: 1 },
    },
    data: {
      file: 'data/fixture.csv',
      assets: ASSETS,
      start: series[0].dates[0],
      end: series[0].dates[series[0].dates.length - 1],
      periodsPerYear: 252,
      rows: series[0].dates.length,
    },
    targets: TARGETS,
    costs: COSTS,
    run: { id: '20240101-000000-fixture', startedAt: '2024-01-01T00:00:00Z', seconds: 12.34, workers: 4, failed: 0 },
    rows: [...rows, ...baselines],
    series,
    // the benchmark on the series' dates: 0.02% a day (its exact path does not matter to the tests)
    benchmark: series[0].dates.map((_, t) => 100000 * Math.pow(1.0002, t)),
  };
}

/** n configurations drawn like a random search, plus the two baselines and the small series. */
export function bigInput(n: number): ReportInput {
  const rnd = mulberry32(2024);
  const bands = ['absolute', 'relative', 'hybrid', 'volatility', 'drift', 'risk'];
  const checks = ['daily', 'weekly', 'monthly', 'quarterly'];
  const modes = ['target', 'edge', 'inner', 'partial'];
  const rows: ReportRow[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const band = bands[Math.floor(rnd() * bands.length)];
    const mode = modes[Math.floor(rnd() * modes.length)];
    const width = band === 'volatility' ? 0.25 + rnd() * 3 : Math.exp(Math.log(0.005) + rnd() * Math.log(100));
    const params = {
      ...baseParams(),
      band,
      width,
      relWidth: band === 'hybrid' ? 0.1 + rnd() * 0.3 : null,
      lookback: band === 'volatility' || band === 'risk' ? 20 + Math.floor(rnd() * 230) : null,
      check: checks[Math.floor(rnd() * checks.length)],
      mode,
      depth: mode === 'inner' ? rnd() : null,
      fraction: mode === 'partial' ? 0.1 + rnd() * 0.9 : null,
      cooldown: Math.floor(rnd() * 4) * 5,
    };
    const metrics = metricsFor(params, rnd);
    const te = metrics.trackingError as number;
    rows[i] = {
      id: String(i),
      kind: 'config',
      label: label(params),
      params,
      metrics,
      feasible: te <= 0.02,
      pareto: i % 3331 === 17,
      score: (metrics.turnover as number) + 10 * te + (metrics.maxDrawdown as number),
      rank: null,
    };
  }
  const feasible = rows.filter((r) => r.feasible);
  const sc = Float64Array.from(feasible, (r) => r.score as number);
  const idx = Uint32Array.from(feasible, (_, i) => i).sort((a, b) => sc[a] - sc[b] || a - b);
  idx.forEach((i, k) => (feasible[i].rank = k + 1));
  const small = smallInput();
  return {
    ...small,
    experiment: {
      ...small.experiment,
      name: 'fixture-random-search',
      searchKind: 'random',
      spaceSize: n,
      seed: 2024,
      searchedParams: ['band', 'width', 'relWidth', 'lookback', 'check', 'mode', 'depth', 'fraction', 'cooldown'],
      heatmap: undefined,
    },
    rows: [...rows, ...small.rows.filter((r) => r.kind === 'baseline')],
  };
}

/* ------------------------------------------------------------------ a large results.csv on disk */

export interface BigCsvFacts {
  file: string;
  configs: number;
  feasible: number;
  failed: number;
  /** Ids on the Pareto front, ascending. */
  front: number[];
  /** Ids on the 2-D front (turnover, tracking error) of the feasible rows, ascending. */
  front2: number[];
  /** Ids of rank 1..20, best first. */
  top: number[];
  /** Per band type: the exact 25/50/75% quantiles (R type 7) of turnover over the non-failed rows of that band. */
  turnoverByBand: Record<string, [number, number, number]>;
  /** Per band type: configurations. */
  bandCounts: Record<string, number>;
}

const BIG_BANDS = ['absolute', 'relative', 'drift'] as const;
const BIG_CHECKS: (string | number)[] = ['daily', 'weekly', 'monthly', 'quarterly', 5, 21];
const BIG_CHECK_FACTOR = [1, 0.8, 0.6, 0.45, 0.85, 0.6];
const BIG_MODES = ['target', 'edge', 'inner', 'partial'] as const;
const BIG_MODE_FACTOR = [1, 0.7, 0.85, 0.9];
const BIG_SEED = 77;

/** The synthetic random search's space, as an experiment file writes it (the manifest carries it). */
export const BIG_SPACE = {
  bands: {
    absolute: { width: { dist: 'logUniform', min: 0.005, max: 0.5 } },
    relative: { width: { dist: 'logUniform', min: 0.005, max: 0.5 } },
    drift: { width: { dist: 'logUniform', min: 0.005, max: 0.5 } },
  },
  check: BIG_CHECKS,
  mode: [...BIG_MODES],
  depth: { dist: 'uniform', min: 0.1, max: 0.9 },
  fraction: { dist: 'uniform', min: 0.2, max: 1 },
  cooldown: [0, 5, 10, 20],
};
export const bigSearch = (n: number) => ({ kind: 'random' as const, samples: n, seed: BIG_SEED });

/** The space of a synthetic run of n configurations: configuration i is its config(i), as in a real run. */
export function bigSpace(n: number): ParameterSpace {
  return new ParameterSpace(BIG_SPACE as unknown as SpaceSpec, bigSearch(n), { costs: { feeBps: 5, halfSpreadBps: 2, fixedFee: 0, minTrade: 0 } });
}

/** Metrics of configuration i (same shape as metricsFor: wider bands trade less and track worse). */
function bigMetrics(i: number, c: Config, u: (i: number, j: number) => number, out: Float64Array): void {
  const eff = c.band === 'relative' ? c.width * 0.4 : c.band === 'drift' ? c.width * 1.2 : c.width;
  const cf = BIG_CHECK_FACTOR[BIG_CHECKS.indexOf(c.check)];
  const edge = BIG_MODE_FACTOR[BIG_MODES.indexOf(c.mode as (typeof BIG_MODES)[number])];
  const noise = (j: number) => 1 + (u(i, j) - 0.5) * 0.3;
  const turnover = (0.09 * cf * edge * noise(6)) / (1 + 40 * eff);
  const trackingError = (0.0015 + 0.09 * eff * (1.4 - cf) * (2 - edge)) * noise(7);
  const maxDrawdown = 0.21 + 0.15 * eff * noise(8) - 0.01 * cf;
  const rebalancesPerYear = (12 * cf * edge * noise(9)) / (1 + 30 * eff);
  const cagr = 0.061 - 0.002 * turnover + 0.01 * eff * (u(i, 10) - 0.4);
  const volatility = 0.11 + 0.03 * eff;
  const meanDrift = 0.4 * eff + 0.002;
  const values = [
    turnover,
    trackingError,
    maxDrawdown,
    cagr,
    volatility,
    cagr / volatility,
    (cagr / volatility) * 1.3,
    Math.round(rebalancesPerYear * 18),
    rebalancesPerYear,
    turnover * 2 * 7,
    meanDrift,
    meanDrift * 2.5,
    cagr - 0.06,
    100000 * Math.pow(1 + cagr, 18),
  ];
  for (let m = 0; m < N_METRICS; m++) out[m] = values[m];
}

function quartiles(xs: Float64Array): [number, number, number] {
  const s = Float64Array.from(xs).sort();
  return [quantileType7(s, 0.25), quantileType7(s, 0.5), quantileType7(s, 0.75)];
}

/** Quantile of sorted values, R type 7 (written out here, independently of the report code). */
export function quantileType7(s: ArrayLike<number>, q: number): number {
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (h - lo) * (s[hi] - s[lo]);
}

/**
 * Write a results.csv of n configurations in the real column format (formatRow), streaming, plus
 * the two baselines: a random search over absolute/relative/drift bands with a log-uniform width,
 * six schedules (four named, every 5 and every 21 rows), four modes and four cooldowns. Every
 * 9,973rd configuration failed (an error message with a comma and quotes). The Pareto front over
 * turnover, tracking error and maximum drawdown is computed exactly (paretoFront), the score is the
 * quickstart's, feasible means tracking error ≤ 2%. Returns facts to check a report against.
 */
export async function writeBigResults(file: string, n: number): Promise<BigCsvFacts> {
  const u = (i: number, j: number) => uniform(BIG_SEED, i, j);
  const space = bigSpace(n);
  const bigConfig = (i: number): Config => space.config(i);
  const objectives = ['turnover', 'trackingError', 'maxDrawdown'] as const;
  // pass 1: objectives, score and feasibility of every row (to find the front and the ranks)
  const obj = new Float64Array(n * N_METRICS);
  const scores = new Float64Array(n);
  const feasible = new Uint8Array(n);
  const ok = new Uint8Array(n);
  const band = new Uint8Array(n);
  const m = new Float64Array(N_METRICS);
  const failed = (i: number) => i % 9973 === 4321;
  for (let i = 0; i < n; i++) {
    const c = bigConfig(i);
    band[i] = BIG_BANDS.indexOf(c.band as (typeof BIG_BANDS)[number]);
    if (failed(i)) {
      scores[i] = NaN;
      continue;
    }
    bigMetrics(i, c, u, m);
    for (const o of objectives) obj[i * N_METRICS + M[o]] = m[M[o]];
    ok[i] = 1;
    scores[i] = m[M.trackingError] + 1e-4 * m[M.costDrag] + 1e-3 * m[M.turnover];
    feasible[i] = m[M.trackingError] <= 0.02 ? 1 : 0;
  }
  const front = paretoFront(obj, n, [...objectives], ok);
  const feasOk = Uint8Array.from(feasible, (f, i) => (f && ok[i] ? 1 : 0));
  const front2 = paretoFront(obj, n, ['turnover', 'trackingError'], feasOk);
  const ranks = rankRows(scores, feasible, n);
  const facts: BigCsvFacts = { file, configs: n, feasible: 0, failed: 0, front: [], front2: [], top: new Array(20), turnoverByBand: {}, bandCounts: {} };
  for (let i = 0; i < n; i++) {
    if (feasible[i]) facts.feasible++;
    if (!ok[i]) facts.failed++;
    if (front[i]) facts.front.push(i);
    if (front2[i]) facts.front2.push(i);
    if (ranks[i] >= 1 && ranks[i] <= 20) facts.top[ranks[i] - 1] = i;
  }
  BIG_BANDS.forEach((b, k) => {
    let count = 0;
    let valid = 0;
    for (let i = 0; i < n; i++) if (band[i] === k) count++, ok[i] && valid++;
    const xs = new Float64Array(valid);
    for (let i = 0, j = 0; i < n; i++) if (band[i] === k && ok[i]) xs[j++] = obj[i * N_METRICS + M.turnover];
    facts.bandCounts[b] = count;
    facts.turnoverByBand[b] = quartiles(xs);
  });

  // pass 2: write the file
  const out = createWriteStream(file);
  const write = async (s: string) => {
    if (!out.write(s)) await once(out, 'drain');
  };
  await write(RESULT_COLUMNS.join(',') + '\n');
  let chunk: string[] = [];
  for (let i = 0; i < n; i++) {
    const c = bigConfig(i);
    const err = failed(i) ? 'simulated failure: "bad data", row skipped' : '';
    if (!err) bigMetrics(i, c, u, m);
    chunk.push(
      formatRow({ id: i, config: c, metrics: m, offset: 0, feasible: feasible[i] === 1, pareto: front[i] === 1, score: scores[i], rank: ranks[i], error: err }),
    );
    if (chunk.length === 5000) {
      await write(chunk.join('\n') + '\n');
      chunk = [];
    }
  }
  const cal: Config = { band: 'calendar', width: 0, check: 'monthly', mode: 'target', cooldown: 0, feeBps: 5, halfSpreadBps: 2, fixedFee: 0, minTrade: 0 };
  const none: Config = { ...cal, band: 'none' };
  bigMetrics(0, { ...cal, band: 'absolute', width: 0.001 }, u, m);
  chunk.push(formatRow({ id: 'calendar-monthly', config: cal, metrics: m, offset: 0, feasible: true, pareto: false, score: NaN, rank: 0, error: '' }));
  bigMetrics(1, { ...cal, band: 'absolute', width: 0.5 }, u, m);
  chunk.push(formatRow({ id: 'none', config: none, metrics: m, offset: 0, feasible: false, pareto: false, score: NaN, rank: 0, error: '' }));
  await write(chunk.join('\n') + '\n');
  out.end();
  await once(out, 'finish');
  return facts;
}

/** A manifest like the runner's, for the quickstart data (the best row and the baselines are re-run on it). */
export function bigManifest(n: number): object {
  return {
    tool: 'rebalance-lab',
    version: '0.1.0',
    experiment: {
      name: 'big-random',
      file: 'experiments/big-random.ts',
      sha256: '0',
      spec: {
        name: 'big-random',
        description: 'A synthetic random search for the streaming report test.',
        data: { file: 'data/etf_daily_adjclose_1993_2023.csv' },
        targets: { SPY: 0.4, TLT: 0.3, GLD: 0.15, SHY: 0.15 },
        normalizeTargets: false,
        initialCapital: 100000,
        riskFree: 0,
        costs: { feeBps: 5, halfSpreadBps: 2, fixedFee: 0, minTrade: 0 },
        search: bigSearch(n),
        space: BIG_SPACE,
        objectives: ['turnover', 'trackingError', 'maxDrawdown'],
        scoreWeights: { trackingError: 1, costDrag: 1e-4, turnover: 1e-3 },
        constraints: ['trackingError <= 0.02'],
        report: { heatmap: ['width', 'check'], top: 20 },
      },
    },
    data: {
      file: 'data/etf_daily_adjclose_1993_2023.csv',
      // the report checks the data file is the one the run used (results/manifest.ts locateRunData)
      sha256: createHash('sha256')
        .update(readFileSync(resolve(import.meta.dirname, '../../data/etf_daily_adjclose_1993_2023.csv')))
        .digest('hex'),
      assets: ['SPY', 'TLT', 'GLD', 'SHY'],
      rows: 4637,
      first: '2004-11-18',
      last: '2023-04-21',
      windowStart: '2004-11-18',
      periodsPerYear: 252,
    },
    search: { kind: 'random', seed: 2024, size: n },
    createdAt: '2024-01-01T00:00:00.000Z',
    completedAt: '2024-01-01T00:10:00.000Z',
    workers: 2,
    timings: { total: 600 },
    failed: 0,
  };
}
