/**
 * The score heatmap over two parameters (data step: the digest's heatmap cells; plot step: heatmapChart).
 */
import type { Heatmap } from '../digest.js';
import { paramMeta } from '../format.js';
import { CHART_CONFIG, INK, round6, tooltipExpr, VL_SCHEMA, type ChartDef, type Datum, type LayerChild } from './common.js';

/* ------------------------------------------------------------------ heatmap */

export function heatmapChart(h: Heatmap, lowerIsBetter: boolean, numericY: boolean): ChartDef {
  const within = h.band
    ? ` (${h.band} band only: its ${h.xParam === 'width' || h.yParam === 'width' ? 'width' : 'parameters'} would mean something else for another band type)`
    : '';
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
    title: `Score over ${xm.title} and ${ym.title}${h.band ? ` (${h.band} band)` : ''}`,
    explain:
      `Each cell groups the configurations with that ${xm.title} and ${ym.title}` +
      ' (numeric parameters drawn from a range are binned into 10 equal ranges)' +
      `${within} and shows their median score; ${lowerIsBetter ? 'darker is better (lower score)' : 'darker is better (higher score)'}. ` +
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
