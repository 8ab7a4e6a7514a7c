/**
 * The report page (design §8): one self-contained, offline `report.html` per run.
 *
 * prepareReport() takes the one digest of the rows (src/report/digest.ts: fed from results.csv by
 * fromRun.ts, or from the rows of an in-memory input here) and builds each chart from its own file
 * under charts/ (data step + spec); renderHtml() writes the page around them — the headline (the
 * pick and why), the trade-off, the leaderboard, the effects, the tearsheet, the glossary — with the
 * vega builds inlined (assets.ts) and every dataset stored once, column-wise, in a JSON script
 * element; writeReport() writes it atomically.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { describeWriteError } from '../results/atomic.js';
import { join } from 'node:path';
import { RESULT_COLUMNS } from '../results/table.js';
import { PARAMS } from '../search/space.js';
import { vegaLibs } from './assets.js';
import { effectCharts } from './charts/effects.js';
import { heatmapChart } from './charts/heatmap.js';
import { importanceChart } from './charts/importance.js';
import { calendarYearReturns, drawdownPeriods } from './charts/tables.js';
import { timeCharts, timeline } from './charts/time.js';
import { drillChart } from './charts/drill.js';
import { TRADEOFF_PLOTS, tradeoffChart, tradeoffData, type TradeoffData } from './charts/tradeoff.js';
import { FONT, type ChartDef } from './charts/common.js';
import { digestRows, type DigestResult } from './digest.js';
import { selectionIds } from './selectionIds.js';
import {
  describeMetrics,
  escapeHtml,
  fmtInt,
  fmtMetric,
  fmtNum,
  fmtParam,
  fmtPct,
  fmtSeconds,
  fmtSig,
  metricMeta,
  metricName,
  constraintText,
  paramMeta,
  plural,
} from './format.js';
import { parseConstraints } from '../results/score.js';
import { GLOSSARY } from './glossary.js';
import { robustCharts, robustSectionHtml } from './robustSpecs.js';
import { markTheoryOnWidthEffect, theoryHtml, validationCharts, validationSectionHtml } from './validationSpecs.js';
import type { ReportInput, ReportRow } from './types.js';

export interface ReportOptions {
  /** Leaderboard size. Default 20 (or the experiment's report.top). */
  topN?: number;
  /** Configuration rows drawn uniformly for the scatters (in-memory input). Default 5,000. */
  target?: number;
  seed?: number;
  /** Most dates drawn per series in the over-time charts. Default 1500. */
  maxTimePoints?: number;
}

export interface ReportModel {
  digest: DigestResult;
  summary: { configs: number; feasible: number; pareto: number; failed: number; baselines: ReportRow[]; top: ReportRow[]; lowerScoreIsBetter: boolean };
  /** The headline's configuration: the selection's pick, or (no selection.json) the in-sample best. */
  pick: ReportRow | null;
  pickSource: 'selection' | 'in-sample' | 'none';
  /** The flat rows behind the scatters. */
  scatter: TradeoffData;
  /** The recommendation in one or a few sentences (plain text). */
  recommendation: string;
  sampleNote: string;
  leaderboard: ReportRow[];
  baselines: ReportRow[];
  charts: ChartDef[];
  notes: string[];
  timings: Record<string, number>;
}

/** Scores side by side differ in the third or fourth digit: four significant digits, zeros kept. */
function fmtScore(x: number): string {
  return Math.abs(x) >= 1e4 ? fmtInt(x) : x.toPrecision(4);
}

const LEADER_METRICS = ['turnover', 'trackingError', 'maxDrawdown', 'cagr', 'rebalancesPerYear', 'costDrag', 'excessReturn'];

function sampleNoteOf(d: DigestResult, drawn: number): string {
  if (d.configs === 0) return 'The run has no configuration rows.';
  if (drawn >= d.configs) return `All ${fmtInt(d.configs)} configurations are shown.`;
  return (
    `Showing ${fmtInt(drawn)} of ${fmtInt(d.configs)} configurations: a seeded uniform random sample of ${fmtInt(d.sample.length)}, ` +
    `with each plot's Pareto front, the top ${fmtInt(d.top.length)} of the leaderboard and the recommended configuration always shown.`
  );
}

/** "1 trade a year", "0.5 trades a year". */
function tradesText(rpy: number | null | undefined): string {
  if (typeof rpy !== 'number' || !Number.isFinite(rpy)) return '';
  return plural(rpy, 'trade', 'trades', fmtSig(rpy, rpy < 10 ? 2 : 3)) + ' a year';
}

function recommendationOf(m: { pick: ReportRow | null; pickSource: string }, d: DigestResult): string {
  const vs = d.baselines.map((b) => `${b.label}: ${describeMetrics(b)}`).join('; ');
  const best = m.pick;
  if (!best) {
    return (
      `No configuration is feasible: none of the ${fmtInt(d.configs)} configurations meets the constraints, so there is no recommendation ` +
      `and the leaderboard is empty; the charts still show the configurations.${vs ? ` The baselines: ${vs}.` : ''}`
    );
  }
  const rank = best.rank !== null ? `rank ${best.rank} of ${fmtInt(d.feasible)} feasible by in-sample score` : 'not ranked in sample';
  return `Recommended: ${best.label} (configuration ${best.id}, ${rank}): ${describeMetrics(best)}.${vs ? ` Versus ${vs}.` : ''}`;
}

/** The one digest: the input's, or one made here from the rows held in memory. */
function digestOf(input: ReportInput, opts: ReportOptions): DigestResult {
  if (input.digest) return input.digest;
  const keep = selectionIds(input.selection);
  const searched = input.experiment.searchedParams.length ? input.experiment.searchedParams : [...PARAMS];
  return digestRows(input.rows, searched, {
    seed: opts.seed ?? input.experiment.seed,
    objectives: input.experiment.objectives,
    heatmap: input.experiment.heatmap,
    fronts: TRADEOFF_PLOTS.map((p) => [p.x, p.y] as [string, string]),
    scatterSample: opts.target ?? 5000,
    topN: opts.topN ?? 20,
    keep,
  });
}

/** The headline's row: selection.json's pick when there is one, else the in-sample best. */
function pickOf(input: ReportInput, d: DigestResult): { pick: ReportRow | null; pickSource: ReportModel['pickSource'] } {
  const pickId = input.selection?.pick;
  if (typeof pickId === 'number') {
    const id = String(pickId);
    const r = d.kept.get(id) ?? d.top.find((x) => x.id === id) ?? input.rows.find((x) => x.id === id);
    if (r) return { pick: r, pickSource: 'selection' };
  }
  return d.top[0] ? { pick: d.top[0], pickSource: 'in-sample' } : { pick: null, pickSource: 'none' };
}

/** Aggregate the input and build every chart spec: everything the page needs except the HTML. */
export function prepareReport(input: ReportInput, opts: ReportOptions = {}): ReportModel {
  const timings: Record<string, number> = {};
  let t0 = performance.now();
  const lap = (name: string) => {
    const t = performance.now();
    timings[name] = t - t0;
    t0 = t;
  };
  const d = digestOf(input, opts);
  lap('digest');
  const { pick, pickSource } = pickOf(input, d);
  const notes: string[] = [];
  const scatter = tradeoffData(input, d, pick);
  const sampleNote = sampleNoteOf(d, scatter.configs.length);
  const charts: ChartDef[] = [];
  if (scatter.configs.length + scatter.baselines.length > 0) TRADEOFF_PLOTS.forEach((p, k) => charts.push(tradeoffChart(scatter, p, k, sampleNote)));
  else notes.push('The run has no rows, so there is no trade-off to show.');
  lap('scatter');

  const searched = input.experiment.searchedParams;
  const effects = d.effects.filter((e) => searched.length === 0 || searched.includes(e.param));
  const imp = importanceChart(
    d.importance.filter((r) => searched.length === 0 || searched.includes(r.param.split(' ')[0])),
    input.experiment.objectives,
  );
  if (imp) charts.push(imp);
  charts.push(...effectCharts(effects, input.experiment.objectives, d.configs, d.reservoir));
  for (const p of searched) {
    if (!effects.some((e) => e.param === p)) notes.push(`Parameter ${p} has no values in the results, so its effect is not shown.`);
  }
  if (d.heatmap) {
    const h = d.heatmap;
    if (!h.cells.some((c) => c.median !== null)) notes.push('No configuration has a score, so the score heatmap is not shown.');
    else {
      const ye = effects.find((e) => e.param === h.yParam);
      charts.push(heatmapChart(h, d.lowerScoreIsBetter, ye ? ye.numeric : false));
    }
  } else if (searched.length < 2) notes.push('The score heatmap needs two searched parameters; this experiment searches fewer.');
  lap('effects');

  const tl = timeline(input.series, input.data.assets.length, opts.maxTimePoints ?? 1500, input.benchmark);
  if (input.series.length === 0) notes.push('The run has no daily series, so the over-time charts are not shown.');
  charts.push(...timeCharts(tl, input));
  const drill = drillChart(input);
  if (drill) charts.push(drill.chart);
  lap('timeline');
  charts.push(...robustCharts(input));
  charts.push(...validationCharts(input));
  markTheoryOnWidthEffect(charts, input);

  const model = {
    digest: d,
    summary: {
      configs: d.configs,
      feasible: d.feasible,
      pareto: d.pareto,
      failed: d.failed,
      baselines: d.baselines,
      top: d.top,
      lowerScoreIsBetter: d.lowerScoreIsBetter,
    },
    pick,
    pickSource,
    scatter,
    recommendation: '',
    sampleNote,
    leaderboard: d.top,
    baselines: d.baselines,
    charts,
    notes,
    timings,
  };
  model.recommendation = recommendationOf(model, d);
  return model;
}

/* ------------------------------------------------------------------ data embedding */

type Cell = string | number | boolean | null;
interface Columnar {
  n: number;
  cols: Record<string, Cell[]>;
}

/** Rows of objects as columns (keys once, not once per row); the page turns them back into rows. */
export function toColumns(rows: readonly object[]): Columnar {
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    for (const k of Object.keys(r)) {
      if (!seen.has(k)) {
        seen.add(k);
        keys.push(k);
      }
    }
  }
  const cols: Record<string, Cell[]> = {};
  for (const k of keys) {
    const col = new Array<Cell>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const v = (rows[i] as Record<string, unknown>)[k];
      col[i] = v === undefined || (typeof v === 'number' && !Number.isFinite(v)) ? null : (v as Cell);
    }
    cols[k] = col;
  }
  return { n: rows.length, cols };
}

/** JSON that is safe inside a <script> element (no `<`, no line separators). */
export function scriptJson(value: unknown): string {
  const json = JSON.stringify(value);
  // one pass over the (megabytes of) text, and none to copy when nothing needs escaping
  return UNSAFE.test(json) ? json.replace(UNSAFE_ALL, (c) => SCRIPT_ESCAPES[c]) : json;
}

const UNSAFE = /[<\u2028\u2029]/;
const UNSAFE_ALL = /[<\u2028\u2029]/g;
const SCRIPT_ESCAPES: Record<string, string> = { '<': '\\u003c', '\u2028': '\\u2028', '\u2029': '\\u2029' };

interface PageData {
  datasets: Record<string, Columnar>;
  charts: { id: string; datasets: string[]; spec: object }[];
}

/** Each dataset once (charts share them by name), each spec without its datasets. */
export function pageData(charts: ChartDef[]): PageData {
  const byName = new Map<string, unknown>();
  const datasets: Record<string, Columnar> = {};
  const out: PageData['charts'] = [];
  for (const c of charts) {
    const { datasets: ds, ...rest } = c.spec;
    const names: string[] = [];
    for (const [name, rows] of Object.entries(ds ?? {})) {
      const prev = byName.get(name);
      if (prev !== undefined && prev !== rows) throw new Error(`report: two different datasets named ${name}`);
      if (prev === undefined) {
        byName.set(name, rows);
        datasets[name] = toColumns(rows as object[]);
      }
      names.push(name);
    }
    out.push({ id: c.id, datasets: names, spec: rest });
  }
  return { datasets, charts: out };
}

/* ------------------------------------------------------------------ HTML */

const CSS = `
:root { --ink: #111827; --muted: #6b7280; --line: #e5e7eb; --soft: #f3f4f6; --accent: #2563eb; }
* { box-sizing: border-box; }
html { background: #eef1f5; }
body { margin: 0; font: 15px/1.55 ${FONT}; color: var(--ink); -webkit-font-smoothing: antialiased; }
main { max-width: 1200px; margin: 24px auto; padding: 28px 36px 56px; background: white; border-radius: 10px;
  box-shadow: 0 1px 3px rgba(15, 23, 42, 0.08); }
header h1 { font-size: 26px; margin: 0 0 4px; letter-spacing: -0.01em; }
header .sub { color: var(--muted); margin: 0 0 12px; }
nav { display: flex; flex-wrap: wrap; gap: 6px 18px; padding: 10px 0 14px; border-bottom: 1px solid var(--line); font-size: 14px; }
nav a { color: var(--accent); text-decoration: none; }
nav a:hover { text-decoration: underline; }
section { margin-top: 36px; }
h2 { font-size: 20px; margin: 0 0 10px; padding-bottom: 6px; border-bottom: 2px solid var(--ink); }
h3 { font-size: 16px; margin: 28px 0 6px; }
p { margin: 6px 0 10px; }
.recommend { background: #eff6ff; border-left: 4px solid var(--accent); padding: 12px 16px; border-radius: 6px; margin: 12px 0 18px; }
.recommend.none { background: #fff7ed; border-left-color: #ea580c; }
.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 14px 26px; }
.facts table { width: 100%; }
.facts caption { text-align: left; font-weight: 600; font-size: 13px; color: var(--muted); text-transform: uppercase; letter-spacing: 0.04em; padding-bottom: 4px; }
table { border-collapse: collapse; font-size: 13.5px; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 6px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
.facts th { color: var(--muted); font-weight: 500; width: 42%; }
.board-wrap { overflow-x: auto; margin: 10px 0; }
table.board { width: 100%; font-size: 12.5px; }
table.board td.label { min-width: 220px; }
table.board thead th { background: var(--soft); border-bottom: 2px solid #d1d5db; font-weight: 600; vertical-align: bottom; line-height: 1.25; }
table.board td.num, table.board th.num { text-align: right; }
table.board td.num { white-space: nowrap; }
table.board tbody tr:nth-child(even) { background: #fafbfc; }
table.board tbody tr:hover { background: #eef2ff; }
table.board tr.best td { font-weight: 600; }
table.board tr.group td { background: white; font-weight: 600; color: var(--muted); padding-top: 12px; border-bottom: 2px solid var(--line); }
table.board td .id { color: var(--muted); font-size: 12px; }
table.board .first-param { border-left: 1px solid #d1d5db; padding-left: 10px; }
.chart { margin: 8px 0 2px; overflow-x: auto; min-height: 60px; }
.explain { color: #4b5563; font-size: 14px; max-width: 900px; margin: 4px 0 18px; }
.note { color: var(--muted); font-size: 14px; font-style: italic; }
.chart-error { color: #b91c1c; }
footer { margin-top: 40px; color: var(--muted); font-size: 12.5px; border-top: 1px solid var(--line); padding-top: 10px; }
.recommend .pick { font-size: 17px; margin: 0 0 4px; }
.recommend .id, .side .id { color: var(--muted); font-size: 12px; }
.recommend ul.why { margin: 6px 0 2px; padding-left: 20px; }
.recommend ul.why li { margin: 3px 0; }
.side { display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); gap: 10px 24px; margin: 8px 0 16px; }
.side caption, .board caption { text-align: left; font-weight: 600; font-size: 13px; color: var(--muted); padding-bottom: 4px; }
td.neg { color: #b91c1c; }
table.glossary td { white-space: normal; }
table.glossary td:first-child { white-space: nowrap; }
code { font-size: 13px; background: var(--soft); padding: 1px 4px; border-radius: 3px; }
#vg-tooltip-element { font-family: ${FONT}; font-size: 12px; }
`;

/** The page script: decode the shared datasets, attach them to each spec and embed it (SVG renderer). */
const PAGE_SCRIPT = `
(function () {
  var store = JSON.parse(document.getElementById('report-data').textContent);
  function rows(name) {
    var ds = store.datasets[name], cols = ds.cols, keys = Object.keys(cols), out = new Array(ds.n);
    for (var i = 0; i < ds.n; i++) {
      var o = {};
      for (var j = 0; j < keys.length; j++) o[keys[j]] = cols[keys[j]][i];
      out[i] = o;
    }
    return out;
  }
  var jobs = store.charts.map(function (chart) {
    var el = document.getElementById(chart.id);
    var spec = chart.spec;
    spec.datasets = {};
    chart.datasets.forEach(function (name) { spec.datasets[name] = rows(name); });
    return vegaEmbed(el, spec, { renderer: 'svg', actions: false }).then(
      function () { el.setAttribute('data-rendered', 'ok'); },
      function (err) {
        el.setAttribute('data-rendered', 'error');
        el.innerHTML = '<p class="chart-error">This chart could not be drawn: ' + String(err && err.message || err).replace(/[<&]/g, '') + '</p>';
        console.error(err);
      });
  });
  window.reportReady = Promise.all(jobs);
})();
`;

const h = escapeHtml;

function factTable(caption: string, rows: [string, string][]): string {
  const body = rows.map(([k, v]) => `<tr><th>${h(k)}</th><td>${h(v)}</td></tr>`).join('');
  return `<table><caption>${h(caption)}</caption><tbody>${body}</tbody></table>`;
}

/** A metric value with its unit, for prose: "0.14%", "2.6 bp/yr", "1.2 trades a year". */
function metricText(name: string, v: number | null | undefined): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '—';
  const kind = metricMeta(name).kind;
  if (name === 'costDrag') return `${fmtSig(v, 2)} bp/yr`;
  if (name === 'turnover') return `${fmtPct(v)}/yr`;
  if (name === 'rebalancesPerYear') return tradesText(v);
  if (kind === 'pct') return fmtPct(v);
  return fmtMetric(name, v);
}

/** The score of a row written out term by term, each in its own unit. */
export function scoreFormula(weights: Record<string, number>, r: ReportRow): string {
  const terms = Object.entries(weights).filter(([, w]) => w !== 0);
  if (terms.length === 0) return '';
  const parts = terms.map(([m, w]) => {
    const v = r.metrics[m];
    const contrib = typeof v === 'number' ? w * v : NaN;
    return `${fmtSig(w)} × ${metricName(m)} ${metricText(m, v)} (${Number.isFinite(contrib) ? fmtSig(contrib) : '—'})`;
  });
  return `${parts.join(' + ')} = ${r.score !== null && Number.isFinite(r.score) ? fmtScore(r.score) : '—'}`;
}

function rowById(m: ReportModel, input: ReportInput, key: string | number | null | undefined): ReportRow | null {
  if (key === null || key === undefined) return null;
  const id = String(key);
  return m.digest.kept.get(id) ?? m.digest.top.find((r) => r.id === id) ?? input.rows.find((r) => r.id === id) ?? null;
}

function pboSentence(pbo: number): string {
  return (
    `Probability of backtest overfitting ${fmtPct(pbo, 0)}: across many ways of splitting the history in two halves, how often the configuration that was best ` +
    `in one half ranked below the median in the other (Bailey, Borwein, López de Prado & Zhu 2017) — near 0 the in-sample ranking carries over, near 50% it is luck.`
  );
}

function headlineHtml(input: ReportInput, m: ReportModel): string {
  const pick = m.pick;
  const sel = input.selection;
  const cls = pick ? 'recommend' : 'recommend none';
  if (!pick) return `<div class="${cls}" id="headline"><p>${h(m.recommendation)}</p></div>`;
  const items: string[] = [];
  const weights = input.experiment.scoreWeights ?? {};
  const formula = scoreFormula(weights, pick) || (sel?.scoreText ?? '');
  if (m.pickSource === 'selection' && sel?.rule?.text) items.push(`<li><b>Rule</b>: ${h(sel.rule.text)}</li>`);
  const lower = m.summary.lowerScoreIsBetter ? 'lower is better' : 'higher is better';
  if (formula) items.push(`<li><b>Score</b> (${lower}): ${h(formula)}.</li>`);
  let cons: string[] = input.experiment.constraints ?? [];
  try {
    cons = parseConstraints(cons).map((c) => constraintText(c.metric, c.op, c.value));
  } catch {
    // shown as written
  }
  items.push(
    `<li><b>Constraints</b>: ${cons.length ? h(cons.join('; ')) + ` — ${fmtInt(m.summary.feasible)} of ${fmtInt(m.summary.configs)} configurations meet them` : 'none (every configuration is feasible)'}.</li>`,
  );
  if (m.pickSource === 'selection' && sel) {
    const sure: string[] = [];
    if (sel.outOfSample?.text) sure.push(`${h(sel.outOfSample.text)} (<a href="#validation">out of sample</a>)`);
    else if (input.validation) sure.push('out of sample: see <a href="#validation">Out of sample</a>');
    if (input.robustness) sure.push('the ranking over resampled histories is in <a href="#robustness">Resampled histories</a>');
    if (typeof sel.pbo === 'number')
      sure.push(h(sel.pboDetail?.meaning ? `Probability of backtest overfitting ${fmtPct(sel.pbo, 0)}: ${sel.pboDetail.meaning}` : pboSentence(sel.pbo)));
    else sure.push(h(`Probability of backtest overfitting not computed${sel.pboReason ? `: ${sel.pboReason}` : ''}.`));
    items.push(`<li><b>How sure</b>: ${sure.join('; ')}</li>`);
    const ind = sel.indistinguishable ?? [];
    const simplest = sel.simplest !== null && sel.simplest !== sel.pick ? rowById(m, input, sel.simplest) : null;
    const test = sel.indistinguishableTest;
    items.push(
      `<li><b>As good</b>: ${ind.length === 0 ? 'every other candidate is significantly worse than the pick' : `${h(plural(ind.length, 'other configuration'))} ${ind.length === 1 ? 'is' : 'are'} not significantly worse than the pick`}` +
        (test ? ` (${h(test.method)})` : '') +
        (simplest
          ? `; the simplest of them is ${h(simplest.label)} (#${h(simplest.id)}: ${h(describeMetrics(simplest))})`
          : sel.simplest === sel.pick && ind.length > 0
            ? '; the pick is itself the simplest of them'
            : '') +
        '.</li>',
    );
    const isb = sel.inSampleBest;
    if (isb && isb.id !== sel.pick)
      items.push(
        `<li><b>In-sample best</b>: ${h(isb.label)} (#${isb.id}) has the best score on the actual history but ranks ${isb.rank} under this rule.</li>`,
      );
  } else {
    items.push(
      '<li><b>How sure</b>: this run has no selection.json (it was made by an older version, or the selection step did not run), so this is the <em>in-sample</em> best by score: ' +
        'it was not checked against resampled histories or out-of-sample data, and the chance that it is a lucky pick was not estimated.</li>',
    );
  }
  return (
    `<div class="${cls}" id="headline"><p class="pick">Recommended: <b>${h(pick.label)}</b> <span class="id">#${h(pick.id)}</span></p>` +
    `<p>${h(describeMetrics(pick))}.</p><ul class="why">${items.join('')}</ul></div>`
  );
}

/** Best per band type and per mode, side by side. */
function bestPerHtml(input: ReportInput, m: ReportModel): string {
  const sel = input.selection;
  const fromSel = (o: Record<string, number> | undefined) =>
    o
      ? new Map(
          Object.entries(o)
            .map(([k, id]) => [k, rowById(m, input, id)])
            .filter((e): e is [string, ReportRow] => e[1] !== null),
        )
      : null;
  const band = fromSel(sel?.bestPerBand) ?? m.digest.bestPerBand;
  const mode = fromSel(sel?.bestPerMode) ?? m.digest.bestPerMode;
  const group = (title: string, map: Map<string, ReportRow>) =>
    map.size < 2
      ? ''
      : `<tr class="group"><td colspan="7">${h(title)}</td></tr>` +
        [...map.entries()]
          .sort((a, b) => (a[1].rank ?? Infinity) - (b[1].rank ?? Infinity))
          .map(
            ([k, r]) =>
              `<tr${m.pick && r.id === m.pick.id ? ' class="best"' : ''}><td>${h(k)}</td><td class="label">${h(r.label)} <span class="id">#${h(r.id)}</span></td>` +
              `<td class="num">${r.rank ?? '—'}</td><td class="num">${h(metricText('trackingError', r.metrics.trackingError))}</td><td class="num">${h(metricText('turnover', r.metrics.turnover))}</td>` +
              `<td class="num">${h(metricText('costDrag', r.metrics.costDrag))}</td><td class="num">${h(metricText('maxDrawdown', r.metrics.maxDrawdown))}</td></tr>`,
          )
          .join('');
  const body = group('Best per band type', band) + group('Best per mode', mode);
  if (!body) return '';
  return (
    `<h3>Best per band type and per mode</h3><div class="board-wrap"><table class="board" id="best-per"><thead><tr><th></th><th>best configuration</th><th class="num">rank</th>` +
    `<th class="num">tracking error</th><th class="num">turnover</th><th class="num">cost drag</th><th class="num">max drawdown</th></tr></thead><tbody>${body}</tbody></table></div>`
  );
}

function summaryHtml(input: ReportInput, m: ReportModel): string {
  const e = input.experiment;
  const d = input.data;
  const s = m.summary;
  const tables = [
    factTable('Experiment', [
      ['name', e.name],
      ['search', `${e.searchKind}, ${fmtInt(e.spaceSize)} configurations`],
      ['seed', String(e.seed)],
      ['searched parameters', e.searchedParams.map((p) => paramMeta(p).title).join(', ') || '—'],
      ['objectives (minimized)', e.objectives.map((o) => metricMeta(o).title).join(', ')],
    ]),
    factTable('Data', [
      ['file', d.file],
      ['assets', d.assets.join(', ')],
      ['window', `${d.start} to ${d.end}`],
      ['rows', fmtInt(d.rows)],
      ['periods per year', fmtNum(d.periodsPerYear)],
      ...(d.warnings ?? []).map((w): [string, string] => ['window note', w]),
    ]),
    factTable(
      'Targets',
      Object.entries(input.targets).map(([a, w]) => [a, fmtPct(w)]),
    ),
    factTable('Costs', [
      ['fee', `${fmtNum(input.costs.feeBps)} bp`],
      ['half spread', `${fmtNum(input.costs.halfSpreadBps)} bp`],
      ['fixed fee per asset traded', fmtNum(input.costs.fixedFee)],
      ['minimum trade', fmtNum(input.costs.minTrade)],
    ]),
    factTable('Run', [
      ['id', input.run.id],
      ['started', input.run.startedAt],
      ['run time', fmtSeconds(input.run.seconds)],
      ['workers', String(input.run.workers)],
      ['failed configurations', fmtInt(input.run.failed)],
    ]),
    factTable('Results', [
      ['configurations', fmtInt(s.configs)],
      ['feasible', s.configs ? `${fmtInt(s.feasible)} (${fmtPct(s.feasible / s.configs, 1)})` : '0'],
      ['on the Pareto front (all objectives)', fmtInt(s.pareto)],
      ['baselines (never ranked)', s.baselines.map((b) => b.label).join(', ') || '—'],
    ]),
  ];
  return (
    `<section id="summary"><h2>Summary</h2>` +
    (e.description ? `<p>${h(e.description)}</p>` : '') +
    headlineHtml(input, m) +
    bestPerHtml(input, m) +
    theoryHtml(input) +
    `<div class="facts">${tables.join('')}</div></section>`
  );
}

function chartHtml(c: ChartDef): string {
  return `<h3>${h(c.title)}</h3><div class="chart" id="${h(c.id)}" role="img" aria-label="${h(c.title)}"></div><p class="explain">${h(c.explain)}</p>`;
}

function cellMetric(name: string, v: number | null | undefined): string {
  const kind = metricMeta(name).kind;
  if (kind === 'pct' && typeof v === 'number' && Number.isFinite(v)) return fmtPct(v, 2);
  return fmtMetric(name, v);
}

function leaderboardHtml(input: ReportInput, m: ReportModel): string {
  // the searched values get columns of their own while the table still fits the page; beyond that
  // the configuration's label (which names every value) carries them
  const params = input.experiment.searchedParams.length <= 4 ? input.experiment.searchedParams : [];
  const metrics = [...input.experiment.objectives.filter((o) => !LEADER_METRICS.includes(o)), ...LEADER_METRICS];
  const head =
    '<tr><th class="num">rank</th><th>configuration</th>' +
    metrics.map((x) => `<th class="num" title="${h(GLOSSARY[x]?.text ?? '')}">${h(metricMeta(x).title)}</th>`).join('') +
    '<th class="num">score</th>' +
    params.map((p, i) => `<th${i === 0 ? ' class="first-param"' : ''}>${h(paramMeta(p).title)}</th>`).join('') +
    '</tr>';
  const row = (r: ReportRow, cls = ''): string =>
    `<tr${cls ? ` class="${cls}"` : ''} data-id="${h(r.id)}"><td class="num">${r.rank ?? '—'}</td>` +
    `<td class="label">${h(r.label)}${r.kind === 'config' ? ` <span class="id">#${h(r.id)}</span>` : ''}</td>` +
    metrics.map((x) => `<td class="num">${h(cellMetric(x, r.metrics[x]))}</td>`).join('') +
    `<td class="num">${r.score === null || !Number.isFinite(r.score) ? '—' : h(fmtScore(r.score))}</td>` +
    params.map((p, i) => `<td${i === 0 ? ' class="first-param"' : ''}>${h(fmtParam(p, r))}</td>`).join('') +
    '</tr>';
  const span = 3 + params.length + metrics.length;
  const pickId = m.pick?.id;
  const top = m.leaderboard.length
    ? m.leaderboard.map((r) => row(r, r.id === pickId ? 'best' : 'config')).join('')
    : `<tr class="group"><td colspan="${span}">No feasible configuration.</td></tr>`;
  const base = m.baselines.length
    ? `<tr class="group"><td colspan="${span}">Baselines (for comparison; never ranked)</td></tr>` + m.baselines.map((r) => row(r, 'baseline')).join('')
    : '';
  const n = m.leaderboard.length;
  const pickNote =
    m.pick && m.pickSource === 'selection' && !m.leaderboard.some((r) => r.id === pickId)
      ? ` The recommended configuration (#${m.pick.id}) is not in the in-sample top ${n}.`
      : '';
  return (
    `<section id="leaderboard"><h2>Leaderboard</h2>` +
    `<p class="explain">The ${n === 1 ? 'best feasible configuration' : `${fmtInt(n)} best feasible configurations`} by in-sample score (rank 1 is best; the recommended one in bold), with the baselines below. ` +
    `Percentages are fractions of the portfolio (turnover and returns per year); cost drag is in basis points a year; searched values are rounded to 3 significant digits (results.csv has them in full).${pickNote}</p>` +
    `<div class="board-wrap"><table class="board" id="leaderboard-table"><thead>${head}</thead><tbody>${top}${base}</tbody></table></div></section>`
  );
}

function tearsheetTablesHtml(input: ReportInput): string {
  if (input.series.length === 0) return '';
  const years = input.series.map((s) => calendarYearReturns(s));
  const allYears = [...new Set(years.flatMap((y) => y.map((x) => x.year)))].sort();
  const head = `<tr><th>year</th>${input.series.map((s, k) => `<th class="num">${h(k === 0 ? 'recommended' : s.label)}</th>`).join('')}</tr>`;
  const body = allYears
    .map((y) => {
      const cells = years.map((ys) => {
        const e = ys.find((x) => x.year === y);
        return `<td class="num${e && e.ret < 0 ? ' neg' : ''}">${e ? h(fmtPct(e.ret, 1)) : '—'}</td>`;
      });
      const partial = years[0].find((x) => x.year === y)?.partial ? ' <span class="id">(part)</span>' : '';
      return `<tr><td>${h(y)}${partial}</td>${cells.join('')}</tr>`;
    })
    .join('');
  const dd = drawdownPeriods(input.series[0], 5);
  const ddRows = dd
    .map(
      (p) =>
        `<tr><td>${h(p.start)}</td><td>${h(p.trough)}</td><td>${p.recovery ? h(p.recovery) : 'not recovered'}</td><td class="num neg">${h(fmtPct(-p.depth, 1))}</td><td class="num">${h(plural(p.length, 'day', 'days', fmtInt(p.length)))}</td></tr>`,
    )
    .join('');
  return (
    `<h3>Calendar-year returns</h3><p class="explain">Return of each calendar year after costs (the first and last years are part-years of the window).</p>` +
    `<div class="board-wrap"><table class="board" id="year-returns"><thead>${head}</thead><tbody>${body}</tbody></table></div>` +
    `<h3>Worst drawdown periods of the recommended configuration</h3><p class="explain">From the peak before the fall (start) to the lowest point (trough) and back to the peak (recovery); length in trading days from start to recovery.</p>` +
    `<div class="board-wrap"><table class="board" id="drawdowns"><thead><tr><th>start</th><th>trough</th><th>recovery</th><th class="num">depth</th><th class="num">length</th></tr></thead><tbody>${ddRows || '<tr><td colspan="5">No drawdown.</td></tr>'}</tbody></table></div>`
  );
}

function glossaryHtml(): string {
  const rows = RESULT_COLUMNS.map((c) => {
    const g = GLOSSARY[c];
    return `<tr id="glossary-${h(c)}"><td><code>${h(c)}</code></td><td>${h(g?.unit ?? '')}</td><td>${h(g?.text ?? '')}</td></tr>`;
  }).join('');
  return (
    `<section id="glossary"><h2>Glossary</h2><p class="explain">Every column of results.csv, named as in the file. Returns are per period after costs; "annualised" multiplies a per-period standard deviation by √(periods per year); ` +
    `the benchmark is the target weights rebalanced every period at no cost. 1 bp (basis point) = 0.01%.</p>` +
    `<div class="board-wrap"><table class="board glossary" id="glossary-table"><thead><tr><th>column</th><th>unit</th><th>meaning</th></tr></thead><tbody>${rows}</tbody></table></div></section>`
  );
}

/** The whole report page as HTML text. */
export function buildReport(input: ReportInput, opts: ReportOptions = {}): string {
  const m = prepareReport(input, opts);
  return renderHtml(input, m);
}

export function renderHtml(input: ReportInput, m: ReportModel): string {
  const libs = vegaLibs();
  const by = (s: ChartDef['section']) => m.charts.filter((c) => c.section === s);
  const notes = (ids: string[]) => m.notes.filter((n) => ids.some((i) => n.includes(i)));
  const tradeoff = by('tradeoff');
  const effects = by('effects');
  const time = by('time');
  const effectNotes = notes(['heatmap', 'Parameter']);
  const timeNotes = notes(['series']);
  const title = `${input.experiment.name} — rebalance-lab report`;
  const parts: string[] = [];
  parts.push(
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta name="generator" content="rebalance-lab">`,
    `<title>${h(title)}</title><style>${CSS}</style>`,
    ...libs.map((l) => `<script>/* ${l.name} ${l.version} */\n${l.code}</script>`),
    '</head><body><main>',
    `<header><h1>${h(input.experiment.name)}</h1><p class="sub">Rebalancing threshold study · run ${h(input.run.id)} · ${h(input.data.start)} to ${h(input.data.end)}</p>`,
    '<nav><a href="#summary">Summary</a><a href="#tradeoff">The trade-off</a><a href="#leaderboard">Leaderboard</a><a href="#effects">Parameter effects</a><a href="#time">Tearsheet</a>' +
      (input.robustness ? '<a href="#robustness">Resampled histories</a>' : '') +
      (input.validation ? '<a href="#validation">Out of sample</a>' : '') +
      '<a href="#glossary">Glossary</a></nav></header>',
    summaryHtml(input, m),
    `<section id="tradeoff"><h2>The trade-off</h2><p>${h(m.sampleNote)}</p>${tradeoff.map(chartHtml).join('')}</section>`,
    leaderboardHtml(input, m),
    `<section id="effects"><h2>Parameter effects</h2>${effects.map(chartHtml).join('')}${effectNotes.map((n) => `<p class="note">${h(n)}</p>`).join('')}</section>`,
    `<section id="time"><h2>Tearsheet: the recommended configuration against the baselines</h2>` +
      (input.series.length
        ? `<p>${h(input.series[0].label)} against ${h(
            input.series
              .slice(1)
              .map((s) => s.label)
              .join(', ') || 'no baseline',
          )}, day by day over the evaluation window.</p>`
        : '') +
      `${time.map(chartHtml).join('')}${tearsheetTablesHtml(input)}${timeNotes.map((n) => `<p class="note">${h(n)}</p>`).join('')}</section>`,
    robustSectionHtml(input, m.charts),
    validationSectionHtml(input, m.charts),
    glossaryHtml(),
    `<footer>Generated by rebalance-lab${input.run.startedAt ? ` for the run started ${h(input.run.startedAt)}` : ''}. ` +
      `Charts: ${libs.map((l) => `${h(l.name)} ${h(l.version)}`).join(', ')}, inlined, so this file works offline.</footer>`,
    '</main>',
    `<script type="application/json" id="report-data">${scriptJson(pageData(m.charts))}</script>`,
    `<script>${PAGE_SCRIPT}</script>`,
    '</body></html>\n',
  );
  return parts.join('\n');
}

/** Write `dir/report.html` atomically (a temporary file in the same directory, then rename). */
export async function writeReport(dir: string, input: ReportInput, opts: ReportOptions = {}): Promise<string> {
  const html = buildReport(input, opts);
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'report.html');
  const tmp = join(dir, `.report.html.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, html, 'utf8');
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    // a full disk (or quota, read-only, permissions) is the user's environment: a message, not a trace
    throw describeWriteError(path, err, dir);
  }
  return path;
}
