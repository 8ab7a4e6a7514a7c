/**
 * Vega-Lite chart specifications for the report, generated from the aggregates of aggregate.ts.
 * Every spec is a complete `TopLevelSpec` with its data in `datasets`, so it compiles on its own
 * (the tests compile each one); the HTML page stores each dataset once and re-attaches it.
 * Every mark has a tooltip, built as one Vega expression so missing values show as "—"
 * (a plain `format` tooltip would print a missing value as 0).
 */
import type { TopLevelSpec } from 'vega-lite';
import type { RowSummary, Timeline } from './aggregate.js';
import { d3Format, metricMeta, paramMeta } from './format.js';
import type { Heatmap, ParamEffect, ReportInput, ReportRow } from './types.js';

type LayerTop = Extract<TopLevelSpec, { layer: unknown }>;
type LayerChild = LayerTop['layer'][number];
type VConcatTop = Extract<TopLevelSpec, { vconcat: unknown }>;
type ConcatChild = VConcatTop['vconcat'][number];
type VlConfig = NonNullable<TopLevelSpec['config']>;
export type Datum = Record<string, string | number | boolean | null>;

/** Matches the inlined vega-lite build (package.json pins vega-lite 6). */
export const VL_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

export const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

export const CHART_CONFIG: VlConfig = {
  font: FONT,
  background: 'white',
  padding: 8,
  axis: {
    labelFontSize: 11,
    titleFontSize: 12,
    titleFontWeight: 600,
    titleColor: '#374151',
    labelColor: '#4b5563',
    gridColor: '#eef0f3',
    domainColor: '#9ca3af',
    tickColor: '#9ca3af',
    titlePadding: 8,
  },
  legend: { labelFontSize: 11, titleFontSize: 11, titleColor: '#374151', labelColor: '#374151' },
  header: { labelFontSize: 12, titleFontSize: 12 },
  title: { fontSize: 13, fontWeight: 600, anchor: 'start', color: '#111827', offset: 8 },
  view: { stroke: '#e5e7eb' },
};

/** Series colours: best configuration first, then baselines. */
export const SERIES_COLORS = ['#2563eb', '#ea580c', '#6b7280', '#16a34a', '#9333ea', '#db2777', '#0891b2'];
const INK = '#111827';

/** A chart of the report: where it goes, what it is called, how to read it, and its spec. */
export interface ChartDef {
  /** Container element id. */
  id: string;
  section: 'tradeoff' | 'effects' | 'time' | 'robust' | 'validation';
  title: string;
  /** Plain text under the chart: how to read it. */
  explain: string;
  spec: TopLevelSpec;
}

/* ------------------------------------------------------------------ fields, tooltips */

const safe = (s: string) => s.replace(/[^A-Za-z0-9_]/g, '_');
export const paramField = (p: string) => `p_${safe(p)}`;
export const metricField = (m: string) => `m_${safe(m)}`;

export interface Tip {
  field: string;
  title: string;
  /** d3-format string for numbers; absent: shown as text. */
  format?: string;
  bool?: [string, string];
}

/** A Vega expression building the tooltip object; missing or non-finite numbers show as "—". */
export function tooltipExpr(tips: Tip[]): { expr: string } {
  const parts = tips.map((t) => {
    const acc = `datum[${JSON.stringify(t.field)}]`;
    let val: string;
    if (t.bool) val = `${acc} ? ${JSON.stringify(t.bool[0])} : ${JSON.stringify(t.bool[1])}`;
    else if (t.format) val = `isValid(${acc}) && isFinite(${acc}) ? format(${acc}, ${JSON.stringify(t.format)}) : "—"`;
    else val = `isValid(${acc}) ? "" + ${acc} : "—"`;
    return `${JSON.stringify(t.title)}: ${val}`;
  });
  return { expr: `{${parts.join(', ')}}` };
}

/** Round to 6 significant digits: enough for any chart, and it keeps the embedded JSON small. */
export function round6(x: number | null | undefined): number | null {
  if (x === null || x === undefined || !Number.isFinite(x)) return null;
  if (x === 0 || Number.isInteger(x)) return x;
  return Number(x.toPrecision(6));
}

/** Parameters shown for configuration rows: the searched ones first, then any other present. */
export function paramList(input: ReportInput, rows: ReportRow[]): string[] {
  const seen = new Set<string>(input.experiment.searchedParams);
  const out = [...input.experiment.searchedParams];
  for (const r of rows) {
    for (const [k, v] of Object.entries(r.params)) {
      if (v !== null && v !== undefined && !seen.has(k)) {
        seen.add(k);
        out.push(k);
      }
    }
  }
  return out;
}

export function metricList(input: ReportInput, rows: ReportRow[]): string[] {
  const seen = new Set<string>(input.experiment.objectives);
  const out = [...input.experiment.objectives];
  for (const r of rows) {
    for (const k of Object.keys(r.metrics)) {
      if (!seen.has(k)) {
        seen.add(k);
        out.push(k);
      }
    }
  }
  return out;
}

/** A row as a flat datum: id, label, kind, rank, score, feasible, pareto, p_*, m_*. */
export function flatRow(r: ReportRow, params: string[], metrics: string[]): Datum {
  const o: Datum = {
    id: r.id,
    label: r.label,
    kind: r.kind,
    rank: r.rank,
    score: round6(r.score),
    feasible: r.feasible,
    pareto: r.pareto,
  };
  for (const p of params) {
    const v = r.params[p];
    o[paramField(p)] = typeof v === 'number' ? round6(v) : (v ?? null);
  }
  for (const m of metrics) o[metricField(m)] = round6(r.metrics[m]);
  return o;
}

function rowTips(params: string[], metrics: string[]): Tip[] {
  const tips: Tip[] = [
    { field: 'label', title: 'configuration' },
    { field: 'id', title: 'id' },
    { field: 'rank', title: 'rank', format: ',d' },
    { field: 'score', title: 'score', format: '.4~g' },
    { field: 'feasible', title: 'feasible', bool: ['yes', 'no'] },
    { field: 'pareto', title: 'Pareto front', bool: ['yes', 'no'] },
  ];
  for (const p of params) {
    const meta = paramMeta(p);
    tips.push({ field: paramField(p), title: meta.title, format: d3Format(meta.kind) });
  }
  for (const m of metrics) {
    const meta = metricMeta(m);
    tips.push({ field: metricField(m), title: meta.title, format: d3Format(meta.kind) });
  }
  return tips;
}

function axisFormat(metric: string): string | undefined {
  const k = metricMeta(metric).kind;
  return k === 'pct' ? '.1%' : k === 'money' ? ',.0f' : undefined;
}

/* ------------------------------------------------------------------ the trade-off scatters */

export interface ScatterData {
  configs: Datum[];
  baselines: Datum[];
  tooltipFields: Tip[];
}

export function scatterData(input: ReportInput, summary: RowSummary): ScatterData {
  const params = paramList(input, summary.sample.concat(summary.baselines));
  const metrics = metricList(input, summary.sample.length ? summary.sample : summary.baselines);
  return {
    configs: summary.sample.map((r) => flatRow(r, params, metrics)),
    baselines: summary.baselines.map((r) => flatRow(r, params, metrics)),
    tooltipFields: rowTips(params, metrics),
  };
}

function scatterSpec(data: ScatterData, x: string, y: string, color: string): TopLevelSpec {
  const tip = tooltipExpr(data.tooltipFields);
  const X = {
    field: metricField(x),
    type: 'quantitative' as const,
    title: metricMeta(x).title,
    // a little room around the points, without a negative tick label for quantities that are never negative
    scale: { zero: false, nice: false, padding: 14 },
    axis: { format: axisFormat(x), labelExpr: 'datum.value < 0 ? "" : datum.label' },
  };
  const Y = {
    field: metricField(y),
    type: 'quantitative' as const,
    title: metricMeta(y).title,
    // a little room around the points, without a negative tick label for quantities that are never negative
    scale: { zero: false, nice: false, padding: 14 },
    axis: { format: axisFormat(y), labelExpr: 'datum.value < 0 ? "" : datum.label' },
  };
  const C = {
    field: metricField(color),
    type: 'quantitative' as const,
    title: metricMeta(color).title,
    scale: { scheme: { name: 'plasma', extent: [0.05, 0.88] } },
    legend: { format: axisFormat(color), gradientLength: 160 },
  };
  // only layers that have data: an empty layer makes vega warn about an infinite extent
  const some = (f: (d: Datum) => boolean) => data.configs.some(f);
  const hasBest = some((d) => d.feasible === true && d.rank === 1);
  const layer: LayerChild[] = [];
  if (some((d) => !d.pareto)) {
    layer.push({
      data: { name: 'configs' },
      transform: [{ filter: '!datum.pareto' }],
      mark: { type: 'point', filled: true, size: 24, opacity: 0.7, clip: true, tooltip: tip },
      encoding: { x: X, y: Y, color: C },
    });
  }
  if (some((d) => d.pareto === true)) {
    layer.push(
      {
        data: { name: 'configs' },
        transform: [{ filter: 'datum.pareto' }],
        mark: { type: 'line', color: INK, strokeWidth: 1.2, opacity: 0.55, clip: true, tooltip: { expr: '{"Pareto front": "line joins the front, sorted by turnover"}' } },
        encoding: { x: X, y: Y, order: { field: metricField('turnover'), type: 'quantitative' } },
      },
      {
        data: { name: 'configs' },
        transform: [{ filter: 'datum.pareto' }],
        mark: { type: 'point', filled: true, size: 64, opacity: 1, stroke: INK, strokeWidth: 1.2, clip: true, tooltip: tip },
        encoding: { x: X, y: Y, color: C },
      },
    );
  }
  if (hasBest) {
    layer.push(
      {
        data: { name: 'configs' },
        transform: [{ filter: 'datum.feasible && datum.rank === 1' }],
        mark: { type: 'point', shape: 'diamond', filled: true, size: 240, color: SERIES_COLORS[0], stroke: 'white', strokeWidth: 1.5, opacity: 1, clip: true, tooltip: tip },
        encoding: { x: X, y: Y },
      },
      {
        data: { name: 'configs' },
        transform: [{ filter: 'datum.feasible && datum.rank === 1' }, { calculate: '"best (rank 1)"', as: 'tag' }],
        mark: { type: 'text', align: 'left', dx: 10, dy: 10, fontWeight: 700, color: SERIES_COLORS[0], clip: true, tooltip: tip },
        encoding: { x: X, y: Y, text: { field: 'tag' } },
      },
    );
  }
  if (data.baselines.length) {
    layer.push(
      {
        data: { name: 'baselines' },
        mark: { type: 'point', shape: 'square', filled: true, size: 120, color: INK, opacity: 1, clip: true, tooltip: tip },
        encoding: { x: X, y: Y },
      },
      {
        data: { name: 'baselines' },
        mark: { type: 'text', align: 'left', dx: 9, dy: -9, fontWeight: 700, color: INK, clip: true, tooltip: tip },
        encoding: { x: X, y: Y, text: { field: 'label' } },
      },
    );
  }
  if (layer.length && 'mark' in layer[0]) {
    // drag to pan, scroll to zoom, double-click to reset
    layer[0] = { ...layer[0], params: [{ name: `zoom_${safe(y)}`, select: 'interval', bind: 'scales' }] };
  }
  return {
    $schema: VL_SCHEMA,
    config: CHART_CONFIG,
    width: 780,
    height: 400,
    datasets: { configs: data.configs, baselines: data.baselines },
    layer,
  };
}

export function tradeoffCharts(data: ScatterData, sampleNote: string): ChartDef[] {
  const common =
    'Each dot is one configuration; the further down and left, the better. Dots with a dark outline are the Pareto front ' +
    '(no other configuration is better on every objective at once), joined by a line in order of turnover; since the front is ' +
    'computed over all objectives, it need not look like a clean curve in two dimensions. The blue diamond is the recommended ' +
    '(rank 1) configuration and the black squares are the baselines. Hover for every parameter and metric; drag to pan, scroll to zoom, double-click to reset. ' +
    sampleNote;
  return [
    {
      id: 'chart-tradeoff-te',
      section: 'tradeoff',
      title: 'Turnover against tracking error',
      explain: `Trading less (left) lets the portfolio drift further from its targets (up). Colour is the maximum drawdown. ${common}`,
      spec: scatterSpec(data, 'turnover', 'trackingError', 'maxDrawdown'),
    },
    {
      id: 'chart-tradeoff-dd',
      section: 'tradeoff',
      title: 'Turnover against maximum drawdown',
      explain: `The same configurations, with the worst peak-to-trough loss on the vertical axis. Colour is the tracking error. ${common}`,
      spec: scatterSpec(data, 'turnover', 'maxDrawdown', 'trackingError'),
    },
  ];
}

/* ------------------------------------------------------------------ parameter effects */

/** Tick values for a log axis: the powers of ten in range, with 2× and 5× steps when there are few. */
function logTicks(effect: ParamEffect): number[] {
  const xs = effect.rows.map((r) => r.x).filter((x): x is number => typeof x === 'number' && x > 0);
  if (xs.length === 0) return [];
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const v = Number((m * 10 ** e).toPrecision(1));
      if (v >= lo * 0.999 && v <= hi * 1.001) ticks.push(v);
    }
  }
  const decades = ticks.filter((v) => Number(v.toExponential(0).split('e')[0]) === 1);
  return decades.length >= 3 ? decades : ticks;
}

function effectSpec(effect: ParamEffect, objectives: string[], datasetName: string): TopLevelSpec {
  const meta = paramMeta(effect.param);
  const cellWidth = Math.max(200, Math.floor(840 / Math.max(1, objectives.length)) - 40);
  // axis labels: whole numbers for integer parameters (lookback, cooldown), three digits otherwise
  const integerX = effect.rows.every((r) => typeof r.x === 'number' && Number.isInteger(r.x));
  const X = effect.numeric
    ? {
        field: 'x',
        type: 'quantitative' as const,
        title: meta.title + (effect.logScale ? ' (log scale)' : ''),
        scale: effect.logScale ? { type: 'log' as const, nice: false, padding: 8 } : { zero: false, nice: false, padding: 8 },
        axis: effect.logScale
          ? { labelOverlap: 'greedy' as const, format: '~g', values: logTicks(effect), grid: false }
          : { labelOverlap: 'greedy' as const, format: integerX ? ',d' : '.3~g', tickCount: 6 },
      }
    : {
        field: 'x',
        type: 'ordinal' as const,
        title: meta.title,
        sort: effect.order,
        // rotate category labels only when they would not fit side by side (about 6.5 px a character)
        axis: { labelAngle: effect.order.reduce((a, s) => a + s.length * 6.5 + 8, 0) > cellWidth ? -35 : 0 },
      };
  const charts: ConcatChild[] = objectives.map((o) => {
    const om = metricMeta(o);
    const fmt = d3Format(om.kind);
    const tip = tooltipExpr([
      { field: 'xLabel', title: meta.title + (effect.binned ? ' (bin)' : '') },
      { field: 'objective', title: 'objective' },
      { field: 'median', title: 'median', format: fmt },
      { field: 'q25', title: '25th percentile', format: fmt },
      { field: 'q75', title: '75th percentile', format: fmt },
      { field: 'n', title: 'configurations', format: ',d' },
    ]);
    const Y = { field: 'median', type: 'quantitative' as const, title: om.title, scale: { zero: false, padding: 6 }, axis: { format: axisFormat(o) } };
    const layer: LayerChild[] = effect.numeric
      ? [
          { mark: { type: 'area', opacity: 0.2, color: SERIES_COLORS[0], tooltip: tip }, encoding: { x: X, y: { ...Y, field: 'q25' }, y2: { field: 'q75' } } },
          { mark: { type: 'line', color: SERIES_COLORS[0], strokeWidth: 2, tooltip: tip }, encoding: { x: X, y: Y } },
          { mark: { type: 'point', filled: true, size: 30, color: SERIES_COLORS[0], opacity: 1, tooltip: tip }, encoding: { x: X, y: Y } },
        ]
      : [
          { mark: { type: 'rule', strokeWidth: 8, opacity: 0.25, color: SERIES_COLORS[0], tooltip: tip }, encoding: { x: X, y: { ...Y, field: 'q25' }, y2: { field: 'q75' } } },
          { mark: { type: 'point', filled: true, size: 70, color: SERIES_COLORS[0], opacity: 1, tooltip: tip }, encoding: { x: X, y: Y } },
        ];
    return {
      title: om.title,
      width: cellWidth,
      height: 170,
      data: { name: datasetName },
      transform: [{ filter: { field: 'objective', equal: o } }],
      layer,
    };
  });
  return {
    $schema: VL_SCHEMA,
    config: CHART_CONFIG,
    datasets: { [datasetName]: effect.rows },
    hconcat: charts,
  };
}

export function effectCharts(effects: ParamEffect[], objectives: string[], totalConfigs: number): ChartDef[] {
  return effects.map((e) => {
    const meta = paramMeta(e.param);
    const how = e.numeric
      ? e.binned
        ? `${meta.title} takes many values, so configurations are grouped into ${e.order.length} bins of about equal size; each point sits at the median ${meta.title} of its bin.`
        : `Each point is one value of ${meta.title}.`
      : `Each category of ${meta.title} is one column.`;
    const applies =
      e.applicable < totalConfigs
        ? ` ${meta.title} applies to ${e.applicable.toLocaleString('en-US')} of ${totalConfigs.toLocaleString('en-US')} configurations; the rest are left out here.`
        : '';
    return {
      id: `chart-effect-${safe(e.param)}`,
      section: 'effects' as const,
      title: `Effect of ${meta.title}`,
      explain:
        `How each objective moves with ${meta.title} across all configurations (not a sample). ${how} ` +
        `The ${e.numeric ? 'line' : 'dot'} is the median of the objective and the shaded ${e.numeric ? 'band' : 'bar'} spans the 25th to 75th percentile, ` +
        `so it shows both the typical effect and how much the other parameters matter. Lower is better.${applies}` +
        (e.param === 'width' && e.numeric
          ? ' Width means a different thing for each band type (a fraction of the portfolio or of the target weight; k, a multiple of volatility, for the volatility band), so with several band types this panel mixes them.'
          : ''),
      spec: effectSpec(e, objectives, `effects_${safe(e.param)}`),
    };
  });
}

/* ------------------------------------------------------------------ heatmap */

export function heatmapChart(h: Heatmap, lowerIsBetter: boolean, numericY: boolean): ChartDef {
  const xm = paramMeta(h.xParam);
  const ym = paramMeta(h.yParam);
  const meds = h.cells.map((c) => c.median).filter((v): v is number => v !== null);
  const lo = Math.min(...meds);
  const hi = Math.max(...meds);
  const cells: Datum[] = h.cells.map((c) => {
    const t = c.median === null || hi === lo ? 0.5 : (c.median - lo) / (hi - lo);
    return { ...c, median: round6(c.median), best: round6(c.best), dark: lowerIsBetter ? t < 0.45 : t > 0.55 };
  });
  const tip = tooltipExpr([
    { field: 'x', title: xm.title },
    { field: 'y', title: ym.title },
    { field: 'median', title: 'median score', format: '.4~g' },
    { field: 'best', title: 'best score', format: '.4~g' },
    { field: 'total', title: 'configurations', format: ',d' },
    { field: 'feasible', title: 'feasible', format: ',d' },
    { field: 'n', title: 'with a score', format: ',d' },
  ]);
  const X = { field: 'x', type: 'ordinal' as const, sort: h.xOrder, title: xm.title, axis: { labelAngle: h.xOrder.some((s) => s.length > 6) ? -30 : 0 } };
  const Y = { field: 'y', type: 'ordinal' as const, sort: numericY ? [...h.yOrder].reverse() : h.yOrder, title: ym.title };
  const showText = cells.length <= 160;
  const layer: LayerChild[] = [
    {
      transform: [{ filter: '!isValid(datum.median)' }],
      mark: { type: 'rect', color: '#f3f4f6', stroke: 'white', strokeWidth: 1, tooltip: tip },
      encoding: { x: X, y: Y },
    },
    {
      transform: [{ filter: 'isValid(datum.median)' }],
      mark: { type: 'rect', stroke: 'white', strokeWidth: 1, tooltip: tip },
      encoding: {
        x: X,
        y: Y,
        color: {
          field: 'median',
          type: 'quantitative',
          title: ['median score', `(${lowerIsBetter ? 'lower' : 'higher'} is better)`],
          scale: { scheme: 'blues', reverse: lowerIsBetter },
          legend: { gradientLength: 160 },
        },
      },
    },
  ];
  if (showText) {
    layer.push({
      transform: [{ filter: 'isValid(datum.median)' }],
      mark: { type: 'text', fontSize: 10, tooltip: tip },
      encoding: {
        x: X,
        y: Y,
        text: { field: 'median', type: 'quantitative', format: '.3~g' },
        color: { condition: { test: 'datum.dark', value: 'white' }, value: INK },
      },
    });
  }
  const step = Math.max(28, Math.min(70, Math.floor(760 / Math.max(1, h.xOrder.length))));
  return {
    id: 'chart-heatmap',
    section: 'effects',
    title: `Score over ${xm.title} and ${ym.title}`,
    explain:
      `Each cell groups the configurations with that ${xm.title} and ${ym.title}` +
      ' (numeric parameters with many values are binned into ranges of about equal size)' +
      ` and shows their median score; ${lowerIsBetter ? 'darker is better (lower score)' : 'darker is better (higher score)'}. ` +
      'Grey cells hold no configuration with a score (for example, none feasible). Hover for the best score in the cell and how many configurations are in it.',
    spec: {
      $schema: VL_SCHEMA,
      config: CHART_CONFIG,
      width: { step },
      height: { step: Math.max(22, Math.min(44, Math.floor(420 / Math.max(1, h.yOrder.length)))) },
      datasets: { heatmap: cells },
      data: { name: 'heatmap' },
      layer,
    },
  };
}

/* ------------------------------------------------------------------ over time */

function uniqueLabels(labels: string[]): string[] {
  const seen = new Map<string, number>();
  return labels.map((l) => {
    const n = seen.get(l) ?? 0;
    seen.set(l, n + 1);
    return n === 0 ? l : `${l} (${n + 1})`;
  });
}

/** Date axis (UTC, as the ISO dates are): month and year for short windows, years for long ones. */
function dateX(tl: Timeline) {
  const rows = tl.rows;
  const first = rows.length ? Date.parse(String(rows[0].date)) : NaN;
  const last = rows.length ? Date.parse(String(rows[rows.length - 1].date)) : NaN;
  const years = (last - first) / (365.25 * 86400000);
  return {
    field: 'date',
    type: 'temporal' as const,
    title: null,
    scale: { type: 'utc' as const },
    axis: { labelOverlap: true, grid: false, format: Number.isFinite(years) && years <= 3 ? '%b %Y' : '%Y' },
  };
}

function timeSpec(
  tl: Timeline,
  prefix: string,
  yTitle: string,
  format: string,
  axisFmt: string | undefined,
  reverse: boolean,
  height = 240,
): TopLevelSpec {
  const labels = uniqueLabels(tl.series.map((s) => s.label));
  const keys = tl.series.map((_, k) => `${prefix}${k}`);
  const lookup = keys.map((key, k) => ({ key, series: labels[k] }));
  const color = {
    field: 'series',
    type: 'nominal' as const,
    title: null,
    scale: { domain: labels, range: SERIES_COLORS.slice(0, labels.length) },
    legend: { orient: 'top' as const, direction: 'horizontal' as const },
  };
  const hover = tooltipExpr([
    { field: 'date', title: 'date' },
    ...keys.map((key, k) => ({ field: key, title: labels[k], format })),
  ]);
  const width = 880;
  const DATE_X = dateX(tl);
  return {
    $schema: VL_SCHEMA,
    config: CHART_CONFIG,
    width,
    height,
    datasets: { timeline: tl.rows },
    data: { name: 'timeline' },
    layer: [
      {
        transform: [
          { fold: keys, as: ['key', 'y'] },
          { lookup: 'key', from: { data: { values: lookup }, key: 'key', fields: ['series'] } },
        ],
        mark: { type: 'line', strokeWidth: 1.6, interpolate: 'linear', tooltip: tooltipExpr([{ field: 'series', title: 'series' }]) },
        encoding: {
          x: DATE_X,
          y: { field: 'y', type: 'quantitative', title: yTitle, scale: { zero: false, reverse }, axis: { format: axisFmt } },
          color,
        },
      },
      {
        mark: { type: 'rule', opacity: 0, strokeWidth: Math.max(1, Math.ceil(width / Math.max(1, tl.kept))), tooltip: hover },
        encoding: { x: DATE_X },
      },
    ],
  };
}

const WEIGHT_HEIGHT = 160;

function weightsSpec(tl: Timeline, assets: string[], targets: Record<string, number>): TopLevelSpec {
  const labels = uniqueLabels(tl.series.map((s) => s.label));
  const color = {
    field: 'series',
    type: 'nominal' as const,
    title: null,
    scale: { domain: labels, range: SERIES_COLORS.slice(0, labels.length) },
    legend: { orient: 'top' as const, direction: 'horizontal' as const },
  };
  const width = 880;
  const DATE_X = dateX(tl);
  const bands = tl.series[0]?.hasBands ?? false;
  const rows: ConcatChild[] = assets.map((asset, i) => {
    const keys = tl.series.map((_, k) => `w${i}_${k}`);
    const lookup = keys.map((key, k) => ({ key, series: labels[k] }));
    const Y = { field: 'y', type: 'quantitative' as const, title: `${asset} weight`, scale: { zero: false }, axis: { format: '.1%' } };
    const layer: LayerChild[] = [];
    if (bands) {
      layer.push({
        transform: [{ filter: `isValid(datum.lo${i}) && isValid(datum.hi${i})` }],
        mark: {
          type: 'area',
          opacity: 0.16,
          color: SERIES_COLORS[0],
          tooltip: tooltipExpr([
            { field: 'date', title: 'date' },
            { field: `lo${i}`, title: `${labels[0]}: lower border`, format: '.2%' },
            { field: `hi${i}`, title: `${labels[0]}: upper border`, format: '.2%' },
          ]),
        },
        encoding: {
          x: DATE_X,
          y: { field: `lo${i}`, type: 'quantitative', title: `${asset} weight`, scale: { zero: false }, axis: { format: '.1%' } },
          y2: { field: `hi${i}` },
        },
      });
    }
    layer.push(
      {
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
      },
      {
        transform: [
          { fold: keys, as: ['key', 'y'] },
          { lookup: 'key', from: { data: { values: lookup }, key: 'key', fields: ['series'] } },
        ],
        mark: { type: 'line', strokeWidth: 1.4, tooltip: tooltipExpr([{ field: 'series', title: 'series' }]) },
        encoding: { x: DATE_X, y: Y, color },
      },
    );
    tl.series.forEach((s, k) => {
      if (s.trades === 0) return;
      layer.push({
        transform: [{ filter: `datum.tr${k}` }, { calculate: JSON.stringify(labels[k]), as: 'series' }],
        mark: {
          type: 'tick',
          orient: 'vertical',
          thickness: 1.5,
          size: 9,
          opacity: 0.95,
          color: SERIES_COLORS[k % SERIES_COLORS.length],
          tooltip: tooltipExpr([
            { field: 'series', title: 'rebalance' },
            { field: 'date', title: 'date' },
            { field: `w${i}_${k}`, title: `${asset} weight after trade`, format: '.2%' },
          ]),
        },
        // a rug along the bottom of the panel, one row per series
        encoding: { x: DATE_X, y: { value: WEIGHT_HEIGHT - 6 - 11 * k } },
      });
    });
    layer.push({
      mark: {
        type: 'rule',
        opacity: 0,
        strokeWidth: Math.max(1, Math.ceil(width / Math.max(1, tl.kept))),
        tooltip: tooltipExpr([
          { field: 'date', title: 'date' },
          ...keys.map((key, k) => ({ field: key, title: `${labels[k]}`, format: '.2%' })),
          ...(bands
            ? [
                { field: `lo${i}`, title: 'lower border', format: '.2%' },
                { field: `hi${i}`, title: 'upper border', format: '.2%' },
              ]
            : []),
        ]),
      },
      encoding: { x: DATE_X },
    });
    return { width, height: WEIGHT_HEIGHT, data: { name: 'timeline' }, layer, resolve: { scale: { y: 'shared' } } };
  });
  return {
    $schema: VL_SCHEMA,
    config: CHART_CONFIG,
    datasets: { timeline: tl.rows },
    vconcat: rows,
    spacing: 18,
  };
}

export function timeCharts(tl: Timeline, input: ReportInput): ChartDef[] {
  if (tl.series.length === 0) return [];
  const best = tl.series[0];
  const thin =
    tl.kept < tl.total
      ? ` The window has ${tl.total.toLocaleString('en-US')} days; ${tl.kept.toLocaleString('en-US')} are drawn (evenly spaced, plus every trade day and each series' deepest drawdown).`
      : '';
  const names = tl.series.map((s) => s.label).join(', ');
  return [
    {
      id: 'chart-value',
      section: 'time',
      title: 'Portfolio value',
      explain: `Value of the portfolio after costs, all series starting from the same capital on the first day of the window (${names}). Hover anywhere for the values on that day.${thin}`,
      spec: timeSpec(tl, 'v', 'portfolio value', ',.0f', ',.0f', false),
    },
    {
      id: 'chart-drawdown',
      section: 'time',
      title: 'Drawdown',
      explain: `How far each series is below its own previous peak; the lowest point of each line is its maximum drawdown. Hover for the values on a day.${thin}`,
      spec: timeSpec(tl, 'dd', 'drawdown below peak', '.2%', '.0%', true, 200),
    },
    {
      id: 'chart-weights',
      section: 'time',
      title: 'Weights, bands and trades',
      explain:
        `End-of-day weight of each asset. The dashed line is the target weight${
          best.hasBands ? `; the shaded area is the no-trade band of ${best.label}, which trades when a weight leaves it` : `; ${best.label} uses a portfolio-level trigger, so it has no per-asset band to draw`
        }. The ticks along the bottom of each panel mark the days each series rebalanced (one row of ticks per series, in its colour). Hover for all weights on a day.${thin}`,
      spec: weightsSpec(tl, input.data.assets, input.targets),
    },
    {
      id: 'chart-costs',
      section: 'time',
      title: 'Cumulative costs',
      explain: `Total trading costs paid so far, in currency. Each step up is a rebalance; a steeper line means more frequent or larger trades.${thin}`,
      spec: timeSpec(tl, 'c', 'costs paid', ',.2f', ',.0f', false, 200),
    },
  ];
}

