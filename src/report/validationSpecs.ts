/**
 * The report's "Out of sample" section (issue 5) and the theory baseline band, in the style of the
 * other sections:
 * - chart-validation-scores: in-sample (training window) against out-of-sample (test window) score
 *   of the chosen configuration, fold by fold;
 * - chart-validation-value: the stitched out-of-sample value against the baselines over the same
 *   test windows, with the fold boundaries;
 * - the parameter-stability table (the choice of every fold) and the stitched metrics table;
 * - theoryHtml(): the theory half-width against the recommended configuration's, for the summary;
 * - markTheoryOnWidthEffect(): a rule at the theory half-width on the width effect chart, when the
 *   widths searched are all absolute bands (the same unit as the theory band).
 */
import type { TopLevelSpec } from 'vega-lite';
import { escapeHtml, fmtInt, fmtMetric, fmtPct, paramMeta, metricMeta, fmtParam } from './format.js';
import { CHART_CONFIG, SERIES_COLORS, tooltipExpr, VL_SCHEMA, type ChartDef } from './charts/common.js';
import type { ReportInput, ReportRow } from './types.js';
import { mean as ssMean } from 'simple-statistics';

const h = escapeHtml;
const IS = 'in-sample (training window)';
const OOS = 'out-of-sample (test window)';

const r6 = (x: number | null | undefined): number | null =>
  x === null || x === undefined || !Number.isFinite(x) ? null : x === 0 || Number.isInteger(x) ? x : Number(x.toPrecision(6));

/** Scores side by side differ in the third or fourth digit. */
const fmtScore = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toPrecision(4));

function scoresSpec(input: ReportInput): TopLevelSpec {
  const v = input.validation!;
  const rows = v.folds.flatMap((f) =>
    [
      [IS, f.inSample.score],
      [OOS, f.outOfSample.score],
    ].map(([sample, score]) => ({
      fold: f.index + 1,
      sample: sample as string,
      score: r6(score as number | null),
      testStart: f.test.first,
      train: `${f.train.first} to ${f.train.last}`,
      test: `${f.test.first} to ${f.test.last}`,
      chosen: `${f.chosen.label} (#${f.chosen.id})`,
      feasibleInSample: f.chosen.feasibleInSample,
    })),
  );
  const tip = tooltipExpr([
    { field: 'fold', title: 'fold', format: ',d' },
    { field: 'sample', title: 'window' },
    { field: 'score', title: 'score', format: '.4~g' },
    { field: 'train', title: 'training window' },
    { field: 'test', title: 'test window' },
    { field: 'chosen', title: 'chosen configuration' },
    { field: 'feasibleInSample', title: 'feasible in sample', bool: ['yes', 'no'] },
  ]);
  const X = { field: 'testStart', type: 'temporal' as const, title: 'start of the test window', axis: { format: '%Y-%m', labelOverlap: 'greedy' as const } };
  const Y = { field: 'score', type: 'quantitative' as const, title: 'score (lower is better)', scale: { zero: false, padding: 10 } };
  const C = {
    field: 'sample',
    type: 'nominal' as const,
    title: null,
    scale: { domain: [IS, OOS], range: ['#9ca3af', SERIES_COLORS[0]] },
    legend: { orient: 'top' as const },
  };
  return {
    $schema: VL_SCHEMA,
    config: CHART_CONFIG,
    width: 780,
    height: 260,
    datasets: { validation_scores: rows },
    data: { name: 'validation_scores' },
    layer: [
      { mark: { type: 'line', strokeWidth: 1.5, opacity: 0.8, tooltip: tip }, encoding: { x: X, y: Y, color: C } },
      { mark: { type: 'point', filled: true, size: 70, opacity: 1, tooltip: tip }, encoding: { x: X, y: Y, color: C } },
    ],
  };
}

/** Every k-th row (and the last) so a series has at most `max` points. */
function thin(n: number, max: number): number[] {
  const k = Math.max(1, Math.ceil(n / max));
  const idx: number[] = [];
  for (let i = 0; i < n; i += k) idx.push(i);
  if (idx[idx.length - 1] !== n - 1) idx.push(n - 1);
  return idx;
}

function valueSpec(input: ReportInput, maxPoints = 1500): TopLevelSpec {
  const s = input.validation!.series;
  const idx = thin(s.dates.length, maxPoints);
  const rows = s.values.flatMap((v) => idx.map((i) => ({ date: s.dates[i], series: v.label, value: r6(v.value[i]) })));
  const bounds = s.foldStarts.map((d, k) => ({ date: d, fold: k + 1 }));
  const names = s.values.map((v) => v.label);
  const tip = tooltipExpr([
    { field: 'series', title: 'series' },
    { field: 'date', title: 'date' },
    { field: 'value', title: 'value', format: ',.0f' },
  ]);
  const X = { field: 'date', type: 'temporal' as const, title: null, axis: { format: '%Y', labelOverlap: 'greedy' as const } };
  return {
    $schema: VL_SCHEMA,
    config: CHART_CONFIG,
    width: 780,
    height: 300,
    datasets: { validation_value: rows, validation_folds: bounds },
    layer: [
      {
        data: { name: 'validation_folds' },
        mark: {
          type: 'rule',
          color: '#d1d5db',
          strokeDash: [3, 3],
          tooltip: tooltipExpr([
            { field: 'fold', title: 'test window of fold', format: ',d' },
            { field: 'date', title: 'starts after the close of' },
          ]),
        },
        encoding: { x: X },
      },
      {
        data: { name: 'validation_value' },
        mark: { type: 'line', strokeWidth: 1.6, tooltip: tip },
        encoding: {
          x: X,
          y: { field: 'value', type: 'quantitative', title: 'value (out of sample)', scale: { zero: false }, axis: { format: ',.0f' } },
          color: {
            field: 'series',
            type: 'nominal',
            title: null,
            scale: { domain: names, range: names.map((_, i) => SERIES_COLORS[i % SERIES_COLORS.length]) },
            legend: { orient: 'top' },
          },
        },
      },
    ],
  };
}

/** The section's charts (none when the run has no validation results). */
export function validationCharts(input: ReportInput): ChartDef[] {
  const v = input.validation;
  if (!v) return [];
  const n = v.folds.length;
  const out: ChartDef[] = [
    {
      id: 'chart-validation-scores',
      section: 'validation',
      title: 'In-sample against out-of-sample score, fold by fold',
      explain:
        `For each of the ${n} fold${n === 1 ? '' : 's'}, the score of the configuration chosen on the training window: grey on the training window it was chosen on, ` +
        'blue on the test window that follows, which it never saw. The gap between them is how much the choice was fitted to its own history; lower is better. ' +
        'Hover for the windows and the configuration chosen.',
      spec: scoresSpec(input),
    },
  ];
  if (v.series.dates.length > 1) {
    out.push({
      id: 'chart-validation-value',
      section: 'validation',
      title: 'The stitched out-of-sample record against the baselines',
      explain:
        'The value of 100% invested in the configuration chosen at each fold, held over that fold’s test window, and the baselines over the same days. ' +
        'Every test window starts fully invested at the targets (a free rebalance at each dashed line), for the chosen configuration and the baselines alike. Hover for values.',
      spec: valueSpec(input),
    });
  }
  return out;
}

function chartHtml(c: ChartDef): string {
  return `<h3>${h(c.title)}</h3><div class="chart" id="${h(c.id)}" role="img" aria-label="${h(c.title)}"></div><p class="explain">${h(c.explain)}</p>`;
}

const TABLE_METRICS = ['turnover', 'trackingError', 'maxDrawdown', 'cagr', 'volatility', 'sharpe', 'rebalancesPerYear', 'costDrag', 'excessReturn'];

function cellMetric(name: string, x: number | null | undefined): string {
  if (metricMeta(name).kind === 'pct' && typeof x === 'number' && Number.isFinite(x)) return fmtPct(x, 2);
  return fmtMetric(name, x);
}

function stabilityHtml(input: ReportInput): string {
  const v = input.validation!;
  const params = Object.keys(v.stability.params);
  const head =
    '<tr><th class="num">fold</th><th>training window</th><th>test window</th><th>chosen configuration</th>' +
    params.map((p, i) => `<th${i === 0 ? ' class="first-param"' : ''}>${h(paramMeta(p).title)}</th>`).join('') +
    '<th class="num">in-sample score</th><th class="num">out-of-sample score</th><th class="num">feasible in sample</th></tr>';
  const body = v.folds
    .map((f) => {
      const row = { params: f.chosen.params } as unknown as ReportRow; // fmtParam reads only row.params
      return (
        `<tr data-fold="${f.index + 1}"><td class="num">${f.index + 1}</td>` +
        `<td>${h(f.train.first)} to ${h(f.train.last)}</td><td>${h(f.test.first)} to ${h(f.test.last)}</td>` +
        `<td class="label">${h(f.chosen.label)} <span class="id">#${f.chosen.id}</span>${f.chosen.feasibleInSample ? '' : ' <span class="id">(no feasible configuration: best score)</span>'}</td>` +
        params.map((p, i) => `<td${i === 0 ? ' class="first-param"' : ''}>${h(fmtParam(p, row))}</td>`).join('') +
        `<td class="num">${h(fmtScore(f.inSample.score))}</td><td class="num">${h(fmtScore(f.outOfSample.score))}</td>` +
        `<td class="num">${fmtInt(f.feasibleInSample)} of ${fmtInt(v.configs.evaluated)}</td></tr>`
      );
    })
    .join('');
  return `<div class="board-wrap"><table class="board" id="validation-folds"><thead>${head}</thead><tbody>${body}</tbody></table></div>`;
}

function metricsHtml(input: ReportInput): string {
  const v = input.validation!;
  const head =
    '<tr><th>out of sample</th><th class="num">score</th><th class="num">feasible</th>' +
    TABLE_METRICS.map((m) => `<th class="num">${h(metricMeta(m).title)}</th>`).join('') +
    '</tr>';
  const row = (label: string, r: { score: number | null; feasible: boolean; metrics: Record<string, number | null> }, cls: string, id: string): string =>
    `<tr class="${cls}" data-id="${h(id)}"><td class="label">${h(label)}</td><td class="num">${h(fmtScore(r.score))}</td><td class="num">${r.feasible ? 'yes' : 'no'}</td>` +
    TABLE_METRICS.map((m) => `<td class="num">${h(cellMetric(m, r.metrics[m]))}</td>`).join('') +
    '</tr>';
  const span = TABLE_METRICS.length + 3;
  const body =
    row(v.stitched.label, v.stitched, 'best', 'walk-forward') +
    `<tr class="group"><td colspan="${span}">Baselines over the same test windows</td></tr>` +
    v.baselines.map((b) => row(b.label, b, 'baseline', b.id)).join('');
  return `<div class="board-wrap"><table class="board" id="validation-metrics"><thead>${head}</thead><tbody>${body}</tbody></table></div>`;
}

function mean(xs: (number | null)[]): number {
  const f = xs.filter((x): x is number => x !== null && Number.isFinite(x));
  return f.length ? ssMean(f) : NaN;
}

/** The whole section ("" when the run has no validation results). */
export function validationSectionHtml(input: ReportInput, charts: readonly ChartDef[]): string {
  const v = input.validation;
  if (!v) return '';
  const n = v.folds.length;
  const spec = v.spec;
  const how =
    spec && spec.kind === 'walk-forward'
      ? `Walk-forward validation: ${n} fold${n === 1 ? '' : 's'}, each training on ${spec.train} of data and testing on the following ${spec.test}, moving on by ${spec.step ?? spec.test}. `
      : `A single split${spec && spec.kind === 'split' ? ` at ${spec.at}` : ''}: training on the data before it (to ${v.folds[0].train.last}), testing from there to the end of the data (${v.folds[0].test.last}). `;
  const sampled = v.configs.sampled
    ? `${fmtInt(v.configs.evaluated)} of the ${fmtInt(v.configs.total)} configurations (evenly spaced ids; raise validation.maxConfigs to use all)`
    : `all ${fmtInt(v.configs.total)} configurations`;
  const intro =
    how +
    `${n === 1 ? 'Once' : 'In every fold'}, ${sampled} were run on the training window alone (no later price can reach it) and the best feasible one by score was chosen (ties → the lowest id), ` +
    `then held over the test window. ${n === 1 ? 'The test window is' : 'The test windows, stitched together, are'} an honest out-of-sample record of the whole procedure.`;
  const isMean = mean(v.folds.map((f) => f.inSample.score));
  const oosMean = mean(v.folds.map((f) => f.outOfSample.score));
  const gap =
    Number.isFinite(isMean) && Number.isFinite(oosMean)
      ? ` Averaged over the folds, the chosen configuration scored ${fmtScore(isMean)} in sample and ${fmtScore(oosMean)} out of sample` +
        (isMean !== 0
          ? ` (${oosMean >= isMean ? `${fmtPct(oosMean / isMean - 1, 0)} worse` : `${fmtPct(1 - oosMean / isMean, 0)} better`} out of sample).`
          : '.')
      : '';
  const st = v.stability;
  const stable =
    st.distinctConfigs === 1
      ? `Every fold chose the same configuration: ${st.modal.label} (#${st.modal.id}).`
      : `The folds chose ${st.distinctConfigs} different configurations; the most frequent, ${st.modal.label} (#${st.modal.id}), in ${st.modal.folds} of ${n} folds.`;
  const best = [v.stitched, ...v.baselines].reduce((a, b) => ((b.score ?? Infinity) < (a.score ?? Infinity) ? b : a));
  const verdict =
    best === v.stitched
      ? 'Out of sample, the chosen configurations beat every baseline on the score.'
      : `Out of sample, the baseline “${best.label}” scores better than the chosen configurations: the search did not pay off on unseen data.`;
  const mine = charts.filter((c) => c.section === 'validation');
  return (
    `<section id="validation"><h2>Out of sample</h2><p class="explain">${h(intro)}${h(gap)}</p>` +
    `<div class="recommend${best === v.stitched ? '' : ' none'}">${h(verdict)}</div>` +
    mine.map(chartHtml).join('') +
    `<h3>How stable is the choice?</h3><p class="explain">${h(stable)} The configuration chosen in each fold, its searched parameters, and its score in and out of sample.</p>` +
    stabilityHtml(input) +
    `<h3>The stitched out-of-sample record against the baselines</h3><p class="explain">Metrics of the stitched test windows (design §4 on the concatenated daily returns; turnover, rebalances and cost drag summed over the folds). ` +
    `The baselines run over the same test windows, each also starting at the targets. Percentages are fractions of the portfolio; cost drag is in basis points a year.</p>` +
    metricsHtml(input) +
    '</section>'
  );
}

/* ------------------------------------------------------------------ the theory band */

/** Per-asset half-widths of a configuration's band, when it has static per-asset ones (else null). */
function bandHalfWidths(row: ReportRow, targets: number[]): number[] | null {
  const p = row.params;
  const w = typeof p.width === 'number' ? p.width : null;
  if (w === null) return null;
  switch (p.band) {
    case 'absolute':
      return targets.map(() => w);
    case 'relative':
      return targets.map((t) => w * t);
    case 'hybrid': {
      const r = typeof p.relWidth === 'number' ? p.relWidth : NaN;
      return targets.map((t) => Math.min(w, r * t));
    }
    case 'drift':
      // two assets: D = ½(|d_A| + |d_B|) = |d_A|, so a drift threshold d is a per-asset half-width d
      return targets.length === 2 ? targets.map(() => w) : null;
    default:
      return null;
  }
}

/** A paragraph for the summary: the theory half-width, and the recommended configuration against it. */
export function theoryHtml(input: ReportInput): string {
  const t = input.theory;
  if (!t) return '';
  if (t.cost === 0) {
    return `<p class="explain">Theory: with no proportional cost, the small-cost asymptotics of the no-trade region predict no band at all (trade continuously back to target).</p>`;
  }
  const list = t.assets.map((a) => `${a.asset} ±${fmtPct(a.halfWidth, 1)}`).join(', ');
  const lo = Math.min(...t.assets.map((a) => a.halfWidthHighGamma));
  const hi = Math.max(...t.assets.map((a) => a.halfWidthLowGamma));
  let text =
    `Theory: at this cost level (${fmtPct(t.cost, 2)} of each trade's notional, one way), the small-cost asymptotics of the no-trade region ` +
    `(half-width growing with the cube root of the cost: ${t.formula}) predict a band of ${list} around the targets, in weight points, for risk aversion γ = ${t.riskAversion} ` +
    `(γ from ${t.gammaRange[0]} to ${t.gammaRange[1]}: ±${fmtPct(lo, 1)} to ±${fmtPct(hi, 1)}). Sources: ${t.source}.`;
  const best = input.rows.find((r) => r.kind === 'config' && r.rank === 1);
  if (best) {
    const targets = t.assets.map((a) => a.target);
    const hw = bandHalfWidths(best, targets);
    if (hw) {
      const ratio = mean(hw.map((x, i) => (t.assets[i].halfWidth > 0 ? x / t.assets[i].halfWidth : NaN)));
      text +=
        ` The recommended configuration's band is ${t.assets.map((a, i) => `${a.asset} ±${fmtPct(hw[i], 1)}`).join(', ')}: ` +
        `on average ${ratio.toFixed(2)}× the theory width${ratio < 0.8 ? ', narrower than theory' : ratio > 1.25 ? ', wider than theory' : ', close to it'}.`;
    } else if (best.params.band === 'calendar' || best.params.band === 'none') {
      text += ` The recommended configuration (${best.label}) has no band to compare.`;
    } else {
      text += ` The recommended configuration's band (${best.label}) is not a fixed per-asset half-width, so it is not compared directly.`;
    }
  }
  return `<p class="explain" id="theory-band">${h(text)}</p>`;
}

/**
 * A rule at each asset's theory half-width on the absolute band's width effect panel (same unit:
 * weight points). Leaves the charts alone when there is no such panel.
 */
export function markTheoryOnWidthEffect(charts: ChartDef[], input: ReportInput): void {
  const t = input.theory;
  if (!t || t.cost === 0) return;
  // the absolute band's own width panel: the same unit as the theory half-width (weight points)
  const c = charts.find((x) => x.id === 'chart-effect-width-absolute');
  if (!c || !('hconcat' in c.spec)) return;
  const tip = tooltipExpr([
    { field: 'asset', title: 'theory half-width for' },
    { field: 'x', title: 'half-width', format: '.2%' },
    { field: 'gamma', title: 'risk aversion γ', format: '~g' },
  ]);
  const spec = c.spec as Extract<TopLevelSpec, { hconcat: unknown }>;
  const panels = spec.hconcat.map((panel) => {
    if (!('layer' in panel)) return panel;
    // the panel filters its data by objective; the rule's own data carries the same objective
    const filter = (panel.transform ?? []).find((x) => 'filter' in x) as { filter: { field: string; equal: string } } | undefined;
    const objective = filter?.filter.equal ?? null;
    const values = t.assets.map((a) => ({ x: a.halfWidth, asset: a.asset, gamma: t.riskAversion, objective }));
    return {
      ...panel,
      layer: [
        ...panel.layer,
        {
          data: { values },
          mark: { type: 'rule' as const, color: '#ea580c', strokeDash: [5, 3], strokeWidth: 1.5, tooltip: tip },
          encoding: { x: { field: 'x', type: 'quantitative' as const } },
        },
      ],
    };
  });
  c.spec = { ...spec, hconcat: panels } as TopLevelSpec;
  c.explain += ` The dashed orange line${t.assets.length > 1 ? 's mark' : ' marks'} the theory half-width for this cost level (${t.assets.map((a) => `${a.asset} ±${fmtPct(a.halfWidth, 1)}`).join(', ')}; γ = ${t.riskAversion}).`;
}
