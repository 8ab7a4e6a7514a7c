/**
 * The report's "Resampled histories" section (issue 5): charts and HTML for the robustness
 * results (robustness.csv/json, read by extrasRobust.ts), in the style of the other sections.
 *
 * - chart-robust-range: the best configurations by robust rank, with the median (dot) and the
 *   5–95% range over the bootstrap paths (bar) of the score, turnover and tracking error, and the
 *   value on the real history (orange tick) when the run's rows hold it;
 * - chart-robust-freq: every configuration (or the ones that matter) by how often it is on the
 *   Pareto front and in the top 10 across the paths;
 * - the robust leaderboard table.
 */
import type { TopLevelSpec } from 'vega-lite';
import { escapeHtml, fmtInt, fmtMetric, fmtNum, fmtPct, fmtSeconds, metricMeta } from './format.js';
import { CHART_CONFIG, round6, SERIES_COLORS, tooltipExpr, VL_SCHEMA, type ChartDef, type Datum, type Tip } from './charts/common.js';
import type { ReportInput, ReportRow } from './types.js';
import type { RobustReport, RobustReportRow } from './robustTypes.js';

type HConcatTop = Extract<TopLevelSpec, { hconcat: unknown }>;
type HConcatChild = HConcatTop['hconcat'][number];
type LayerTop = Extract<TopLevelSpec, { layer: unknown }>;
type LayerChild = LayerTop['layer'][number];

const RANGE_COLUMNS = ['score', 'turnover', 'trackingError'] as const;
const REAL = SERIES_COLORS[1];

const title = (c: string): string => (c === 'score' ? 'score' : metricMeta(c).title);
const fmtOf = (c: string): string => (c === 'score' ? '.4~g' : metricMeta(c).kind === 'pct' ? '.2%' : '.4~g');
const axisFmt = (c: string): string => (c === 'score' ? '.3~g' : metricMeta(c).kind === 'pct' ? '.1%' : '.3~g');

/** The run's rows (configurations and baselines) by id: only the ids the section shows. */
function realRows(input: ReportInput, r: RobustReport): Map<string, ReportRow> {
  const want = new Set([...r.top, ...r.baselines, ...r.points].map((x) => x.id));
  const out = new Map<string, ReportRow>();
  for (const row of input.rows) if (want.has(row.id)) out.set(row.id, row);
  return out;
}

function realValue(row: ReportRow | undefined, c: string): number | null {
  if (!row) return null;
  return round6(c === 'score' ? row.score : row.metrics[c]);
}

function datum(x: RobustReportRow, real: ReportRow | undefined, columns: readonly string[]): Datum {
  const o: Datum = {
    id: x.id,
    label: x.label,
    name: `${x.robustRank !== null ? `${x.robustRank}. ` : ''}${x.label} #${x.id}`,
    robustRank: x.robustRank,
    realRank: real?.rank ?? null,
    paretoFreq: round6(x.paretoFreq),
    top10Freq: round6(x.top10Freq),
    feasibleFreq: round6(x.feasibleFreq),
  };
  for (const c of columns) {
    const s = x.stats[c];
    o[`${c}_median`] = round6(s?.median);
    o[`${c}_p5`] = round6(s?.p5);
    o[`${c}_p95`] = round6(s?.p95);
    o[`${c}_real`] = realValue(real, c);
  }
  return o;
}

function tips(columns: readonly string[]): Tip[] {
  const t: Tip[] = [
    { field: 'label', title: 'configuration' },
    { field: 'id', title: 'id' },
    { field: 'robustRank', title: 'robust rank' },
    { field: 'realRank', title: 'rank on the real history' },
  ];
  for (const c of columns) {
    t.push(
      { field: `${c}_median`, title: `${title(c)}: median`, format: fmtOf(c) },
      { field: `${c}_p5`, title: `${title(c)}: 5%`, format: fmtOf(c) },
      { field: `${c}_p95`, title: `${title(c)}: 95%`, format: fmtOf(c) },
      { field: `${c}_real`, title: `${title(c)}: real history`, format: fmtOf(c) },
    );
  }
  t.push(
    { field: 'paretoFreq', title: 'on the Pareto front', format: '.0%' },
    { field: 'top10Freq', title: 'in the top 10', format: '.0%' },
    { field: 'feasibleFreq', title: 'feasible', format: '.0%' },
  );
  return t;
}

function rangeSpec(rows: Datum[], hasReal: boolean): TopLevelSpec {
  const tip = tooltipExpr(tips(RANGE_COLUMNS));
  const order = rows.map((d) => String(d.name));
  const panels: HConcatChild[] = RANGE_COLUMNS.map((c, k) => {
    const Y = {
      field: 'name',
      type: 'nominal' as const,
      title: null,
      sort: order,
      axis: k === 0 ? { labelLimit: 340, labelFontSize: 11 } : null,
    };
    const X = {
      field: `${c}_median`,
      type: 'quantitative' as const,
      title: `${title(c)} (median, 5–95%)`,
      scale: { zero: false, nice: true, padding: 6 },
      axis: { format: axisFmt(c), tickCount: 5 },
    };
    const layer: LayerChild[] = [
      {
        mark: { type: 'rule', strokeWidth: 6, opacity: 0.3, color: SERIES_COLORS[0], tooltip: tip },
        encoding: { y: Y, x: { ...X, field: `${c}_p5` }, x2: { field: `${c}_p95` } },
      },
      { mark: { type: 'point', filled: true, size: 60, opacity: 1, color: SERIES_COLORS[0], tooltip: tip }, encoding: { y: Y, x: X } },
    ];
    if (hasReal && rows.some((d) => typeof d[`${c}_real`] === 'number')) {
      layer.push({
        transform: [{ filter: `isValid(datum[${JSON.stringify(`${c}_real`)}])` }],
        mark: { type: 'tick', thickness: 2, size: 14, color: REAL, opacity: 1, tooltip: tip },
        encoding: { y: Y, x: { ...X, field: `${c}_real` } },
      });
    }
    return { width: k === 0 ? 230 : 200, height: { step: 20 }, data: { name: 'robust_top' }, layer };
  });
  return { $schema: VL_SCHEMA, config: CHART_CONFIG, datasets: { robust_top: rows }, hconcat: panels, spacing: 14 };
}

function freqSpec(points: Datum[], realBest: string | null): TopLevelSpec {
  const tip = tooltipExpr(tips(['score', 'turnover', 'trackingError', 'maxDrawdown']));
  const X = {
    field: 'paretoFreq',
    type: 'quantitative' as const,
    title: 'share of paths on the Pareto front',
    scale: { domain: [0, 1] },
    axis: { format: '.0%' },
  };
  const Y = { field: 'top10Freq', type: 'quantitative' as const, title: 'share of paths in the top 10', scale: { domain: [0, 1] }, axis: { format: '.0%' } };
  const C = {
    field: 'group',
    type: 'nominal' as const,
    title: null,
    scale: { domain: ['top 20 by robust rank', 'other'], range: [SERIES_COLORS[0], '#9ca3af'] },
    legend: { orient: 'top-left' as const },
  };
  const rows: Datum[] = points.map((d): Datum => ({ ...d, group: typeof d.robustRank === 'number' && d.robustRank <= 20 ? 'top 20 by robust rank' : 'other' }));
  const layer: LayerChild[] = [
    {
      // later rows draw on top: the top 20 after the others
      transform: [{ calculate: "datum.group === 'other' ? 0 : 1", as: 'front' }],
      mark: { type: 'point', filled: true, size: 40, opacity: 0.6, tooltip: tip },
      encoding: { x: X, y: Y, color: C, order: { field: 'front', type: 'quantitative' } },
    },
  ];
  if (realBest !== null && rows.some((d) => d.id === realBest)) {
    const only = `datum.id === ${JSON.stringify(realBest)}`;
    layer.push(
      {
        transform: [{ filter: only }],
        mark: { type: 'point', shape: 'diamond', filled: true, size: 200, color: REAL, stroke: 'white', strokeWidth: 1.5, opacity: 1, tooltip: tip },
        encoding: { x: X, y: Y },
      },
      {
        transform: [{ filter: only }, { calculate: '"best on the real history"', as: 'tag' }],
        mark: { type: 'text', align: 'left', dx: 10, dy: -8, fontWeight: 700, color: REAL, tooltip: tip },
        encoding: { x: X, y: Y, text: { field: 'tag' } },
      },
    );
  }
  return { $schema: VL_SCHEMA, config: CHART_CONFIG, width: 560, height: 380, datasets: { robust_points: rows }, data: { name: 'robust_points' }, layer };
}

/** The section's charts (none when the run has no robustness results). */
export function robustCharts(input: ReportInput): ChartDef[] {
  const r = input.robustness;
  if (!r) return [];
  const real = realRows(input, r);
  const out: ChartDef[] = [];
  const paths = `${fmtInt(r.paths)} resampled histories`;
  if (r.top.length) {
    const hasReal = r.top.some((x) => real.has(x.id));
    out.push({
      id: 'chart-robust-range',
      section: 'robust',
      title: 'The best configurations across resampled histories',
      explain:
        `The ${r.top.length} best configurations by their ${r.rankBy} score over ${paths} (robust rank 1 at the top; the baselines are in the robust leaderboard below). ` +
        `The dot is the median over the paths and the bar spans the 5th to the 95th percentile: a short bar means the configuration behaves the same whatever the order of the market's days. ` +
        (hasReal ? 'The orange tick is its value on the real history. ' : '') +
        'Lower is better for all three. Hover for every statistic.',
      spec: rangeSpec(
        // the baselines are in the table only: buy and hold's range would squeeze these bars to dots
        r.top.map((x) => datum(x, real.get(x.id), r.columns)),
        hasReal,
      ),
    });
  }
  if (r.points.length) {
    const best = input.rows.find((x) => x.kind === 'config' && x.rank === 1);
    out.push({
      id: 'chart-robust-freq',
      section: 'robust',
      title: 'How often each configuration is on the Pareto front and in the top 10',
      explain:
        `Each dot is one configuration: across the ${paths}, the share of paths on which it is on the Pareto front (right) and among the 10 best feasible by score (up). ` +
        'A configuration up and to the right is a good choice on most plausible histories, not just the one that happened. ' +
        (best ? 'The orange diamond is the recommended (rank 1) configuration on the real history. ' : '') +
        r.pointsNote,
      spec: freqSpec(
        r.points.map((x) => datum(x, real.get(x.id), ['score', 'turnover', 'trackingError', 'maxDrawdown'])),
        best ? best.id : null,
      ),
    });
  }
  return out;
}

const h = escapeHtml;

function chartHtml(c: ChartDef): string {
  return `<h3>${h(c.title)}</h3><div class="chart" id="${h(c.id)}" role="img" aria-label="${h(c.title)}"></div><p class="explain">${h(c.explain)}</p>`;
}

function statCell(c: string, s: RobustReportRow['stats'][string] | undefined): string {
  const f = (x: number | null | undefined): string =>
    c === 'score' ? (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toPrecision(4)) : fmtMetric(c, x);
  if (!s) return '<td class="num">—</td>';
  return `<td class="num">${h(f(s.median))} <span class="id">(${h(f(s.p5))} – ${h(f(s.p95))})</span></td>`;
}

function tableHtml(input: ReportInput, r: RobustReport): string {
  const real = realRows(input, r);
  const cols = ['score', 'turnover', 'trackingError', 'maxDrawdown', 'cagr'].filter((c) => r.columns.includes(c));
  const head =
    '<tr><th class="num">robust rank</th><th>configuration</th>' +
    cols.map((c) => `<th class="num">${h(title(c))}<br><span class="id">median (5% – 95%)</span></th>`).join('') +
    '<th class="num">on the Pareto front</th><th class="num">in the top 10</th><th class="num">feasible</th><th class="num">rank on the real history</th></tr>';
  const row = (x: RobustReportRow, cls: string, baseline: boolean): string => {
    const rr = real.get(x.id);
    return (
      `<tr class="${cls}" data-id="${h(x.id)}"><td class="num">${x.robustRank ?? '—'}</td>` +
      `<td class="label">${h(x.label)}${baseline ? '' : ` <span class="id">#${h(x.id)}</span>`}</td>` +
      cols.map((c) => statCell(c, x.stats[c])).join('') +
      `<td class="num">${baseline ? '—' : h(fmtPct(x.paretoFreq, 0))}</td><td class="num">${baseline ? '—' : h(fmtPct(x.top10Freq, 0))}</td><td class="num">${h(fmtPct(x.feasibleFreq, 0))}</td>` +
      `<td class="num">${rr ? (rr.rank ?? '—') : '—'}</td></tr>`
    );
  };
  const span = cols.length + 6;
  const base = r.baselines.length
    ? `<tr class="group"><td colspan="${span}">Baselines</td></tr>` + r.baselines.map((x) => row(x, 'baseline', true)).join('')
    : '';
  const body = r.top.length
    ? r.top.map((x, i) => row(x, i === 0 ? 'best' : 'config', false)).join('')
    : `<tr class="group"><td colspan="${span}">No configuration is feasible on at least half of the paths.</td></tr>`;
  return `<div class="board-wrap"><table class="board" id="robust-table"><thead>${head}</thead><tbody>${body}${base}</tbody></table></div>`;
}

/** The whole section ("" when the run has no robustness results). */
export function robustSectionHtml(input: ReportInput, charts: readonly ChartDef[]): string {
  const r = input.robustness;
  if (!r) return '';
  const mine = charts.filter((c) => c.section === 'robust');
  const intro =
    `Every configuration was also run on ${fmtInt(r.paths)} resampled histories: a stationary block bootstrap of the real daily returns ` +
    `(all assets of a day kept together, so their correlation stays; days drawn in blocks of ${fmtNum(r.blockLength)} days on average, so calm and turbulent spells stay together), ` +
    `each path starting at the real first prices (seed ${r.seed}). That is ${fmtInt(r.backtests)} backtests, run in ${fmtSeconds(r.seconds)} on ${r.workers} worker${r.workers === 1 ? '' : 's'}` +
    (r.failed ? `; ${fmtInt(r.failed)} failed and are left out of the statistics` : '') +
    `. The robust leaderboard ranks configurations by the ${r.rankBy} of their score over the paths, among those feasible on at least half of them.`;
  return (
    `<section id="robustness"><h2>Resampled histories</h2><p class="explain">${h(intro)}</p>` +
    mine.map(chartHtml).join('') +
    `<h3>Robust leaderboard</h3><p class="explain">The ${r.top.length} best configurations by robust score, with the median and the 5–95% range of each metric over the paths, ` +
    `how often each is on the Pareto front, in the top 10 and feasible, and its rank on the real history (— when not ranked there); the baselines below, on the same paths.</p>` +
    tableHtml(input, r) +
    '</section>'
  );
}
