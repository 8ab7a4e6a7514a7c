/**
 * Report specs and page, without a browser: every chart spec compiles with vega-lite without a
 * warning and runs in a headless vega View (which also evaluates the tooltip expressions); the data
 * the charts hold matches what the input says (Pareto front, baselines, leaderboard order, binned
 * aggregates checked against direct computations); the page is self-contained and safely escaped;
 * the write is atomic.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as vega from 'vega';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quantileSorted } from 'simple-statistics';
import { groupBy, prefersLog, sortColumn, summarizeRows, timeline } from '../../src/report/aggregate.js';
import { vegaLibs } from '../../src/report/assets.js';
import { buildReport, prepareReport, writeReport, type ReportModel } from '../../src/report/index.js';
import type { ReportInput, ReportRow } from '../../src/report/types.js';
import { bigInput, smallInput } from './fixture.js';
import { everyMarkHasTooltip, runChart as run } from './vega.js';

/** A vega logger that records instead of printing (arrow functions: vega calls them unbound). */

type Row = Record<string, unknown>;


/** Names of the Vega datasets whose transforms include a filter with exactly this expression. */
function dataWithFilter(vg: vega.Spec, expr: string): string[] {
  return (vg.data ?? [])
    .filter((d) => (d.transform ?? []).some((t) => t.type === 'filter' && (t as { expr: string }).expr === expr))
    .map((d) => d.name);
}

function medianOf(xs: number[]): number {
  // an independent type-7 median (simple-statistics), to check the report's one-walk quartiles
  return quantileSorted([...xs].sort((a, b) => a - b), 0.5);
}

describe('report specs on the small fixture', () => {
  let input: ReportInput;
  let model: ReportModel;
  let configs: ReportRow[];

  beforeAll(() => {
    input = smallInput();
    model = prepareReport(input);
    configs = input.rows.filter((r) => r.kind === 'config');
  });

  it('has the charts of every section, in order', () => {
    const ids = model.charts.map((c) => c.id);
    expect(ids).toEqual([
      'chart-tradeoff-te',
      'chart-tradeoff-dd',
      'chart-effect-band',
      'chart-effect-width',
      'chart-effect-check',
      'chart-effect-mode',
      'chart-heatmap',
      'chart-value',
      'chart-drawdown',
      'chart-weights',
      'chart-costs',
    ]);
    for (const c of model.charts) expect(c.explain.length).toBeGreaterThan(40);
  });

  it('every chart compiles without warnings and draws marks in a vega View', async () => {
    for (const c of model.charts) {
      const { logger, svg } = await run(c.spec);
      expect(logger.warnings, `${c.id} warnings`).toEqual([]);
      expect(logger.errors, `${c.id} errors`).toEqual([]);
      expect(svg, c.id).toMatch(/role-mark/);
      expect(svg.length, c.id).toBeGreaterThan(2000);
    }
  });

  it('every mark has a tooltip', () => {
    for (const c of model.charts) everyMarkHasTooltip(c.spec, c.id);
  });

  it('the scatter holds every Pareto row in its front layer, and both baselines', async () => {
    const chart = model.charts.find((c) => c.id === 'chart-tradeoff-te');
    if (!chart) throw new Error('no scatter');
    const { view, vg } = await run(chart.spec);
    const paretoIds = configs.filter((r) => r.pareto).map((r) => r.id).sort();
    expect(paretoIds.length).toBeGreaterThan(3);
    const names = dataWithFilter(vg, 'datum.pareto');
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      const ids = (view.data(name) as Row[]).map((d) => String(d.id)).sort();
      expect(ids).toEqual(paretoIds);
    }
    const rest = dataWithFilter(vg, '!datum.pareto');
    expect((view.data(rest[0]) as Row[]).length).toBe(configs.length - paretoIds.length);
    // baselines: their own dataset and a labelled mark each
    const baselines = (chart.spec.datasets?.baselines ?? []) as Row[];
    expect(baselines.map((b) => b.id)).toEqual(['calendar', 'none']);
    const texts = [...(await view.toSVG()).matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(texts).toContain('calendar (monthly)');
    expect(texts).toContain('none (buy and hold)');
    expect(texts).toContain('best (rank 1)');
    // the rank-1 configuration is in the best layer
    const bestLayer = dataWithFilter(vg, 'datum.feasible && datum.rank === 1');
    expect((view.data(bestLayer[0]) as Row[]).map((d) => d.id)).toEqual([model.leaderboard[0].id]);
  });

  it('the leaderboard is the top 20 feasible rows in rank order, then the baselines', () => {
    const expected = configs
      .filter((r) => r.feasible && r.rank !== null)
      .sort((a, b) => (a.rank as number) - (b.rank as number))
      .slice(0, 20);
    expect(model.leaderboard.map((r) => r.id)).toEqual(expected.map((r) => r.id));
    expect(model.leaderboard.map((r) => r.rank)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const html = buildReport(input);
    const table = html.slice(html.indexOf('id="leaderboard-table"'), html.indexOf('</table>', html.indexOf('id="leaderboard-table"')));
    const ids = [...table.matchAll(/<tr[^>]* data-id="([^"]+)"/g)].map((m) => m[1]);
    expect(ids).toEqual([...expected.map((r) => r.id), 'calendar', 'none']);
  });

  it('the summary recommends the rank-1 configuration and compares it with the baselines', () => {
    const best = model.leaderboard[0];
    expect(model.recommendation).toMatch(/^Recommended: relative band 1%, checked monthly, trading to the edge/);
    expect(model.recommendation).toContain(`configuration ${best.id}, rank 1 of`);
    expect(model.recommendation).toMatch(/trades a year, .* turnover/);
    expect(model.recommendation).toContain('Versus calendar (monthly)');
    expect(model.recommendation).toContain('none (buy and hold)');
    expect(model.sampleNote).toBe('All 120 configurations are shown.');
  });

  it('parameter effects are the quartiles of each objective per parameter value, over all rows', () => {
    const chart = model.charts.find((c) => c.id === 'chart-effect-check');
    const rows = (chart?.spec.datasets?.effects_check ?? []) as Row[];
    for (const check of ['daily', 'weekly', 'monthly']) {
      const got = rows.find((r) => r.objective === 'turnover' && r.x === check);
      const xs = configs.filter((r) => r.params.check === check).map((r) => r.metrics.turnover as number);
      expect(got?.n).toBe(xs.length);
      expect(got?.median as number).toBeCloseTo(medianOf(xs), 12);
    }
    // categories in calendar order
    expect(rows.filter((r) => r.objective === 'turnover').map((r) => r.x)).toEqual(['daily', 'weekly', 'monthly']);
    // numeric parameter with few values: one point per value
    const width = model.charts.find((c) => c.id === 'chart-effect-width')?.spec.datasets?.effects_width as Row[];
    expect(width.filter((r) => r.objective === 'turnover').map((r) => r.x)).toEqual([0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 1.5, 2, 3]);
  });

  it('the heatmap covers every configuration once, with the median score per cell', () => {
    const chart = model.charts.find((c) => c.id === 'chart-heatmap');
    const cells = (chart?.spec.datasets?.heatmap ?? []) as Row[];
    expect(cells.reduce((a, c) => a + (c.total as number), 0)).toBe(configs.length);
    const cell = cells.find((c) => c.x === '0.05' && c.y === 'weekly');
    const scores = configs.filter((r) => r.params.width === 0.05 && r.params.check === 'weekly' && r.score !== null).map((r) => r.score as number);
    expect(cell?.median as number).toBeCloseTo(medianOf(scores), 5);
  });

  it('over-time charts hold every series and every trade day', () => {
    const chart = model.charts.find((c) => c.id === 'chart-weights');
    const rows = (chart?.spec.datasets?.timeline ?? []) as Row[];
    expect(rows.length).toBe(input.series[0].dates.length);
    input.series.forEach((s, k) => {
      expect(rows.filter((r) => r[`tr${k}`] === true).length).toBe(s.tradeDays.length);
    });
    expect(rows.some((r) => typeof r.lo0 === 'number' && typeof r.hi0 === 'number')).toBe(true);
  });
});

describe('report page', () => {
  it('is self-contained: vega, vega-lite and vega-embed inlined, no network references', () => {
    const html = buildReport(smallInput());
    for (const lib of vegaLibs()) expect(html).toContain(`/* ${lib.name} ${lib.version} */`);
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+href=/i);
    expect(html).not.toMatch(/sourceMappingURL/);
    expect(vegaLibs().map((l) => l.file)).toEqual([
      expect.stringMatching(/vega[/\\]build[/\\]vega\.min\.js$/),
      expect.stringMatching(/vega-lite[/\\]build[/\\]vega-lite\.min\.js$/),
      expect.stringMatching(/vega-embed[/\\]build[/\\]vega-embed\.min\.js$/),
    ]);
    // the sections, in order
    const order = ['id="summary"', 'id="tradeoff"', 'id="leaderboard"', 'id="effects"', 'id="time"'].map((s) => html.indexOf(s));
    expect(order.every((x, i) => x > 0 && (i === 0 || x > order[i - 1]))).toBe(true);
  });

  it('escapes </script and HTML in user text, and the embedded data parses back', () => {
    const input = smallInput();
    const evil = '</script><script>alert(1)</script> <b>&';
    input.experiment.name = evil;
    input.rows[0].label = evil;
    input.rows[0].params.band = evil;
    const html = buildReport(input);
    expect(html.match(/<\/script/gi)?.length).toBe(html.match(/<script/gi)?.length);
    expect(html).not.toContain('<script>alert(1)');
    const json = html.slice(html.indexOf('<script type="application/json" id="report-data">') + 49, html.lastIndexOf('</script>', html.lastIndexOf('<script>')));
    const data = JSON.parse(json) as { datasets: Record<string, { n: number; cols: Record<string, unknown[]> }> };
    expect(data.datasets.configs.cols.label).toContain(evil);
    expect(data.datasets.configs.n).toBe(120);
  });

  it('says so when nothing is feasible', async () => {
    const input = smallInput({ noneFeasible: true });
    const model = prepareReport(input);
    expect(model.leaderboard).toEqual([]);
    expect(model.recommendation).toMatch(/^No configuration is feasible/);
    expect(model.notes.join(' ')).toMatch(/score/);
    for (const c of model.charts) {
      const { logger } = await run(c.spec);
      expect(logger.warnings, c.id).toEqual([]);
    }
    const html = buildReport(input);
    expect(html).toContain('No feasible configuration.');
  });
});

describe('sampling and grouping', () => {
  it('samples uniformly and deterministically, always keeping the Pareto rows and the top N', () => {
    const input = bigInput(60_000);
    const a = summarizeRows(input.rows, { seed: 2024, target: 5000 });
    const b = summarizeRows(input.rows, { seed: 2024, target: 5000 });
    expect(a.sample.map((r) => r.id)).toEqual(b.sample.map((r) => r.id));
    expect(a.configs).toBe(60_000);
    expect(a.uniformDrawn).toBeGreaterThan(4700);
    expect(a.uniformDrawn).toBeLessThan(5300);
    const ids = new Set(a.sample.map((r) => r.id));
    for (const r of input.rows) if (r.pareto) expect(ids.has(r.id)).toBe(true);
    for (const r of a.top) expect(ids.has(r.id)).toBe(true);
    expect(a.top.map((r) => r.rank)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(a.baselines.map((r) => r.id)).toEqual(['calendar', 'none']);
    // no aliasing with the row order: every band type and schedule appears in about its share
    for (const band of ['absolute', 'relative', 'hybrid', 'volatility', 'drift', 'risk']) {
      const share = a.sample.filter((r) => r.params.band === band).length / a.sample.length;
      expect(share).toBeGreaterThan(0.12);
      expect(share).toBeLessThan(0.22);
    }
    const other = summarizeRows(input.rows, { seed: 7, target: 5000 });
    expect(other.sample.map((r) => r.id)).not.toEqual(a.sample.map((r) => r.id));
  });

  it('thins long series but keeps every trade day and each deepest drawdown', () => {
    const input = smallInput({ days: 6000 });
    const tl = timeline(input.series, input.data.assets.length, 1500);
    expect(tl.total).toBe(6000);
    expect(tl.kept).toBeLessThan(1500 + 400);
    const kept = new Set(tl.rows.map((r) => r.date));
    input.series.forEach((s) => {
      for (const t of s.tradeDays) expect(kept.has(s.dates[t])).toBe(true);
      const worst = s.drawdown.indexOf(Math.max(...s.drawdown));
      expect(kept.has(s.dates[worst])).toBe(true);
    });
    expect(kept.has(input.series[0].dates[0])).toBe(true);
    expect(kept.has(input.series[0].dates[5999])).toBe(true);
  });

  it('orders a column exactly, with ties, negatives and missing values', () => {
    const values = Float64Array.from([3, -1, NaN, 0.1 + 0.2, 0.3, -0, 0, 1e-300, -2.5, Infinity, 3, 0.30000000000000004]);
    const { perm, sorted } = sortColumn(values);
    const expected = [...values].filter(Number.isFinite).sort((a, b) => a - b);
    expect([...sorted]).toEqual(expected);
    expect([...perm].map((i) => values[i])).toEqual(expected);
  });

  it('uses a log axis for log-spaced values only', () => {
    expect(prefersLog([0.01, 0.02, 0.05, 0.1, 0.2])).toBe(true);
    expect(prefersLog([0.025, 0.075, 0.125, 0.175, 0.225, 0.275, 0.325, 0.375, 0.425, 0.475, 0.525, 0.575, 0.625, 0.675, 0.725, 0.775, 0.825, 0.875, 0.925, 0.975])).toBe(false);
    expect(prefersLog([0, 1, 10, 100])).toBe(false);
  });

  it('bins many distinct numbers into quantile bins of about equal size', () => {
    const rows = Array.from({ length: 1000 }, (_, i): ReportRow => ({
      id: String(i),
      kind: 'config',
      label: '',
      params: { width: Math.exp(-5 + (i / 1000) * 5), lookback: i % 2 ? null : i },
      metrics: {},
      feasible: true,
      pareto: false,
      score: null,
      rank: null,
    }));
    const g = groupBy(rows, 'width', 24, 20);
    expect(g.binned).toBe(true);
    expect(g.groups.length).toBe(20);
    const counts = new Array(20).fill(0);
    g.index.forEach((k) => counts[k]++);
    expect(counts.every((c) => c === 50)).toBe(true);
    const lb = groupBy(rows, 'lookback', 24, 10);
    expect(lb.index.filter((k) => k < 0).length).toBe(500); // not applicable: left out
    expect(lb.groups.length).toBe(10);
  });
});

describe('writeReport', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rl-report-write-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes dir/report.html through a temporary file and rename, replacing an old report', async () => {
    const target = join(dir, 'run-1');
    await writeReport(target, smallInput()); // creates the directory
    await writeFile(join(target, 'report.html'), 'old');
    const path = await writeReport(target, smallInput());
    expect(path).toBe(join(target, 'report.html'));
    expect(await readdir(target)).toEqual(['report.html']);
    const html = await readFile(path, 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
  });
});
