/**
 * The trade-off scatters: turnover against tracking error and against maximum drawdown.
 * Data step (tradeoffData): the rows drawn — the digest's uniform sample, the top of the
 * leaderboard, the rows the headline names and each plot's 2-D Pareto front — flattened once.
 * Plot step (tradeoffChart): infeasible points grey, feasible ones coloured, the plot's own 2-D
 * front (computed over every feasible row for the two metrics shown), the constraints as lines, a
 * log axis where the values span more than 10×, labels kept inside the view.
 */
import type { TopLevelSpec } from 'vega-lite';
import { constraintText } from '../format.js';
import { parseConstraints, type Constraint } from '../../results/score.js';
import type { DigestResult } from '../digest.js';
import { metricMeta } from '../format.js';
import type { ReportInput, ReportRow } from '../types.js';
import {
  axisFormat,
  CHART_CONFIG,
  flatRow,
  INK,
  metricField,
  metricList,
  paramList,
  rowTips,
  safe,
  SERIES_COLORS,
  tooltipExpr,
  VL_SCHEMA,
  type ChartDef,
  type Datum,
  type LayerChild,
  type Tip,
} from './common.js';

export const TRADEOFF_PLOTS: { x: string; y: string; color: string; id: string; title: string; lead: string }[] = [
  {
    x: 'turnover',
    y: 'trackingError',
    color: 'maxDrawdown',
    id: 'chart-tradeoff-te',
    title: 'Turnover against tracking error',
    lead: 'Trading less (left) lets the portfolio drift further from its targets (up). Colour is the maximum drawdown.',
  },
  {
    x: 'turnover',
    y: 'maxDrawdown',
    color: 'trackingError',
    id: 'chart-tradeoff-dd',
    title: 'Turnover against maximum drawdown',
    lead: 'The same configurations, with the worst peak-to-trough loss on the vertical axis. Colour is the tracking error.',
  },
];

export interface TradeoffData {
  configs: Datum[];
  baselines: Datum[];
  tips: Tip[];
  constraints: Constraint[];
  pickId: string | null;
}

/** The rows the scatters draw, each once, with a front flag per plot (`f_<plot id>`). */
export function tradeoffData(input: ReportInput, d: DigestResult, pick: ReportRow | null): TradeoffData {
  const byId = new Map<string, ReportRow>();
  const add = (r: ReportRow) => byId.set(r.id, r);
  d.sample.forEach(add);
  d.top.forEach(add);
  d.kept.forEach(add);
  d.fronts.forEach((f) => f.rows.forEach(add));
  if (pick) add(pick);
  const rows = [...byId.values()].sort((a, b) => Number(a.id) - Number(b.id));
  const params = paramList(input, rows.concat(d.baselines));
  const metrics = metricList(input, rows.length ? rows : d.baselines);
  const fronts = d.fronts.map((f) => new Set(f.rows.map((r) => r.id)));
  // labels go left of a point in the right third of the turnover axis (log or linear, as drawn), so they stay in the view
  const xs = [...rows, ...d.baselines].map((r) => r.metrics.turnover).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const xr = logRange(xs);
  const tx = (v: number) => (xr.log ? Math.log(Math.max(v, xr.floor)) : v);
  const lo = xs.length ? Math.min(...xs.map(tx)) : 0;
  const hi = xs.length ? Math.max(...xs.map(tx)) : 0;
  const rightSide = (r: ReportRow) => {
    const v = r.metrics.turnover;
    return typeof v === 'number' && hi > lo && (tx(v) - lo) / (hi - lo) > 0.66;
  };
  // and above a point unless it is near the top of that plot's vertical axis (then below)
  const upOf = TRADEOFF_PLOTS.map((plot) => {
    const ys = [...rows, ...d.baselines].map((r) => r.metrics[plot.y]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    const yr = logRange(ys);
    const ty = (v: number) => (yr.log ? Math.log(Math.max(v, yr.floor)) : v);
    const ylo = ys.length ? Math.min(...ys.map(ty)) : 0;
    const yhi = ys.length ? Math.max(...ys.map(ty)) : 0;
    return (r: ReportRow) => {
      const v = r.metrics[plot.y];
      return !(typeof v === 'number' && yhi > ylo && (ty(v) - ylo) / (yhi - ylo) > 0.8);
    };
  });
  const configs = rows.map((r) => {
    const o = flatRow(r, params, metrics);
    upOf.forEach((f, k) => (o[`up${k}`] = f(r)));
    d.fronts.forEach((_f, k) => (o[`f${k}`] = fronts[k].has(r.id)));
    o.pick = pick !== null && r.id === pick.id;
    o.labelLeft = rightSide(r);
    return o;
  });
  let constraints: Constraint[] = [];
  try {
    constraints = parseConstraints(input.experiment.constraints ?? []);
  } catch {
    constraints = [];
  }
  return {
    configs,
    baselines: d.baselines.map((r) => {
      const o: Datum = { ...flatRow(r, params, metrics), labelLeft: rightSide(r) };
      upOf.forEach((f, k) => (o[`up${k}`] = f(r)));
      return o;
    }),
    tips: rowTips(params, metrics),
    constraints,
    pickId: pick?.id ?? null,
  };
}

/** Whether positive values span more than 10× (then a log axis), and the floor drawn for zeros. */
function logRange(values: number[]): { log: boolean; floor: number; lo: number; hi: number } {
  const pos = values.filter((v) => v > 0);
  const lo = pos.length ? Math.min(...pos) : 0;
  const hi = pos.length ? Math.max(...pos) : 0;
  return { log: pos.length > 1 && hi / lo > 10, floor: lo / 1.5, lo, hi };
}

export function tradeoffChart(data: TradeoffData, plot: (typeof TRADEOFF_PLOTS)[number], k: number, sampleNote: string): ChartDef {
  const { x, y, color } = plot;
  const tip = tooltipExpr(data.tips);
  const all = [...data.configs, ...data.baselines];
  const vals = (m: string) => all.map((d) => d[metricField(m)]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const xr = logRange(vals(x));
  const yr = logRange(vals(y));
  const xf = metricField(x);
  const yf = metricField(y);
  // the plotted positions: on a log axis a zero (buy-and-hold's turnover) sits at the left edge
  const pos: { calculate: string; as: string }[] = [
    { calculate: xr.log ? `max(datum[${JSON.stringify(xf)}], ${xr.floor})` : `datum[${JSON.stringify(xf)}]`, as: 'px' },
    { calculate: yr.log ? `max(datum[${JSON.stringify(yf)}], ${yr.floor})` : `datum[${JSON.stringify(yf)}]`, as: 'py' },
  ];
  const axisOf = (m: string, log: boolean) => ({
    // on a log axis two significant digits, so small values do not all print as "0.0%"
    format: log && metricMeta(m).kind === 'pct' ? '.2~p' : axisFormat(m),
    labelOverlap: 'greedy' as const,
    ...(log ? { tickCount: 6 } : {}),
  });
  const X = {
    field: 'px',
    type: 'quantitative' as const,
    title: metricMeta(x).title + (xr.log ? ' (log scale)' : ''),
    scale: xr.log ? { type: 'log' as const, nice: false, padding: 16 } : { zero: false, nice: false, padding: 16 },
    axis: axisOf(x, xr.log),
  };
  const Y = {
    field: 'py',
    type: 'quantitative' as const,
    title: metricMeta(y).title + (yr.log ? ' (log scale)' : ''),
    scale: yr.log ? { type: 'log' as const, nice: false, padding: 16 } : { zero: false, nice: false, padding: 16 },
    axis: axisOf(y, yr.log),
  };
  const C = {
    field: metricField(color),
    type: 'quantitative' as const,
    title: metricMeta(color).title,
    scale: { scheme: { name: 'viridis', extent: [0.05, 0.9] } },
    legend: { format: axisFormat(color), gradientLength: 140, orient: 'right' as const },
  };
  const some = (f: (d: Datum) => boolean) => data.configs.some(f);
  const front = `f${k}`;
  const layer: LayerChild[] = [];
  if (some((d) => d.feasible !== true)) {
    layer.push({
      data: { name: 'configs' },
      transform: [{ filter: '!datum.feasible' }, ...pos],
      mark: { type: 'point', filled: true, size: 20, color: '#d1d5db', opacity: 0.8, tooltip: tip },
      encoding: { x: X, y: Y },
    });
  }
  if (some((d) => d.feasible === true)) {
    layer.push({
      data: { name: 'configs' },
      transform: [{ filter: 'datum.feasible' }, ...pos],
      mark: { type: 'point', filled: true, size: 24, opacity: 0.75, tooltip: tip },
      encoding: { x: X, y: Y, color: C },
    });
  }
  if (some((d) => d[front] === true)) {
    layer.push(
      {
        data: { name: 'configs' },
        transform: [{ filter: `datum.${front}` }, ...pos],
        mark: {
          type: 'line',
          color: INK,
          strokeWidth: 1.3,
          opacity: 0.7,
          interpolate: 'step-after',
          tooltip: { expr: '{"Pareto front": "no feasible configuration has both lower ' + metricMeta(x).title + ' and lower ' + metricMeta(y).title + '"}' },
        },
        encoding: { x: X, y: Y, order: { field: 'px', type: 'quantitative' } },
      },
      {
        data: { name: 'configs' },
        transform: [{ filter: `datum.${front}` }, ...pos],
        mark: { type: 'point', filled: false, size: 70, stroke: INK, strokeWidth: 1.4, opacity: 1, tooltip: tip },
        encoding: { x: X, y: Y },
      },
    );
  }
  // constraints on the metrics shown: a dashed line at the limit, labelled inside the view
  for (const c of data.constraints) {
    if (c.metric !== x && c.metric !== y) continue;
    const onX = c.metric === x;
    if ((onX ? xr.log : yr.log) && c.value <= 0) continue; // no place for it on a log axis
    const label = constraintText(c.metric, c.op, c.value);
    layer.push(
      {
        data: { values: [{ v: c.value, label }] },
        mark: { type: 'rule', color: '#dc2626', strokeDash: [6, 4], strokeWidth: 1.4, tooltip: tooltipExpr([{ field: 'label', title: 'constraint' }]) },
        encoding: onX ? { x: { field: 'v', type: 'quantitative' } } : { y: { field: 'v', type: 'quantitative' } },
      },
      {
        data: { values: [{ v: c.value, label }] },
        mark: onX
          ? {
              type: 'text',
              color: '#dc2626',
              align: 'left',
              baseline: 'top',
              dx: 4,
              y: 4,
              fontSize: 11,
              tooltip: tooltipExpr([{ field: 'label', title: 'constraint' }]),
            }
          : {
              type: 'text',
              color: '#dc2626',
              align: 'right',
              baseline: 'bottom',
              dy: -3,
              x: { expr: 'width - 4' },
              fontSize: 11,
              tooltip: tooltipExpr([{ field: 'label', title: 'constraint' }]),
            },
        encoding: onX
          ? { x: { field: 'v', type: 'quantitative' }, text: { field: 'label' } }
          : { y: { field: 'v', type: 'quantitative' }, text: { field: 'label' } },
      },
    );
  }
  // labels: left of the point in the right third of the view, right of it elsewhere (never cut off)
  const labelLayers = (
    dataName: 'configs' | 'baselines',
    filter: (d: Datum) => boolean,
    filterExpr: string,
    text: string,
    colorValue: string,
  ): LayerChild[] => {
    const out: LayerChild[] = [];
    for (const left of [true, false]) {
      for (const up of [true, false]) {
        const rows = (dataName === 'configs' ? data.configs : data.baselines).filter((d) => filter(d) && d.labelLeft === left && d[`up${k}`] === up);
        if (!rows.length) continue;
        const transform = [
          { filter: filterExpr },
          { filter: left ? 'datum.labelLeft' : '!datum.labelLeft' },
          { filter: up ? `datum.up${k}` : `!datum.up${k}` },
          ...pos,
          { calculate: text, as: 'tag' },
        ];
        const place = {
          align: left ? ('right' as const) : ('left' as const),
          baseline: up ? ('bottom' as const) : ('top' as const),
          dx: left ? -8 : 8,
          dy: up ? -6 : 6,
          fontWeight: 700 as const,
          fontSize: 11,
        };
        // a white halo under the label keeps it readable over the dots
        out.push(
          {
            data: { name: dataName },
            transform,
            mark: {
              type: 'text' as const,
              ...place,
              color: 'white',
              stroke: 'white',
              strokeWidth: 3.5,
              strokeJoin: 'round' as const,
              opacity: 0.9,
              tooltip: tip,
            },
            encoding: { x: X, y: Y, text: { field: 'tag' } },
          },
          {
            data: { name: dataName },
            transform,
            mark: { type: 'text' as const, ...place, color: colorValue, tooltip: tip },
            encoding: { x: X, y: Y, text: { field: 'tag' } },
          },
        );
      }
    }
    return out;
  };
  if (data.baselines.length) {
    layer.push({
      data: { name: 'baselines' },
      transform: [...pos],
      mark: { type: 'point', shape: 'square', filled: true, size: 90, color: INK, opacity: 1, tooltip: tip },
      encoding: { x: X, y: Y },
    });
    layer.push(...labelLayers('baselines', () => true, 'true', 'datum.label', INK));
  }
  if (some((d) => d.pick === true)) {
    layer.push({
      data: { name: 'configs' },
      transform: [{ filter: 'datum.pick' }, ...pos],
      mark: { type: 'point', shape: 'diamond', filled: true, size: 260, color: SERIES_COLORS[0], stroke: 'white', strokeWidth: 1.5, opacity: 1, tooltip: tip },
      encoding: { x: X, y: Y },
    });
    layer.push(...labelLayers('configs', (d) => d.pick === true, 'datum.pick', '"recommended"', SERIES_COLORS[0]));
  }
  if (layer.length && 'mark' in layer[0]) layer[0] = { ...layer[0], params: [{ name: `zoom_${safe(plot.id)}`, select: 'interval', bind: 'scales' }] };
  const spec: TopLevelSpec = {
    $schema: VL_SCHEMA,
    config: CHART_CONFIG,
    width: 760,
    height: 380,
    datasets: { configs: data.configs, baselines: data.baselines },
    layer,
  };
  const constrained = data.constraints.filter((c) => c.metric === x || c.metric === y);
  return {
    id: plot.id,
    section: 'tradeoff',
    title: plot.title,
    explain:
      `${plot.lead} Each dot is one configuration; down and left is better. Grey dots break a constraint (infeasible). ` +
      `Circled dots joined by a step line are this plot's Pareto front: the feasible configurations for which no other feasible configuration ` +
      `has both lower ${metricMeta(x).title} and lower ${metricMeta(y).title} (computed over every feasible row, not only the dots drawn; ` +
      `the front over all objectives is the pareto column of results.csv). ` +
      (constrained.length
        ? `The red dashed line${constrained.length > 1 ? 's are the constraints' : ' is the constraint'} (${constrained.map((c) => constraintText(c.metric, c.op, c.value)).join(', ')}). `
        : '') +
      (xr.log ? 'Turnover is on a log scale because it spans more than a factor of ten; zero turnover (buy and hold) is drawn at the left edge. ' : '') +
      'The blue diamond is the recommended configuration, black squares are the baselines. Hover for every parameter and metric; drag to pan, scroll to zoom, double-click to reset. ' +
      sampleNote,
    spec,
  };
}
