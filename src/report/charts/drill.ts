/**
 * The drill-down: the recommended configuration's over-time views beside any one of the top 10
 * configurations (by results.csv rank) or any baseline, chosen from a menu in the page. Every
 * candidate's series is precomputed (src/report/fromRun.ts re-runs each through the kernel) and
 * embedded in ONE wide table keyed by date (`v_k`, `dd_k`, `w{i}_k` per candidate k and for the pick,
 * k = 'p'; the benchmark `b` once), thinned to about `maxPoints` dates; a Vega-Lite parameter bound to a select input picks
 * the columns (`datum['v_' + cmp]`), so switching needs no network and no script of our own.
 * Data step: drillData(); plot step: drillChart().
 */
import type { TopLevelSpec } from 'vega-lite';
import type { ReportInput, ReportSeries } from '../types.js';
import { benchmarkRule, CHART_CONFIG, dateX, SERIES_COLORS, tooltipExpr, VL_SCHEMA, type ChartDef, type ConcatChild, type LayerChild } from './common.js';

type Cell = string | number | null;

export interface DrillData {
  /** One row per kept date: date, b (benchmark), then v_/dd_/w{i}_ columns per candidate key and for 'p' (the pick). */
  rows: Record<string, Cell>[];
  /** The menu: candidate key ('0', '1', …) and its label, in menu order (top 10 by rank, then baselines). */
  options: { key: string; label: string; id: string }[];
  total: number;
  kept: number;
  relative: boolean;
}

/**
 * Candidates aligned on the pick's dates (a missing date is null), thinned by a stride to about
 * `maxPoints` dates (first and last always kept). Values keep 5 significant digits: the page draws
 * lines 880 px wide, and the tables and results.csv hold the exact numbers.
 */
export function drillData(pick: ReportSeries, candidates: ReportSeries[], assets: number, benchmark?: number[], maxPoints = 400): DrillData {
  const T = pick.dates.length;
  const stride = Math.max(1, Math.ceil(T / maxPoints));
  const num = (x: number | undefined): number | null => (x !== undefined && Number.isFinite(x) ? Number(x.toPrecision(5)) : null);
  const all: [string, ReportSeries][] = [['p', pick], ...candidates.map((s, k) => [String(k), s] as [string, ReportSeries])];
  const pos = all.map(([, s]) => {
    if (s.dates.length === T && (T === 0 || (s.dates[0] === pick.dates[0] && s.dates[T - 1] === pick.dates[T - 1]))) return null;
    const m = new Map<string, number>();
    s.dates.forEach((d, i) => m.set(d, i));
    return Int32Array.from(pick.dates, (d) => m.get(d) ?? -1);
  });
  const rows: Record<string, Cell>[] = [];
  for (let t = 0; t < T; t++) {
    if (t % stride !== 0 && t !== T - 1) continue;
    const row: Record<string, Cell> = { date: pick.dates[t] };
    const b = benchmark?.[t];
    // the benchmark once per date; value ÷ benchmark is computed in the page (one column instead of one per series)
    if (benchmark) row.b = b !== undefined && b > 0 ? num(b) : null;
    all.forEach(([key, s], k) => {
      const j = pos[k] ? (pos[k] as Int32Array)[t] : t;
      const ok = j >= 0;
      row[`v_${key}`] = ok ? num(s.value[j]) : null;
      row[`dd_${key}`] = ok ? num(s.drawdown[j]) : null;
      for (let i = 0; i < assets; i++) row[`w${i}_${key}`] = ok ? num(s.weights[i]?.[j]) : null;
    });
    rows.push(row);
  }
  return {
    rows,
    options: candidates.map((s, k) => ({ key: String(k), label: s.label, id: s.id })),
    total: T,
    kept: rows.length,
    relative: benchmark !== undefined,
  };
}

const WIDTH = 880;
/** The parameter bound to the menu: the chosen candidate's key. */
export const DRILL_PARAM = 'cmp';

/** One panel: the chosen candidate's line, then the pick's (thick, blue, on top). */
function panel(
  dd: DrillData,
  col: (key: string) => string,
  title: string,
  height: number,
  opts: { log?: boolean; reverse?: boolean; format: string; axisFormat: string; showAxis: boolean; rule?: number },
): ConcatChild {
  const X = dateX(dd.rows, opts.showAxis);
  const Y = {
    field: 'y',
    type: 'quantitative' as const,
    title,
    scale: opts.log ? { type: 'log' as const, nice: false } : { zero: false, reverse: opts.reverse ?? false },
    axis: { format: opts.axisFormat, labelOverlap: 'greedy' as const },
  };
  const color = {
    field: 'who',
    type: 'nominal' as const,
    title: null,
    scale: { domain: ['recommended', 'chosen in the menu'], range: [SERIES_COLORS[0], SERIES_COLORS[1]] },
    // the same legend in every panel: the color scale is shared, so Vega-Lite draws it once (on top)
    legend: { orient: 'top' as const, direction: 'horizontal' as const },
  };
  const line = (expr: string, who: string, strokeWidth: number): LayerChild => ({
    transform: [{ calculate: expr, as: 'y' }, { filter: 'isValid(datum.y)' }, { calculate: JSON.stringify(who), as: 'who' }],
    mark: {
      type: 'line',
      strokeWidth,
      tooltip: tooltipExpr([
        { field: 'date', title: 'date' },
        { field: 'who', title: 'series' },
        { field: 'y', title, format: opts.format },
      ]),
    },
    encoding: { x: X, y: Y, color },
  });
  const layer: LayerChild[] = [];
  if (opts.rule !== undefined) {
    layer.push(benchmarkRule(opts.rule));
  }
  layer.push(line(col(DRILL_PARAM), 'chosen in the menu', 1.4), line(col("'p'"), 'recommended', 2.6));
  return { width: WIDTH, height, layer };
}

/** The expression reading column `<prefix><key>` where key is an expression (the menu's parameter, or 'p'). */
const at = (prefix: string) => (key: string) => `datum['${prefix}' + ${key}]`;

/** The drill-down chart, or null when there is no pick series or nothing to compare it with. */
export function drillChart(input: ReportInput, maxPoints = 400): { chart: ChartDef; data: DrillData } | null {
  const pick = input.series[0];
  const candidates = [...(input.drill ?? []), ...input.series.slice(1)];
  if (!pick || candidates.length === 0) return null;
  const dd = drillData(pick, candidates, input.data.assets.length, input.benchmark, maxPoints);
  const values = dd.rows
    .flatMap((r) =>
      Object.entries(r)
        .filter(([k]) => k.startsWith('v_'))
        .map(([, v]) => v),
    )
    .filter((v): v is number => typeof v === 'number' && v > 0);
  const log = values.length > 1 && Math.max(...values) / Math.min(...values) > 3;
  const panels: ConcatChild[] = [panel(dd, at('v_'), `value${log ? ' (log scale)' : ''}`, 200, { log, format: ',.0f', axisFormat: ',.0f', showAxis: false })];
  if (dd.relative)
    panels.push(panel(dd, (k) => `${at('v_')(k)} / datum.b`, 'value ÷ benchmark', 150, { format: '.4f', axisFormat: '.3f', showAxis: true, rule: 1 }));
  panels.push(panel(dd, at('dd_'), 'drawdown', 130, { reverse: true, format: '.2%', axisFormat: '.0%', showAxis: true }));
  input.data.assets.forEach((a, i) => panels.push(panel(dd, at(`w${i}_`), `${a} weight`, 110, { format: '.2%', axisFormat: '.1%', showAxis: true })));
  const spec: TopLevelSpec = {
    $schema: VL_SCHEMA,
    config: CHART_CONFIG,
    params: [
      {
        name: DRILL_PARAM,
        // the first entry that is not the recommended configuration itself (it would hide under the blue line)
        value: (dd.options.find((o) => o.id !== pick.id) ?? dd.options[0]).key,
        bind: {
          input: 'select',
          options: dd.options.map((o) => o.key),
          labels: dd.options.map((o) => o.label),
          name: 'compare the recommended configuration with ',
        },
      },
    ],
    datasets: { drill: dd.rows },
    data: { name: 'drill' },
    vconcat: panels,
    spacing: 6,
  };
  const top = input.drill?.length ?? 0;
  const thin = dd.kept < dd.total ? ` ${dd.kept.toLocaleString('en-US')} of the ${dd.total.toLocaleString('en-US')} days are drawn (evenly spaced).` : '';
  return {
    data: dd,
    chart: {
      id: 'chart-drill',
      section: 'time',
      title: 'Drill-down: the recommended configuration beside another',
      explain:
        `Choose in the menu under the chart one of the ${top ? `top ${top} configurations by rank` : 'configurations'}${top && candidates.length > top ? ' or a baseline' : ''}: its value, value relative to the benchmark, drawdown and weights are drawn in orange beside the recommended configuration (blue, on top). ` +
        `Every series was computed when the report was written; the page works offline.${thin}`,
      spec,
    },
  };
}
