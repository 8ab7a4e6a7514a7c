/**
 * Report specs and page, without a browser: every chart spec compiles with vega-lite without a
 * warning and runs in a headless vega View (which also evaluates the tooltip expressions); the data
 * the charts hold matches what the input says, checked against direct computations written out
 * here (2-D Pareto fronts by brute force, medians, variance shares); the headline follows
 * selection.json and says so when there is none; the page is self-contained and safely escaped;
 * the write is atomic.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as vega from 'vega';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vegaLibs } from '../../src/report/assets.js';
import { timeline } from '../../src/report/charts/time.js';
import { axisGroups, digestRows, Staircase, type Axis } from '../../src/report/digest.js';
import { buildReport, prepareReport, writeReport, type ReportModel } from '../../src/report/index.js';
import type { ReportInput, ReportRow, Selection } from '../../src/report/types.js';
import { mulberry32 } from '../search/helpers.js';
import { bigInput, quantileType7, smallInput } from './fixture.js';
import { everyMarkHasTooltip, runChart as run } from './vega.js';

type Row = Record<string, unknown>;

/** Names of the Vega datasets whose transforms include a filter with exactly this expression. */
function dataWithFilter(vg: vega.Spec, expr: string): string[] {
  return (vg.data ?? []).filter((d) => (d.transform ?? []).some((t) => t.type === 'filter' && (t as { expr: string }).expr === expr)).map((d) => d.name);
}

function medianOf(xs: number[]): number {
  return quantileType7(Float64Array.from(xs).sort(), 0.5);
}

/** The 2-D Pareto front (both minimised) by brute force: no other point is ≤ on both and < on one. */
function bruteFront(pts: { id: string; x: number; y: number }[]): string[] {
  return pts
    .filter((p) => !pts.some((q) => q !== p && q.x <= p.x && q.y <= p.y && (q.x < p.x || q.y < p.y)))
    .map((p) => p.id)
    .sort();
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

  it('has the charts of every section, in order: one width panel per band type', () => {
    expect(model.charts.map((c) => c.id)).toEqual([
      'chart-tradeoff-te',
      'chart-tradeoff-dd',
      'chart-importance',
      'chart-effect-band',
      'chart-effect-width-absolute',
      'chart-effect-width-relative',
      'chart-effect-width-volatility',
      'chart-effect-width-drift',
      'chart-effect-check',
      'chart-effect-mode',
      'chart-heatmap',
      'chart-value',
      'chart-relative',
      'chart-drawdown',
      'chart-weights',
      'chart-costs',
      'chart-drill',
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
  }, 120_000);

  it('every mark has a tooltip', () => {
    for (const c of model.charts) everyMarkHasTooltip(c.spec, c.id);
  });

  it('each scatter draws its own 2-D Pareto front over the feasible rows, infeasible rows grey, the constraint line, the baselines', async () => {
    const plots: [string, string, string][] = [
      ['chart-tradeoff-te', 'turnover', 'trackingError'],
      ['chart-tradeoff-dd', 'turnover', 'maxDrawdown'],
    ];
    for (const [id, x, y] of plots) {
      const chart = model.charts.find((c) => c.id === id);
      if (!chart) throw new Error(`no ${id}`);
      const { view, vg, svg } = await run(chart.spec);
      const k = plots.findIndex((p) => p[0] === id);
      const expected = bruteFront(configs.filter((r) => r.feasible).map((r) => ({ id: r.id, x: r.metrics[x] as number, y: r.metrics[y] as number })));
      expect(expected.length).toBeGreaterThan(2);
      const names = dataWithFilter(vg, `datum.f${k}`);
      expect(names.length).toBeGreaterThanOrEqual(1); // the step line and the circles (vega may share one dataset)
      for (const name of names) expect((view.data(name) as Row[]).map((d) => String(d.id)).sort()).toEqual(expected);
      const grey = dataWithFilter(vg, '!datum.feasible');
      expect((view.data(grey[0]) as Row[]).length).toBe(configs.filter((r) => !r.feasible).length);
      if (y === 'trackingError') expect(svg).toContain('tracking error ≤ 1.2%');
      const texts = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
      expect(texts).toContain('calendar (monthly)');
      expect(texts).toContain('none (buy and hold)');
      expect(texts).toContain('recommended');
    }
  }, 60_000);
  it('uses a log turnover axis when turnover spans more than 10×', () => {
    // the turnover of this fixture spans more than 10×: a log axis
    const te = model.charts.find((c) => c.id === 'chart-tradeoff-te');
    expect(JSON.stringify(te?.spec)).toContain('"title":"turnover /yr (log scale)"');
  });

  it('the leaderboard is the top 20 feasible rows in rank order, then the baselines', () => {
    const expected = configs
      .filter((r) => r.feasible && r.rank !== null)
      .sort((a, b) => (a.rank as number) - (b.rank as number))
      .slice(0, 20);
    expect(model.leaderboard.map((r) => r.id)).toEqual(expected.map((r) => r.id));
    const html = buildReport(input);
    const table = html.slice(html.indexOf('id="leaderboard-table"'), html.indexOf('</table>', html.indexOf('id="leaderboard-table"')));
    const ids = [...table.matchAll(/<tr[^>]* data-id="([^"]+)"/g)].map((m) => m[1]);
    expect(ids).toEqual([...expected.map((r) => r.id), 'calendar', 'none']);
  });

  it('without selection.json the headline is the in-sample best, and says so', () => {
    const best = model.leaderboard[0];
    expect(model.pickSource).toBe('in-sample');
    expect(model.pick?.id).toBe(best.id);
    expect(model.recommendation).toContain(`configuration ${best.id}, rank 1 of`);
    const html = buildReport(input);
    const head = html.slice(html.indexOf('id="headline"'), html.indexOf('</div>', html.indexOf('id="headline"')));
    expect(head).toContain('no selection.json');
    expect(head).toContain('<em>in-sample</em> best');
    // the score written term by term, each in its unit: 1 × turnover + 10 × tracking error + 1 × max drawdown
    const m = best.metrics;
    const total = (m.turnover as number) + 10 * (m.trackingError as number) + (m.maxDrawdown as number);
    expect(head).toMatch(/1 × turnover [\d.]+%\/yr \([\d.e-]+\) \+ 10 × tracking error [\d.]+% \([\d.e-]+\) \+ 1 × max drawdown [\d.]+% \([\d.e-]+\) = /);
    expect(head).toContain(`= ${total.toPrecision(4)}`);
    expect(head).toContain('tracking error ≤ 1.2%');
  });

  it('with selection.json the headline is its pick, with the rule, PBO in words and the indistinguishable set', () => {
    const ranked = configs.filter((r) => r.rank !== null).sort((a, b) => (a.rank as number) - (b.rank as number));
    const pick = ranked[4]; // rank 5 in sample: not the in-sample best
    const simplest = ranked[7];
    const cfg = (r: ReportRow, rank: number) => ({
      id: Number(r.id),
      label: r.label,
      band: String(r.params.band),
      mode: String(r.params.mode),
      score: r.score,
      robustScore: null,
      rank,
      inSampleRank: r.rank as number,
      rebalancesPerYear: r.metrics.rebalancesPerYear,
    });
    const sel: Selection = {
      version: 1,
      rule: {
        text: 'Rank by the median score over 200 bootstrap paths.',
        constraints: ['trackingError <= 0.012'],
        formula: '1 × turnover',
        rankBy: 'robust-median',
        robustQuantile: 0.5,
        calendarInSpace: 'unranked',
      },
      pick: Number(pick.id),
      pickConfig: cfg(pick, 1),
      inSampleBest: cfg(ranked[0], 3),
      scoreTerms: [],
      scoreText: '',
      indistinguishable: [ranked[5], ranked[7], ranked[9]].map((r) => Number(r.id)),
      indistinguishableTest: {
        pairedOver: 'bootstrap-paths',
        observations: 200,
        method: 'paired test over 200 paths, Benjamini–Hochberg at 5%',
        level: 0.05,
        compared: 50,
        truncated: false,
      },
      simplest: Number(simplest.id),
      simplestConfig: cfg(simplest, 8),
      pbo: 0.12,
      pboDetail: {
        subPeriods: 16,
        rowsPerSubPeriod: 30,
        combinations: 12870,
        configurations: 100,
        medianLogit: 1.2,
        meaning: 'in 12% of the splits the in-sample best was below the median out of sample.',
      },
      bestPerBand: { absolute: Number(pick.id) },
      bestPerMode: {},
      baselines: [],
      outOfSample: null,
      top: [],
      counts: { configurations: configs.length, failed: 0, feasible: 0, ranked: 0 },
    };
    const withSel = { ...input, selection: sel };
    const m2 = prepareReport(withSel);
    expect(m2.pickSource).toBe('selection');
    expect(m2.pick?.id).toBe(pick.id);
    const html = buildReport(withSel);
    const head = html.slice(html.indexOf('id="headline"'), html.indexOf('</div>', html.indexOf('id="headline"')));
    expect(head).toContain(`#${pick.id}`);
    expect(head).toContain('Rank by the median score over 200 bootstrap paths.');
    expect(head).toContain('Probability of backtest overfitting 12%: in 12% of the splits');
    expect(head).toContain('3 other configurations are not significantly worse');
    expect(head).toContain(`#${simplest.id}`);
    expect(head).toContain(`(#${ranked[0].id}) has the best score on the actual history but ranks 3 under this rule`);
    // the pick is the diamond of the scatter
    const te = m2.charts.find((c) => c.id === 'chart-tradeoff-te');
    const rows = (te?.spec.datasets?.configs ?? []) as Row[];
    expect(rows.filter((d) => d.pick === true).map((d) => d.id)).toEqual([pick.id]);
  });

  it("width effects: one panel per band type, each holding only its own band's widths, medians over all its rows", () => {
    for (const band of ['absolute', 'relative', 'drift', 'volatility']) {
      const chart = model.charts.find((c) => c.id === `chart-effect-width-${band}`);
      const rows = (chart?.spec.datasets?.[`effects_width_${band}`] ?? []) as Row[];
      const widths = [...new Set(configs.filter((r) => r.params.band === band).map((r) => r.params.width as number))].sort((a, b) => a - b);
      expect(rows.filter((r) => r.objective === 'turnover').map((r) => r.x)).toEqual(widths);
      for (const w of widths) {
        const xs = configs.filter((r) => r.params.band === band && r.params.width === w).map((r) => r.metrics.turnover as number);
        const got = rows.find((r) => r.objective === 'turnover' && r.x === w);
        expect(got?.n).toBe(xs.length);
        expect(got?.median as number).toBeCloseTo(medianOf(xs), 12);
      }
    }
    // categories in calendar order
    const check = (model.charts.find((c) => c.id === 'chart-effect-check')?.spec.datasets?.effects_check ?? []) as Row[];
    expect(check.filter((r) => r.objective === 'turnover').map((r) => r.x)).toEqual(['daily', 'weekly', 'monthly']);
  });

  it('importance: the share of variance between the groups, as computed by hand', () => {
    const d = digestRows(input.rows, input.experiment.searchedParams, { seed: 1, objectives: ['turnover'] });
    const xs = configs.map((r) => r.metrics.turnover as number);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const total = xs.reduce((a, x) => a + (x - mean) ** 2, 0);
    let between = 0;
    for (const check of ['daily', 'weekly', 'monthly']) {
      const g = configs.filter((r) => r.params.check === check).map((r) => r.metrics.turnover as number);
      between += g.length * (g.reduce((a, b) => a + b, 0) / g.length - mean) ** 2;
    }
    const got = d.importance.find((r) => r.param === 'check' && r.objective === 'turnover');
    expect(got?.share).toBeCloseTo(between / total, 10);
    expect(got?.n).toBe(configs.length);
  });

  it('the heatmap of width × check stays within one band type, with the median score per cell', () => {
    const chart = model.charts.find((c) => c.id === 'chart-heatmap');
    const cells = (chart?.spec.datasets?.heatmap ?? []) as Row[];
    const absolute = configs.filter((r) => r.params.band === 'absolute');
    expect(cells.reduce((a, c) => a + (c.total as number), 0)).toBe(absolute.length);
    expect(chart?.title).toContain('(absolute band)');
    const cell = cells.find((c) => c.x === '0.05' && c.y === 'weekly');
    const scores = absolute.filter((r) => r.params.width === 0.05 && r.params.check === 'weekly' && r.feasible).map((r) => r.score as number);
    if (scores.length) expect(cell?.median as number).toBeCloseTo(medianOf(scores), 5);
  });

  it('over-time charts hold every series and every trade day, the recommended line drawn last', () => {
    const chart = model.charts.find((c) => c.id === 'chart-weights');
    const rows = (chart?.spec.datasets?.timeline ?? []) as Row[];
    expect(rows.length).toBe(input.series[0].dates.length);
    input.series.forEach((s, k) => {
      expect(rows.filter((r) => r[`tr${k}`] === true).length).toBe(s.tradeDays.length);
    });
    const value = model.charts.find((c) => c.id === 'chart-value')?.spec as { layer: { transform?: { fold?: string[] }[] }[] };
    const folds = value.layer.map((l) => l.transform?.find((t) => t.fold)?.fold).filter((f): f is string[] => !!f);
    expect(folds[folds.length - 1]).toEqual(['v0']);
  });
});

describe('report page', () => {
  it('is self-contained: vega, vega-lite and vega-embed inlined, no network references', () => {
    const html = buildReport(smallInput());
    for (const lib of vegaLibs()) expect(html).toContain(`/* ${lib.name} ${lib.version} */`);
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+href=/i);
    expect(html).not.toMatch(/sourceMappingURL/);
    const order = ['id="summary"', 'id="tradeoff"', 'id="leaderboard"', 'id="effects"', 'id="time"', 'id="glossary"'].map((s) => html.indexOf(s));
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
    const json = html.slice(
      html.indexOf('<script type="application/json" id="report-data">') + 49,
      html.lastIndexOf('</script>', html.lastIndexOf('<script>')),
    );
    const data = JSON.parse(json) as { datasets: Record<string, { n: number; cols: Record<string, unknown[]> }> };
    expect(data.datasets.configs.cols.label).toContain(evil);
    expect(data.datasets.configs.n).toBe(120);
  });

  it('says so when nothing is feasible', async () => {
    const input = smallInput({ noneFeasible: true });
    const model = prepareReport(input);
    expect(model.leaderboard).toEqual([]);
    expect(model.recommendation).toMatch(/^No configuration is feasible/);
    for (const c of model.charts) {
      const { logger } = await run(c.spec);
      expect(logger.warnings, c.id).toEqual([]);
    }
    const html = buildReport(input);
    expect(html).toContain('No feasible configuration.');
  }, 120_000);
});

describe('the digest', () => {
  it('samples uniformly and deterministically, keeps the top N, and every band in about its share', () => {
    const input = bigInput(60_000);
    const opts = { seed: 2024, objectives: ['turnover'], scatterSample: 5000 };
    const a = digestRows(input.rows, input.experiment.searchedParams, opts);
    const b = digestRows(input.rows, input.experiment.searchedParams, opts);
    expect(a.sample.map((r) => r.id)).toEqual(b.sample.map((r) => r.id));
    expect(a.configs).toBe(60_000);
    expect(a.sample.length).toBe(5000);
    expect(a.top.map((r) => r.rank)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(a.baselines.map((r) => r.id)).toEqual(['calendar', 'none']);
    for (const band of ['absolute', 'relative', 'hybrid', 'volatility', 'drift', 'risk']) {
      const share = a.sample.filter((r) => r.params.band === band).length / a.sample.length;
      expect(share).toBeGreaterThan(0.12);
      expect(share).toBeLessThan(0.22);
    }
    const other = digestRows(input.rows, input.experiment.searchedParams, { ...opts, seed: 7 });
    expect(other.sample.map((r) => r.id)).not.toEqual(a.sample.map((r) => r.id));
  }, 60_000);

  it('keeps at least 10 bins for every numeric parameter at 200,000 rows (no 1-bin collapse), per band type', () => {
    const input = bigInput(200_000);
    const d = digestRows(input.rows, input.experiment.searchedParams, { seed: 1, objectives: ['turnover', 'trackingError'] });
    const numeric = d.effects.filter((e) => e.numeric && e.binned);
    // width for each of 6 bands, relWidth (hybrid), lookback (volatility, risk), depth, fraction
    expect(numeric.map((e) => `${e.param}${e.band ? `/${e.band}` : ''}`).sort()).toEqual(
      [
        'depth',
        'fraction',
        'lookback/risk',
        'lookback/volatility',
        'relWidth/hybrid',
        'width/absolute',
        'width/drift',
        'width/hybrid',
        'width/relative',
        'width/risk',
        'width/volatility',
      ].sort(),
    );
    for (const e of numeric) {
      const xs = new Set(e.rows.filter((r) => r.objective === 'turnover').map((r) => r.x));
      expect(xs.size, `${e.param} ${e.band}`).toBeGreaterThanOrEqual(10);
    }
    // the volatility band's k (0.25..3.25) and an absolute width (0.005..0.5) never share an axis
    const vol = d.effects.find((e) => e.param === 'width' && e.band === 'volatility');
    expect(Math.max(...(vol?.rows.map((r) => r.x as number) ?? []))).toBeGreaterThan(1);
    const abs = d.effects.find((e) => e.param === 'width' && e.band === 'absolute');
    expect(Math.max(...(abs?.rows.map((r) => r.x as number) ?? []))).toBeLessThan(0.6);
    // counts are exact: the absolute panel holds every absolute row
    const nAbs = input.rows.filter((r) => r.kind === 'config' && r.params.band === 'absolute').length;
    expect(abs?.rows.filter((r) => r.objective === 'turnover').reduce((a, r) => a + (r.n as number), 0)).toBe(nAbs);
  }, 60_000);

  it('the 2-D front kept as rows arrive equals the brute-force front', () => {
    const rnd = mulberry32(9);
    for (let trial = 0; trial < 20; trial++) {
      const st = new Staircase();
      const pts = Array.from({ length: 300 }, (_, i) => ({ id: String(i), x: Math.round(rnd() * 40) / 4, y: Math.round(rnd() * 40) / 4 }));
      for (const p of pts) st.add(p.x, p.y, { id: p.id } as ReportRow);
      // ties: identical points keep one representative; compare distinct coordinates
      const key = (p: { x: number; y: number }) => `${p.x},${p.y}`;
      const want = [...new Set(bruteFront(pts).map((id) => key(pts[Number(id)])))].sort();
      const got = st.rows.map((r) => key(pts[Number(r.id)])).sort();
      expect(got).toEqual(want);
    }
  });

  it('bins a log-uniform range into 20 bins of equal log width covering it', () => {
    const a: Axis = { param: 'width', band: 'absolute', numeric: true, lo: 0.005, hi: 0.5, log: true, bins: 20 };
    const g = axisGroups(a);
    expect(g.length).toBe(20);
    expect(g[0].lo).toBeCloseTo(0.005, 12);
    expect(g[19].hi).toBeCloseTo(0.5, 12);
    const ratios = g.map((x) => (x.hi as number) / (x.lo as number));
    for (const r of ratios) expect(r).toBeCloseTo(Math.pow(100, 1 / 20), 10);
    // labels rounded to 3 significant digits
    expect(g[0].label).toBe('0.005–0.00629'); // 0.005 × 100^(1/20) = 0.0062946
  });

  it('thins long series but keeps every trade day of the recommended one and each deepest drawdown', () => {
    const input = smallInput({ days: 6000 });
    const tl = timeline(input.series, input.data.assets.length, 1500);
    expect(tl.total).toBe(6000);
    expect(tl.kept).toBeLessThan(1500 + 400);
    const kept = new Set(tl.rows.map((r) => r.date));
    for (const t of input.series[0].tradeDays) expect(kept.has(input.series[0].dates[t])).toBe(true);
    input.series.forEach((s) => {
      const worst = s.drawdown.indexOf(Math.max(...s.drawdown));
      expect(kept.has(s.dates[worst])).toBe(true);
    });
    expect(kept.has(input.series[0].dates[0])).toBe(true);
    expect(kept.has(input.series[0].dates[5999])).toBe(true);
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
    await writeReport(target, smallInput());
    await writeFile(join(target, 'report.html'), 'old');
    const path = await writeReport(target, smallInput());
    expect(path).toBe(join(target, 'report.html'));
    expect(await readdir(target)).toEqual(['report.html']);
    const html = await readFile(path, 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
  });
});
