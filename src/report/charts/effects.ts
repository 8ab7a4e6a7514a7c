/**
 * Parameter effects: one panel per (band type, parameter) — a width is weight points for an
 * absolute band, a fraction of the target for a relative one, k·σ for a volatility band and τ for a
 * risk trigger, so one axis never mixes them. Data step: the digest's per-bin statistics
 * (ParamEffect, src/report/digest.ts); plot step: effectChart.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { ParamEffect } from '../digest.js';
import { d3Format, fmtInt, metricMeta, paramMeta } from '../format.js';
import { axisFormat, CHART_CONFIG, safe, SERIES_COLORS, tooltipExpr, VL_SCHEMA, type ChartDef, type ConcatChild, type LayerChild } from './common.js';

/** What a parameter's value means for a band type (the unit on the axis). */
export function paramUnit(param: string, band: string | null): string {
  if (param === 'width') {
    switch (band) {
      case 'absolute':
        return 'half-width (weight points)';
      case 'relative':
        return 'half-width (× target weight)';
      case 'hybrid':
        return 'absolute cap (weight points)';
      case 'volatility':
        return 'k (× volatility σ)';
      case 'drift':
        return 'drift threshold ½Σ|w − w*|';
      case 'risk':
        return 'τ (tracking error threshold)';
    }
  }
  if (param === 'relWidth') return 'relative cap (× target weight)';
  if (param === 'lookback') return 'lookback (periods)';
  if (param === 'minWidth') return 'minimum half-width (weight points)';
  if (param === 'cooldown') return 'cooldown (periods)';
  if (param === 'depth') return 'depth into the band';
  if (param === 'fraction') return 'fraction of the gap closed';
  return paramMeta(param).title;
}

const PCT_UNITS = new Set(['absolute', 'relative', 'hybrid', 'drift', 'risk']);

function isPct(e: ParamEffect): boolean {
  return (
    (e.param === 'width' && PCT_UNITS.has(e.band ?? '')) || e.param === 'relWidth' || e.param === 'minWidth' || e.param === 'depth' || e.param === 'fraction'
  );
}

export function effectTitle(e: ParamEffect): string {
  const t = paramMeta(e.param).title;
  return e.band ? `${t} of the ${e.band} band` : t;
}

function logTicks(xs: number[]): number[] {
  const pos = xs.filter((x) => x > 0);
  if (!pos.length) return [];
  const lo = Math.min(...pos);
  const hi = Math.max(...pos);
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const v = Number((m * 10 ** e).toPrecision(1));
      if (v >= lo * 0.999 && v <= hi * 1.001) ticks.push(v);
    }
  }
  return ticks;
}

export function effectSpec(effect: ParamEffect, objectives: string[], datasetName: string): TopLevelSpec {
  const cellWidth = Math.max(200, Math.floor(840 / Math.max(1, objectives.length)) - 40);
  const pct = isPct(effect);
  const xs = effect.rows.map((r) => r.x).filter((x): x is number => typeof x === 'number');
  const integerX = xs.every((x) => Number.isInteger(x));
  const fmt = pct ? '.3~p' : integerX ? ',d' : '.3~g';
  const title = paramUnit(effect.param, effect.band) + (effect.logScale ? ' (log scale)' : '');
  const X = effect.numeric
    ? {
        field: 'x',
        type: 'quantitative' as const,
        title,
        scale: effect.logScale ? { type: 'log' as const, nice: false, padding: 8 } : { zero: false, nice: false, padding: 8 },
        axis: effect.logScale
          ? { labelOverlap: 'greedy' as const, format: fmt, values: logTicks(xs), grid: false }
          : { labelOverlap: 'greedy' as const, format: fmt, tickCount: Math.min(6, new Set(xs).size), ...(integerX ? { tickMinStep: 1 } : {}) },
      }
    : {
        field: 'x',
        type: 'ordinal' as const,
        title,
        sort: effect.order,
        axis: { labelAngle: effect.order.reduce((a, s) => a + s.length * 6.5 + 8, 0) > cellWidth ? -35 : 0, labelLimit: 90 },
      };
  const charts: ConcatChild[] = objectives.map((o) => {
    const om = metricMeta(o);
    const f = d3Format(om.kind);
    const tip = tooltipExpr([
      { field: 'xLabel', title: paramMeta(effect.param).title + (effect.binned ? ' (bin)' : '') },
      { field: 'objective', title: 'objective' },
      { field: 'median', title: 'median', format: f },
      { field: 'q25', title: '25th percentile', format: f },
      { field: 'q75', title: '75th percentile', format: f },
      { field: 'n', title: 'configurations', format: ',d' },
    ]);
    const Y = {
      field: 'median',
      type: 'quantitative' as const,
      title: om.title,
      scale: { zero: false, padding: 6 },
      axis: { format: axisFormat(o), labelOverlap: 'greedy' as const },
    };
    const layer: LayerChild[] = effect.numeric
      ? [
          { mark: { type: 'area', opacity: 0.2, color: SERIES_COLORS[0], tooltip: tip }, encoding: { x: X, y: { ...Y, field: 'q25' }, y2: { field: 'q75' } } },
          { mark: { type: 'line', color: SERIES_COLORS[0], strokeWidth: 2, tooltip: tip }, encoding: { x: X, y: Y } },
          { mark: { type: 'point', filled: true, size: 30, color: SERIES_COLORS[0], opacity: 1, tooltip: tip }, encoding: { x: X, y: Y } },
        ]
      : [
          {
            mark: { type: 'rule', strokeWidth: 8, opacity: 0.25, color: SERIES_COLORS[0], tooltip: tip },
            encoding: { x: X, y: { ...Y, field: 'q25' }, y2: { field: 'q75' } },
          },
          { mark: { type: 'point', filled: true, size: 70, color: SERIES_COLORS[0], opacity: 1, tooltip: tip }, encoding: { x: X, y: Y } },
        ];
    return { title: om.title, width: cellWidth, height: 160, data: { name: datasetName }, transform: [{ filter: { field: 'objective', equal: o } }], layer };
  });
  return { $schema: VL_SCHEMA, config: CHART_CONFIG, datasets: { [datasetName]: effect.rows }, hconcat: charts };
}

export function effectCharts(effects: ParamEffect[], objectives: string[], totalConfigs: number, reservoir: number): ChartDef[] {
  return effects.map((e) => {
    const name = effectTitle(e);
    const how = e.numeric
      ? e.binned
        ? `${name} was drawn from a range, so configurations are grouped into ${e.order.length} bins of equal ${e.logScale ? 'log ' : ''}width over the searched range; each point sits at the middle of its bin.`
        : `Each point is one searched value.`
      : `Each category is one column.`;
    const applies =
      e.applicable < totalConfigs
        ? ` It applies to ${fmtInt(e.applicable)} of ${fmtInt(totalConfigs)} configurations${e.band ? ` (the ${e.band} band)` : ''}; the rest are left out here.`
        : '';
    const sampled =
      e.sampledGroups > reservoir
        ? ` Counts are exact; the quartiles of a bin with more than ${fmtInt(reservoir)} configurations come from a seeded sample of ${fmtInt(reservoir)} of them.`
        : '';
    const id = `chart-effect-${safe(e.param)}${e.band ? `-${safe(e.band)}` : ''}`;
    return {
      id,
      section: 'effects' as const,
      title: `Effect of ${name}`,
      explain:
        `How each objective moves with ${name} across all configurations (not a sample). ${how} ` +
        `The ${e.numeric ? 'line' : 'dot'} is the median and the shaded ${e.numeric ? 'band' : 'bar'} spans the 25th to 75th percentile, ` +
        `so it shows both the typical effect and how much the other parameters matter. Lower is better.${applies}${sampled}`,
      spec: effectSpec(e, objectives, `effects_${safe(e.param)}${e.band ? `_${safe(e.band)}` : ''}`),
    };
  });
}
