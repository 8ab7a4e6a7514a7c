/**
 * The tearsheet's over-time charts for the recommended configuration against the baselines:
 * value (log axis where it spans more than 3×), value relative to the benchmark, drawdown, weights
 * (one panel per asset, trade days as a rug below the axis), cumulative costs in basis points of
 * capital. The recommended series is always drawn last (on top) and thicker.
 * Data step: timeline() — one wide table keyed by date; plot step: timeCharts().
 */
import type { TopLevelSpec } from 'vega-lite';
import type { ReportInput, ReportSeries } from '../types.js';
import { benchmarkRule, CHART_CONFIG, dateX, INK, SERIES_COLORS, tooltipExpr, VL_SCHEMA, type ChartDef, type ConcatChild, type LayerChild } from './common.js';

export type TimeRow = Record<string, string | number | boolean | null>;

export interface Timeline {
  /** One row per kept date: date, and per series k: v{k}, r{k} (÷ benchmark), dd{k}, cb{k} (costs, bp), tr{k}, w{i}_{k}; lo{i}/hi{i} of series 0. */
  rows: TimeRow[];
  total: number;
  kept: number;
  series: { key: string; label: string; id: string; trades: number; hasBands: boolean }[];
  /** Whether a benchmark series was given (r{k} columns). */
  relative: boolean;
}

/**
 * The series as one wide table keyed by date. Long windows are thinned to about `maxPoints` dates
 * by a stride, always keeping every trade day of the first series, each series' deepest drawdown
 * day, and the first and last day. Series are aligned by date.
 */
export function timeline(series: ReportSeries[], assets: number, maxPoints = 1500, benchmark?: number[]): Timeline {
  if (series.length === 0) return { rows: [], total: 0, kept: 0, series: [], relative: false };
  const base = series[0];
  const T = base.dates.length;
  const keep = new Uint8Array(T);
  const stride = Math.max(1, Math.ceil(T / maxPoints));
  for (let t = 0; t < T; t += stride) keep[t] = 1;
  if (T > 0) keep[T - 1] = 1;
  const idx = series.map((s) => {
    if (s.dates.length === T && (T === 0 || (s.dates[0] === base.dates[0] && s.dates[T - 1] === base.dates[T - 1]))) return null;
    const pos = new Map<string, number>();
    s.dates.forEach((d, i) => pos.set(d, i));
    return Int32Array.from(base.dates, (d) => pos.get(d) ?? -1);
  });
  const at = (k: number, t: number): number => (idx[k] ? (idx[k] as Int32Array)[t] : t);
  const tradeSets = series.map((s, k) => {
    const set = new Set<number>();
    const m = idx[k];
    if (m) {
      const back = new Map<number, number>();
      m.forEach((j, t) => j >= 0 && back.set(j, t));
      for (const d of s.tradeDays) if (back.has(d)) set.add(back.get(d) as number);
    } else for (const d of s.tradeDays) set.add(d);
    return set;
  });
  // trade days of the recommended series are all kept (a rug tick per trade); baselines' are drawn where kept
  for (const t of tradeSets[0]) if (t >= 0 && t < T) keep[t] = 1;
  series.forEach((s, k) => {
    let worst = -1;
    let worstT = -1;
    for (let t = 0; t < T; t++) {
      const j = at(k, t);
      if (j >= 0 && s.drawdown[j] > worst) {
        worst = s.drawdown[j];
        worstT = t;
      }
    }
    if (worstT >= 0) keep[worstT] = 1;
  });
  const num = (x: number | undefined): number | null => (x !== undefined && Number.isFinite(x) ? Number(x.toPrecision(7)) : null);
  // cumulative costs in basis points of capital: Σ cost_t / value_t (the cost drag's sum, not annualised)
  const costBp = series.map((s) => {
    const out = new Float64Array(s.value.length);
    let acc = 0;
    for (let j = 0; j < s.value.length; j++) {
      const c = s.cumCost[j] - (j > 0 ? s.cumCost[j - 1] : 0);
      const v = s.value[j] + c;
      if (c > 0 && v > 0) acc += (c / v) * 1e4;
      out[j] = acc;
    }
    return out;
  });
  const rows: TimeRow[] = [];
  for (let t = 0; t < T; t++) {
    if (!keep[t]) continue;
    const row: TimeRow = { date: base.dates[t] };
    const b = benchmark?.[t];
    series.forEach((s, k) => {
      const j = at(k, t);
      const ok = j >= 0;
      row[`v${k}`] = ok ? num(s.value[j]) : null;
      if (benchmark) row[`r${k}`] = ok && b !== undefined && b > 0 ? num(s.value[j] / b) : null;
      row[`dd${k}`] = ok ? num(s.drawdown[j]) : null;
      row[`cb${k}`] = ok ? num(costBp[k][j]) : null;
      row[`tr${k}`] = tradeSets[k].has(t);
      for (let i = 0; i < assets; i++) row[`w${i}_${k}`] = ok ? num(s.weights[i]?.[j]) : null;
    });
    for (let i = 0; i < assets; i++) {
      const lo = base.bandLower[i];
      const hi = base.bandUpper[i];
      row[`lo${i}`] = lo ? num(lo[t]) : null;
      row[`hi${i}`] = hi ? num(hi[t]) : null;
    }
    rows.push(row);
  }
  return {
    rows,
    total: T,
    kept: rows.length,
    relative: benchmark !== undefined,
    series: series.map((s, k) => ({ key: String(k), label: s.label, id: s.id, trades: tradeSets[k].size, hasBands: s.bandLower.some((b) => b !== null) })),
  };
}

function uniqueLabels(labels: string[]): string[] {
  const seen = new Map<string, number>();
  return labels.map((l) => {
    const n = seen.get(l) ?? 0;
    seen.set(l, n + 1);
    return n === 0 ? l : `${l} (${n + 1})`;
  });
}

/** Date axis (UTC): one tick per quarter, year or few years, so no label repeats. */

const WIDTH = 880;

function palette(n: number): string[] {
  // the recommended series in blue, baselines in the other colours
  return SERIES_COLORS.slice(0, n);
}

/** A line per series, the recommended one (series 0) drawn last and thicker. */
function linesLayers(
  tl: Timeline,
  prefix: string,
  yTitle: string,
  format: string,
  axisFmt: string | undefined,
  opts: { reverse?: boolean; log?: boolean; ruleAt?: number } = {},
): LayerChild[] {
  const labels = uniqueLabels(tl.series.map((s) => s.label));
  const keys = tl.series.map((_, k) => `${prefix}${k}`);
  const color = {
    field: 'series',
    type: 'nominal' as const,
    title: null,
    scale: { domain: labels, range: palette(labels.length) },
    legend: { orient: 'top' as const, direction: 'horizontal' as const, labelLimit: 520, columns: 2 },
  };
  const DATE_X = dateX(tl.rows);
  const Y = {
    field: 'y',
    type: 'quantitative' as const,
    title: yTitle,
    scale: opts.log ? { type: 'log' as const, nice: false } : { zero: false, reverse: opts.reverse ?? false },
    axis: { format: axisFmt, labelOverlap: 'greedy' as const },
  };
  const fold = (ks: string[]) => [
    { fold: ks, as: ['key', 'y'] as [string, string] },
    { lookup: 'key', from: { data: { values: keys.map((key, k) => ({ key, series: labels[k] })) }, key: 'key', fields: ['series'] } },
    { filter: 'isValid(datum.y)' },
  ];
  const layers: LayerChild[] = [];
  if (opts.ruleAt !== undefined) {
    layers.push(benchmarkRule(opts.ruleAt));
  }
  if (keys.length > 1) {
    layers.push({
      transform: fold(keys.slice(1)),
      mark: { type: 'line', strokeWidth: 1.2, opacity: 0.85, tooltip: tooltipExpr([{ field: 'series', title: 'series' }]) },
      encoding: { x: DATE_X, y: Y, color },
    });
  }
  layers.push({
    transform: fold(keys.slice(0, 1)),
    mark: { type: 'line', strokeWidth: 2.6, tooltip: tooltipExpr([{ field: 'series', title: 'series' }]) },
    encoding: { x: DATE_X, y: Y, color },
  });
  layers.push({
    mark: {
      type: 'rule',
      opacity: 0,
      strokeWidth: Math.max(1, Math.ceil(WIDTH / Math.max(1, tl.kept))),
      tooltip: tooltipExpr([{ field: 'date', title: 'date' }, ...keys.map((key, k) => ({ field: key, title: labels[k], format }))]),
    },
    encoding: { x: DATE_X },
  });
  return layers;
}

function timeSpec(tl: Timeline, layers: LayerChild[], height: number): TopLevelSpec {
  return { $schema: VL_SCHEMA, config: CHART_CONFIG, width: WIDTH, height, datasets: { timeline: tl.rows }, data: { name: 'timeline' }, layer: layers };
}

const WEIGHT_HEIGHT = 150;

function weightsSpec(tl: Timeline, assets: string[], targets: Record<string, number>): TopLevelSpec {
  const labels = uniqueLabels(tl.series.map((s) => s.label));
  const bands = tl.series[0]?.hasBands ?? false;
  // short row names for the rugs ("recommended", "calendar, checked daily" → "calendar daily")
  const short = (l: string, k: number) =>
    k === 0 ? 'recommended' : l.replace(/^calendar, checked /, 'calendar ').replace(/^calendar, checked every /, 'calendar every ');
  const traded = tl.series.map((s, k) => ({ k, label: labels[k], name: short(labels[k], k), trades: s.trades })).filter((s) => s.trades > 0);
  const rows: ConcatChild[] = [];
  assets.forEach((asset, i) => {
    const keys = tl.series.map((_, k) => `w${i}_${k}`);
    const layer: LayerChild[] = [];
    const DATE_NOAXIS = { ...dateX(tl.rows, false) };
    if (bands) {
      layer.push({
        transform: [{ filter: `isValid(datum.lo${i}) && isValid(datum.hi${i})` }],
        mark: {
          type: 'area',
          opacity: 0.14,
          color: SERIES_COLORS[0],
          tooltip: tooltipExpr([
            { field: 'date', title: 'date' },
            { field: `lo${i}`, title: 'lower border', format: '.2%' },
            { field: `hi${i}`, title: 'upper border', format: '.2%' },
          ]),
        },
        encoding: {
          x: DATE_NOAXIS,
          y: { field: `lo${i}`, type: 'quantitative', title: `${asset} weight`, scale: { zero: false }, axis: { format: '.1%' } },
          y2: { field: `hi${i}` },
        },
      });
    }
    layer.push({
      data: { values: [{ asset, target: targets[asset] ?? null }] },
      mark: {
        type: 'rule',
        color: INK,
        strokeDash: [4, 3],
        strokeWidth: 1,
        tooltip: tooltipExpr([
          { field: 'asset', title: 'asset' },
          { field: 'target', title: 'target weight', format: '.2%' },
        ]),
      },
      encoding: { y: { field: 'target', type: 'quantitative' } },
    });
    const lines = linesLayers(tl, `w${i}_`, `${asset} weight`, '.2%', '.1%').map((l) => {
      if (!('encoding' in l) || !l.encoding || !('x' in l.encoding)) return l;
      return { ...l, encoding: { ...l.encoding, x: DATE_NOAXIS } } as LayerChild;
    });
    layer.push(...lines);
    void keys;
    rows.push({ width: WIDTH, height: WEIGHT_HEIGHT, data: { name: 'timeline' }, layer, resolve: { scale: { y: 'shared' } } });
    // the rug: one row of ticks per series that traded, below the panel's axis
    if (traded.length) {
      rows.push({
        width: WIDTH,
        height: { step: 11 },
        data: { name: 'timeline' },
        transform: [
          { fold: traded.map((s) => `tr${s.k}`), as: ['key', 'traded'] },
          { filter: 'datum.traded' },
          {
            lookup: 'key',
            from: { data: { values: traded.map((s) => ({ key: `tr${s.k}`, series: s.label, row: s.name })) }, key: 'key', fields: ['series', 'row'] },
          },
        ],
        mark: {
          type: 'tick',
          thickness: 1.2,
          tooltip: tooltipExpr([
            { field: 'series', title: 'rebalance' },
            { field: 'date', title: 'date' },
          ]),
        },
        encoding: {
          x: dateX(tl.rows),
          y: {
            field: 'row',
            type: 'nominal',
            title: 'trades',
            sort: traded.map((s) => s.name),
            axis: { labelLimit: 130, labelFontSize: 10, titleFontSize: 10 },
          },
          color: {
            field: 'series',
            type: 'nominal',
            title: null,
            scale: { domain: labels, range: palette(labels.length) },
            legend: { orient: 'top' as const, direction: 'horizontal' as const, labelLimit: 520, columns: 2 },
          },
        },
      });
    }
  });
  return { $schema: VL_SCHEMA, config: CHART_CONFIG, datasets: { timeline: tl.rows }, vconcat: rows, spacing: 4 };
}

export function timeCharts(tl: Timeline, input: ReportInput): ChartDef[] {
  if (tl.series.length === 0) return [];
  const best = tl.series[0];
  const thin =
    tl.kept < tl.total
      ? ` The window has ${tl.total.toLocaleString('en-US')} days; ${tl.kept.toLocaleString('en-US')} are drawn (evenly spaced, plus every trade day of the recommended configuration and each series' deepest drawdown).`
      : '';
  const values = tl.rows.flatMap((r) => tl.series.map((_, k) => r[`v${k}`])).filter((v): v is number => typeof v === 'number' && v > 0);
  const logValue = values.length > 1 && Math.max(...values) / Math.min(...values) > 3;
  const charts: ChartDef[] = [
    {
      id: 'chart-value',
      section: 'time',
      title: 'Portfolio value',
      explain: `Value after costs, every series starting from the same capital on the first day of the window.${logValue ? ' Log scale (the value spans more than 3×): equal vertical distances are equal percentage changes.' : ''} The recommended configuration is the thick blue line, drawn on top. Hover anywhere for the values on that day.${thin}`,
      spec: timeSpec(tl, linesLayers(tl, 'v', `portfolio value${logValue ? ' (log scale)' : ''}`, ',.0f', ',.0f', { log: logValue }), 240),
    },
  ];
  if (tl.relative) {
    charts.push({
      id: 'chart-relative',
      section: 'time',
      title: 'Value relative to the benchmark',
      explain:
        'Each series divided by the benchmark: the target weights rebalanced every period at no cost (the reference of tracking error and excess return). ' +
        'Above 1 the series is ahead of the benchmark; a falling line is the cost and drift penalty, a rising one the rebalancing bonus.' +
        thin,
      spec: timeSpec(tl, linesLayers(tl, 'r', 'value ÷ benchmark', '.4f', '.3f', { ruleAt: 1 }), 200),
    });
  }
  charts.push(
    {
      id: 'chart-drawdown',
      section: 'time',
      title: 'Drawdown',
      explain: `How far each series is below its own previous peak; the lowest point of each line is its maximum drawdown.${thin}`,
      spec: timeSpec(tl, linesLayers(tl, 'dd', 'drawdown below peak', '.2%', '.0%', { reverse: true }), 180),
    },
    {
      id: 'chart-weights',
      section: 'time',
      title: 'Weights, bands and trades',
      explain: `End-of-day weight of each asset, one panel per asset. The dashed line is the target weight${
        best.hasBands
          ? `; the shaded area is the no-trade band of ${best.label}, which trades when a weight leaves it`
          : `; ${best.label} uses a portfolio-level trigger, so it has no per-asset band to draw`
      }. Below each panel, one row of ticks per series marks the days it rebalanced (a daily schedule is a solid row). The recommended configuration is drawn on top.${thin}`,
      spec: weightsSpec(tl, input.data.assets, input.targets),
    },
    {
      id: 'chart-costs',
      section: 'time',
      title: 'Cumulative costs (bp of capital)',
      explain: `Trading costs paid so far, each as a share of the portfolio value on the day it was paid, in basis points (1 bp = 0.01%), summed; divided by the years it is the cost drag column. Each step up is a rebalance.${thin}`,
      spec: timeSpec(tl, linesLayers(tl, 'cb', 'costs paid, bp of capital', ',.1f', ',.0f'), 180),
    },
  );
  return charts;
}
