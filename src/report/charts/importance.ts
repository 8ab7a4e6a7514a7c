/**
 * Parameter importance: how much of each objective's variance each parameter explains — the
 * between-bin share of the variance (a binned functional-ANOVA main effect, η²) over the rows where
 * the parameter applies. Data step: the digest's exact per-bin sums (ImportanceRow); plot step:
 * one bar chart per objective.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { ImportanceRow } from '../digest.js';
import { metricMeta, paramMeta } from '../format.js';
import { CHART_CONFIG, SERIES_COLORS, tooltipExpr, VL_SCHEMA, type ChartDef, type ConcatChild } from './common.js';

/** Rows with a display name ("width (absolute band)"), largest share first within each objective. */
export function importanceData(rows: ImportanceRow[]): ImportanceRow[] {
  return rows
    .map((r) => {
      const m = /^(\w+) \((\w+)\)$/.exec(r.param);
      const name = m ? `${paramMeta(m[1]).title} (${m[2]} band)` : paramMeta(r.param).title;
      return { ...r, param: name, share: Number(r.share.toPrecision(4)) };
    })
    .sort((a, b) => (a.objective === b.objective ? b.share - a.share : 0));
}

export function importanceChart(rows: ImportanceRow[], objectives: string[]): ChartDef | null {
  const data = importanceData(rows);
  if (data.length === 0) return null;
  const tip = tooltipExpr([
    { field: 'param', title: 'parameter' },
    { field: 'objective', title: 'objective' },
    { field: 'share', title: 'share of variance explained', format: '.1%' },
    { field: 'n', title: 'configurations', format: ',d' },
  ]);
  const params = [...new Set(data.map((r) => r.param))];
  const charts: ConcatChild[] = objectives
    .filter((o) => data.some((r) => r.objective === o))
    .map((o) => ({
      title: metricMeta(o).title,
      width: 230,
      height: { step: 18 },
      data: { name: 'importance' },
      transform: [{ filter: { field: 'objective', equal: o } }],
      mark: { type: 'bar', color: SERIES_COLORS[0], tooltip: tip },
      encoding: {
        y: { field: 'param', type: 'nominal', title: null, sort: { field: 'share', order: 'descending' }, axis: { labelLimit: 170 } },
        x: { field: 'share', type: 'quantitative', title: 'share of variance', scale: { domain: [0, 1] }, axis: { format: '.0%', tickCount: 5 } },
      },
    }));
  const spec: TopLevelSpec = {
    $schema: VL_SCHEMA,
    config: CHART_CONFIG,
    datasets: { importance: data },
    hconcat: charts,
    resolve: { scale: { y: 'independent' } },
  };
  return {
    id: 'chart-importance',
    section: 'effects',
    title: 'Which parameters matter',
    explain:
      `For each objective, the share of its variance across configurations that each parameter explains on its own: ` +
      `the configurations are grouped by the parameter's value (or bin), and the share is the variance between the groups' means over the total ` +
      `(a main effect, η²; shares of different parameters overlap and need not add up to 100%). A band-specific parameter is measured within its band type. ` +
      `${params.length} parameter${params.length === 1 ? '' : 's'} shown; computed exactly over every configuration.`,
    spec,
  };
}
