/**
 * The report page (design §8): one self-contained, offline `report.html` per run.
 *
 * prepareReport() aggregates the input (aggregate.ts) and builds the chart specs (specs.ts);
 * buildReport() renders the page around them, with the vega builds inlined (assets.ts) and every
 * dataset stored once, column-wise, in a JSON script element; writeReport() writes it atomically.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { vegaLibs } from './assets.js';
import {
  configRowsOf,
  paramEffects,
  Scratch,
  scoreHeatmap,
  summarizeRows,
  timeline,
  type RowSummary,
  type SampleOptions,
} from './aggregate.js';
import {
  describeConfig,
  describeMetrics,
  escapeHtml,
  fmtInt,
  fmtMetric,
  fmtNum,
  fmtParam,
  fmtPct,
  fmtSeconds,
  metricMeta,
  paramMeta,
} from './format.js';
import {
  effectCharts,
  FONT,
  heatmapChart,
  scatterData,
  timeCharts,
  tradeoffCharts,
  type ChartDef,
  type ScatterData,
} from './specs.js';
import { robustCharts, robustSectionHtml } from './robustSpecs.js';
import { markTheoryOnWidthEffect, theoryHtml, validationCharts, validationSectionHtml } from './validationSpecs.js';
import type { ReportInput, ReportRow } from './types.js';

export interface ReportOptions extends SampleOptions {
  /** Most dates drawn per series in the over-time charts. Default 1500. */
  maxTimePoints?: number;
}

export interface ReportModel {
  summary: RowSummary;
  /** The flat rows behind the scatters (sample and baselines). */
  scatter: ScatterData;
  /** The recommendation in one or a few sentences (plain text). */
  recommendation: string;
  /** What the scatters show of the rows (plain text). */
  sampleNote: string;
  /** Top feasible rows by rank (best first), then the baselines. */
  leaderboard: ReportRow[];
  baselines: ReportRow[];
  charts: ChartDef[];
  /** Things the report could not show, and why (plain text). */
  notes: string[];
  /** Milliseconds spent per step. */
  timings: Record<string, number>;
}

/** Scores side by side differ in the third or fourth digit: four significant digits, zeros kept. */
function fmtScore(x: number): string {
  return Math.abs(x) >= 1e4 ? fmtInt(x) : x.toPrecision(4);
}

const LEADER_METRICS = ['turnover', 'trackingError', 'maxDrawdown', 'cagr', 'rebalancesPerYear', 'costDrag', 'excessReturn'];

/** `streamed`: the rows came from a large results.csv read in constant memory (front thinned by a seeded hash). */
function sampleNoteOf(s: RowSummary, topN: number, streamed = false): string {
  if (s.configs === 0) return 'The run has no configuration rows.';
  if (s.sample.length >= s.configs) return `All ${fmtInt(s.configs)} configurations are shown.`;
  const pareto =
    s.paretoShown < s.pareto
      ? `${fmtInt(s.paretoShown)} of the ${fmtInt(s.pareto)} Pareto-front points (${streamed ? 'a seeded uniform selection' : 'evenly spread along the front'}) included`
      : `every Pareto point (${fmtInt(s.pareto)}) included`;
  return (
    `Showing ${fmtInt(s.sample.length)} of ${fmtInt(s.configs)} configurations: a seeded uniform random sample of ` +
    `${fmtInt(s.uniformDrawn)}, with ${pareto} and the top ${fmtInt(Math.min(topN, s.top.length))} of the leaderboard always shown.`
  );
}

function recommendationOf(s: RowSummary): string {
  const vs = s.baselines.map((b) => `${b.label}: ${describeMetrics(b)}`).join('; ');
  const versus = vs ? ` Versus ${vs}.` : '';
  const best = s.top[0];
  if (!best) {
    return (
      `No configuration is feasible: none of the ${fmtInt(s.configs)} configurations meets the constraints, so there is no recommendation ` +
      `and the leaderboard is empty; the charts still show the configurations.${vs ? ` The baselines: ${vs}.` : ''}`
    );
  }
  return (
    `Recommended: ${describeConfig(best)} (configuration ${best.id}, rank 1 of ${fmtInt(s.feasible)} feasible): ` +
    `${describeMetrics(best)}.${versus}`
  );
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
  const topN = opts.topN ?? 20;
  const digest = input.digest;
  // a large run read in constant memory: its rows are already the sample; the counts come from the digest
  const summary = digest
    ? {
        ...summarizeRows(input.rows, { seed: input.experiment.seed, ...opts, topN, target: Infinity, paretoCap: Infinity }),
        configs: digest.configs,
        feasible: digest.feasible,
        pareto: digest.pareto,
        uniformDrawn: digest.sampled,
        paretoShown: digest.paretoKept,
        lowerScoreIsBetter: digest.lowerScoreIsBetter,
      }
    : summarizeRows(input.rows, { seed: input.experiment.seed, ...opts, topN });
  lap('summarize');
  const notes: string[] = [];
  const sampleNote = sampleNoteOf(summary, topN, digest !== undefined);
  const scatter = scatterData(input, summary);
  const charts: ChartDef[] = [];
  if (scatter.configs.length + scatter.baselines.length > 0) charts.push(...tradeoffCharts(scatter, sampleNote));
  else notes.push('The run has no rows, so there is no trade-off to show.');
  lap('scatter');

  const configRows = configRowsOf(input);
  const searched = input.experiment.searchedParams;
  const scratch = new Scratch();
  const effects = digest ? digest.effects : paramEffects(configRows, searched, input.experiment.objectives, scratch);
  charts.push(...effectCharts(effects, input.experiment.objectives, summary.configs));
  for (const p of searched) {
    if (!effects.some((e) => e.param === p)) notes.push(`Parameter ${p} has no values in the results, so its effect is not shown.`);
  }
  lap('effects');

  const pair: [string, string] | null = input.experiment.heatmap ?? (searched.length >= 2 ? [searched[0], searched[1]] : null);
  if (!pair) {
    notes.push('The score heatmap needs two searched parameters; this experiment searches fewer.');
  } else {
    const h = digest ? digest.heatmap : scoreHeatmap(configRows, pair[0], pair[1], summary.lowerScoreIsBetter, scratch);
    if (!h) notes.push(`No configuration has both ${pair[0]} and ${pair[1]}, so the score heatmap is not shown.`);
    else if (!h.cells.some((c) => c.median !== null)) notes.push('No configuration has a score, so the score heatmap is not shown.');
    else {
      const ye = effects.find((e) => e.param === pair[1]);
      charts.push(heatmapChart(h, summary.lowerScoreIsBetter, ye ? ye.numeric : false));
    }
  }
  lap('heatmap');
  if (digest) {
    notes.push(
      `Parameter effects and the score heatmap are computed over all ${fmtInt(digest.configs)} configurations, not the sample: ` +
        `counts, minima and best scores are exact; medians and quartiles come from a histogram of every configuration over ` +
        `${fmtInt(digest.intervals)} value intervals per metric, so each is within one interval (about ${fmtPct(1 / digest.intervals, 1)} of the configurations) of the exact value. ` +
        `Interval edges, and the bin edges of parameters with many values, are placed at quantiles of a seeded uniform sample of ${fmtInt(digest.edgeSample)} configurations.`,
    );
  }

  const tl = timeline(input.series, input.data.assets.length, opts.maxTimePoints ?? 1500);
  if (input.series.length === 0) notes.push('The run has no daily series, so the over-time charts are not shown.');
  charts.push(...timeCharts(tl, input));
  lap('timeline');
  charts.push(...robustCharts(input));
  charts.push(...validationCharts(input));
  markTheoryOnWidthEffect(charts, input);

  return {
    summary,
    scatter,
    recommendation: recommendationOf(summary),
    sampleNote,
    leaderboard: summary.top,
    baselines: summary.baselines,
    charts,
    notes,
    timings,
  };
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
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

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
table.board td.label { white-space: nowrap; }
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
      ['periods per year', String(d.periodsPerYear)],
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
      ['on the Pareto front', fmtInt(s.pareto)],
      ['baselines', s.baselines.map((b) => b.label).join(', ') || '—'],
    ]),
  ];
  const cls = s.top.length ? 'recommend' : 'recommend none';
  return (
    `<section id="summary"><h2>Summary</h2>` +
    (e.description ? `<p>${h(e.description)}</p>` : '') +
    `<div class="${cls}">${h(m.recommendation)}</div>` +
    theoryHtml(input) +
    `<div class="facts">${tables.join('')}</div></section>`
  );
}

function chartHtml(c: ChartDef): string {
  return `<h3>${h(c.title)}</h3><div class="chart" id="${h(c.id)}" role="img" aria-label="${h(c.title)}"></div><p class="explain">${h(c.explain)}</p>`;
}

function leaderboardHtml(input: ReportInput, m: ReportModel): string {
  const params = input.experiment.searchedParams;
  const metrics = [...input.experiment.objectives.filter((o) => !LEADER_METRICS.includes(o)), ...LEADER_METRICS];
  const cellMetric = (name: string, v: number | null | undefined): string => {
    const kind = metricMeta(name).kind;
    if (kind === 'pct' && typeof v === 'number' && Number.isFinite(v)) return fmtPct(v, 2);
    return fmtMetric(name, v);
  };
  // metrics first (they are what the table is read for), the searched parameters after the score
  const head =
    '<tr><th class="num">rank</th><th>configuration</th>' +
    metrics.map((x) => `<th class="num">${h(metricMeta(x).title)}</th>`).join('') +
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
  const top = m.leaderboard.length
    ? m.leaderboard.map((r, i) => row(r, i === 0 ? 'best' : 'config')).join('')
    : `<tr class="group"><td colspan="${span}">No feasible configuration.</td></tr>`;
  const base = m.baselines.length
    ? `<tr class="group"><td colspan="${span}">Baselines</td></tr>` + m.baselines.map((r) => row(r, 'baseline')).join('')
    : '';
  const n = m.leaderboard.length;
  return (
    `<section id="leaderboard"><h2>Leaderboard</h2>` +
    `<p class="explain">The ${n === 1 ? 'best feasible configuration' : `${fmtInt(n)} best feasible configurations`} by score (rank 1 is best), with the baselines below for comparison. ` +
    `Percentages are fractions of the portfolio (turnover and returns per year); cost drag is in basis points a year. The searched parameters follow the score.</p>` +
    `<div class="board-wrap"><table class="board" id="leaderboard-table"><thead>${head}</thead><tbody>${top}${base}</tbody></table></div></section>`
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
    '<nav><a href="#summary">Summary</a><a href="#tradeoff">The trade-off</a><a href="#leaderboard">Leaderboard</a><a href="#effects">Parameter effects</a><a href="#time">Over time</a>' + (input.robustness ? '<a href="#robustness">Resampled histories</a>' : '') + (input.validation ? '<a href="#validation">Out of sample</a>' : '') + '</nav></header>',
    summaryHtml(input, m),
    `<section id="tradeoff"><h2>The trade-off</h2><p>${h(m.sampleNote)}</p>${tradeoff.map(chartHtml).join('')}</section>`,
    leaderboardHtml(input, m),
    `<section id="effects"><h2>Parameter effects</h2>${effects.map(chartHtml).join('')}${effectNotes.map((n) => `<p class="note">${h(n)}</p>`).join('')}</section>`,
    `<section id="time"><h2>Over time</h2>` +
      (input.series.length
        ? `<p>The best configuration (${h(input.series[0].label)}) against the baselines, day by day over the evaluation window.</p>`
        : '') +
      `${time.map(chartHtml).join('')}${timeNotes.map((n) => `<p class="note">${h(n)}</p>`).join('')}</section>`,
    robustSectionHtml(input, m.charts),
    validationSectionHtml(input, m.charts),
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
    throw err;
  }
  return path;
}
