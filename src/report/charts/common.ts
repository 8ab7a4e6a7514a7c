/**
 * What every chart of the report shares (one file per chart in this folder holds its data step
 * and its spec, as optuna's visualization module does).
 * Every spec is a complete `TopLevelSpec` with its data in `datasets`, so it compiles on its own
 * (the tests compile each one); the HTML page stores each dataset once and re-attaches it.
 * Every mark has a tooltip, built as one Vega expression so missing values show as "—"
 * (a plain `format` tooltip would print a missing value as 0).
 */
import type { TopLevelSpec } from 'vega-lite';
import { d3Format, metricMeta, paramMeta } from '../format.js';
import type { ReportInput, ReportRow } from '../types.js';

type LayerTop = Extract<TopLevelSpec, { layer: unknown }>;
export type LayerChild = LayerTop['layer'][number];
type VConcatTop = Extract<TopLevelSpec, { vconcat: unknown }>;
export type ConcatChild = VConcatTop['vconcat'][number];
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
export const INK = '#111827';

/** A chart of the report: where it goes, what it is called, how to read it, and its spec. */
export interface ChartDef {
  /** Container element id. */
  id: string;
  section: 'tradeoff' | 'effects' | 'time' | 'robust' | 'validation';
  /** Short label for a drill-down chooser (time charts of one series). */
  series?: string;
  title: string;
  /** Plain text under the chart: how to read it. */
  explain: string;
  spec: TopLevelSpec;
}

/* ------------------------------------------------------------------ fields, tooltips */

const safe = (s: string) => s.replace(/[^A-Za-z0-9_]/g, '_');
// made once per name (a chart datum is built per row and field)
const fields = new Map<string, string>();
const field = (prefix: string, name: string): string => {
  const key = prefix + name;
  let f = fields.get(key);
  if (f === undefined) fields.set(key, (f = `${prefix}${safe(name)}`));
  return f;
};
export const paramField = (p: string) => field('p_', p);
export const metricField = (m: string) => field('m_', m);

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
    for (const k in r.params) {
      const v = r.params[k];
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
  const [pf, mf] = fieldsOf(params, metrics);
  for (let j = 0; j < params.length; j++) {
    const v = r.params[params[j]];
    o[pf[j]] = typeof v === 'number' ? round6(v) : (v ?? null);
  }
  for (let j = 0; j < metrics.length; j++) o[mf[j]] = round6(r.metrics[metrics[j]]);
  return o;
}

/** The datum fields of a parameter list and a metric list (made once per pair of lists, not per row). */
const fieldLists = new WeakMap<string[], WeakMap<string[], [string[], string[]]>>();
function fieldsOf(params: string[], metrics: string[]): [string[], string[]] {
  let byMetrics = fieldLists.get(params);
  if (!byMetrics) fieldLists.set(params, (byMetrics = new WeakMap()));
  let f = byMetrics.get(metrics);
  if (!f) byMetrics.set(metrics, (f = [params.map(paramField), metrics.map(metricField)]));
  return f;
}

export function rowTips(params: string[], metrics: string[]): Tip[] {
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
    tips.push({ field: paramField(p), title: meta.title, format: paramFormat(p) });
  }
  for (const m of metrics) {
    const meta = metricMeta(m);
    tips.push({ field: metricField(m), title: meta.title, format: d3Format(meta.kind) });
  }
  return tips;
}

/** Searched values in tooltips: three significant digits (full precision stays in results.csv). */
export function paramFormat(p: string): string | undefined {
  const k = paramMeta(p).kind;
  return k === 'text' ? undefined : k === 'pct' ? '.3~p' : k === 'count' ? ',d' : '.3~g';
}

export function axisFormat(metric: string): string | undefined {
  const k = metricMeta(metric).kind;
  return k === 'pct' ? '.1%' : k === 'money' ? ',.0f' : undefined;
}

export { safe };

/** The date x channel of the over-time charts: month ticks for windows up to 3 years, else about 12 year ticks, never repeated labels. */
export function dateX(rows: readonly { date?: unknown }[], showAxis = true) {
  const first = rows.length ? Date.parse(String(rows[0].date)) : NaN;
  const last = rows.length ? Date.parse(String(rows[rows.length - 1].date)) : NaN;
  const years = (last - first) / (365.25 * 86400000);
  const short = Number.isFinite(years) && years <= 3;
  return {
    field: 'date',
    type: 'temporal' as const,
    title: null,
    scale: { type: 'utc' as const },
    axis: showAxis
      ? {
          labelOverlap: true,
          grid: false,
          format: short ? '%b %Y' : '%Y',
          tickCount: short ? { interval: 'month' as const, step: years <= 1 ? 2 : 6 } : { interval: 'year' as const, step: Math.max(1, Math.ceil(years / 12)) },
        }
      : null,
  };
}

/** The dashed horizontal line at a level of the benchmark (1 = level with it) on the over-time charts. */
export function benchmarkRule(level: number): LayerChild {
  return {
    data: { values: [{ v: level }] },
    mark: {
      type: 'rule',
      color: INK,
      strokeDash: [4, 3],
      opacity: 0.6,
      tooltip: tooltipExpr([{ field: 'v', title: 'level of the benchmark', format: '.2f' }]),
    },
    encoding: { y: { field: 'v', type: 'quantitative' } },
  };
}
