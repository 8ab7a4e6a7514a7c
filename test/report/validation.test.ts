/**
 * The report's out-of-sample section and theory band (src/report/validationSpecs.ts): the charts
 * compile with vega-lite without a warning and run in a headless vega View, every mark has a
 * tooltip, the chart data are the validation results, the tables have a row per fold / per record,
 * the theory sentence compares the recommended band with the theory width (ratio worked here), and
 * the theory rule appears on the width effect chart only when every width is an absolute band.
 */
import { describe, expect, it } from 'vitest';
import { compileExperiment } from '../../src/experiment/load.js';
import { theoryBand } from '../../src/policy/theory.js';
import { buildReport, prepareReport } from '../../src/report/index.js';
import type { ReportInput } from '../../src/report/types.js';
import { validationCharts } from '../../src/report/validationSpecs.js';
import { buildValidationFile, sampleIds } from '../../src/validate/index.js';
import type { ValidationFile } from '../../src/results/validation.js';
import { makeFolds } from '../../src/experiment/folds.js';
import { walkForward } from '../../src/validate/walkforward.js';
import { everyMarkHasTooltip, runChart as run } from './vega.js';
import { consecutiveDates } from '../kernel/helpers.js';
import { smallInput } from './fixture.js';

/** A real validation result on a synthetic 3-asset history (4 years of weekdays). */
function validationFile(): ValidationFile {
  const dates = consecutiveDates(1500, '2018-01-01').filter((d) => {
    const w = new Date(d + 'T00:00:00Z').getUTCDay();
    return w !== 0 && w !== 6;
  });
  const T = dates.length;
  const N = 3;
  const prices = new Float64Array(T * N);
  let s = 4242;
  const u = (): number => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < N; i++) prices[i] = 100;
  for (let t = 1; t < T; t++) for (let i = 0; i < N; i++) prices[t * N + i] = prices[(t - 1) * N + i] * (1 + 0.0002 + 0.012 * (i + 1) * (u() - 0.5));
  const { spec, space, constraints, baselines } = compileExperiment(
    {
      name: 'v',
      data: { file: 'x.csv', assets: ['A', 'B', 'C'] },
      targets: { A: 0.6, B: 0.3, C: 0.1 },
      costs: { feeBps: 5, halfSpreadBps: 5 },
      space: {
        bands: { absolute: { width: [0.01, 0.02, 0.05] }, relative: { width: [0.1, 0.3] }, calendar: {}, none: {} },
        check: ['weekly', 'monthly'],
        mode: ['target', 'edge'],
      },
      scoreWeights: { trackingError: 1, costDrag: 1e-3 },
      constraints: ['trackingError <= 0.01'],
      validation: { kind: 'walk-forward', train: '1y', test: '6m' },
    },
    'v.json',
  );
  const targets = Float64Array.from([0.6, 0.3, 0.1]);
  const folds = makeFolds(dates, space.maxLookback, spec.validation!);
  const ids = sampleIds(space.size, 20_000);
  const w = walkForward({
    prices,
    T,
    N,
    dates,
    periodsPerYear: 252,
    targets,
    space,
    ids,
    scoreWeights: spec.scoreWeights,
    constraints,
    folds,
    baselines,
    initialCapital: spec.initialCapital,
  });
  return buildValidationFile(
    {
      dir: '.',
      spec,
      prices,
      T,
      N,
      dates,
      periodsPerYear: 252,
      targets,
      start: space.maxLookback,
      space,
      constraints,
      baselines,
      folds,
      robustness: null,
      file: 'v.json',
    },
    w,
    ids,
  );
}

const v = validationFile();

function withValidation(): ReportInput {
  const input = smallInput();
  return { ...input, validation: v, theory: theoryBand(input.data.assets, Object.values(input.targets), input.costs) };
}

describe('out-of-sample charts', () => {
  const input = withValidation();
  const charts = validationCharts(input);

  it('two charts in the validation section', () => {
    expect(v.folds.length).toBeGreaterThanOrEqual(4);
    expect(charts.map((c) => [c.id, c.section])).toEqual([
      ['chart-validation-scores', 'validation'],
      ['chart-validation-value', 'validation'],
    ]);
    for (const c of charts) expect(c.explain.length).toBeGreaterThan(40);
  });

  it('compile without warnings, draw marks in a vega View, and every mark has a tooltip', async () => {
    for (const c of charts) {
      const { logger, svg } = await run(c.spec);
      expect(logger.warnings, `${c.id} warnings`).toEqual([]);
      expect(logger.errors, `${c.id} errors`).toEqual([]);
      expect(svg, c.id).toMatch(/role-mark/);
      expect(everyMarkHasTooltip(c.spec, c.id)).toBeGreaterThanOrEqual(2);
    }
  });

  it('the score chart holds the in-sample and out-of-sample score of every fold', async () => {
    const { view } = await run(charts[0].spec);
    const rows = view.data('validation_scores') as { fold: number; sample: string; score: number }[];
    expect(rows.length).toBe(2 * v.folds.length);
    for (const f of v.folds) {
      const mine = rows.filter((r) => r.fold === f.index + 1);
      expect(mine.map((r) => r.sample)).toEqual(['in-sample (training window)', 'out-of-sample (test window)']);
      expect(mine[0].score).toBeCloseTo(f.inSample.score!, 8);
      expect(mine[1].score).toBeCloseTo(f.outOfSample.score!, 8);
    }
  });

  it('the value chart holds one line per record (chosen + baselines) and a rule per fold', async () => {
    const { view } = await run(charts[1].spec);
    const rows = view.data('validation_value') as { series: string; value: number; date: string }[];
    const series = [...new Set(rows.map((r) => r.series))];
    expect(series).toEqual(v.series.values.map((s) => s.label));
    expect(series.length).toBe(1 + v.baselines.length);
    expect((view.data('validation_folds') as unknown[]).length).toBe(v.folds.length);
    // the last point of the chosen line is the stitched final value (6 significant digits)
    const chosen = rows.filter((r) => r.series === series[0]);
    expect(chosen[chosen.length - 1].value / v.stitched.metrics.finalValue!).toBeCloseTo(1, 5);
  });
});

describe('out-of-sample section and theory sentence in the page', () => {
  it('section, nav link, one table row per fold and per record', () => {
    const html = buildReport(withValidation());
    expect(html).toContain('<section id="validation"><h2>Out of sample</h2>');
    expect(html).toContain('<a href="#validation">Out of sample</a>');
    const folds = html.match(/<tr data-fold="\d+">/g) ?? [];
    expect(folds.length).toBe(v.folds.length);
    const table = html.slice(html.indexOf('id="validation-metrics"'));
    const records = table.slice(0, table.indexOf('</table>')).match(/<tr class="(best|baseline)" data-id=/g) ?? [];
    expect(records.length).toBe(1 + v.baselines.length);
    expect(html).toContain('id="chart-validation-scores"');
  });

  it('without validation: no section and no link; without theory: no theory sentence', () => {
    const html = buildReport(smallInput());
    expect(html).not.toContain('<section id="validation">');
    expect(html).not.toContain('href="#validation"');
    expect(html).not.toContain('id="theory-band"');
  });

  it('the theory sentence gives each half-width and the recommended band against it', () => {
    const input = smallInput();
    const best = input.rows.find((r) => r.kind === 'config' && r.rank === 1)!;
    best.params = { ...best.params, band: 'absolute', width: 0.02 };
    const targets = Object.values(input.targets);
    const theory = theoryBand(input.data.assets, targets, input.costs, 4);
    const html = buildReport({ ...input, theory });
    const p = html.slice(html.indexOf('id="theory-band"'), html.indexOf('</p>', html.indexOf('id="theory-band"')));
    // second computation: b_i = ∛(3/(4γ)·w²(1−w)²·4c), c = (fee + half spread)/1e4
    const c = (input.costs.feeBps + input.costs.halfSpreadBps) / 1e4;
    const b = targets.map((w) => Math.cbrt((3 / 16) * w * w * (1 - w) * (1 - w) * 4 * c));
    const ratio = b.reduce((a, x) => a + 0.02 / x, 0) / b.length;
    expect(p).toContain(`risk aversion γ = 4`);
    input.data.assets.forEach((a, i) => expect(p).toContain(`${a} ±${(b[i] * 100).toFixed(1)}%`));
    expect(p).toContain(`on average ${ratio.toFixed(2)}× the theory width`);
  });
});

describe('theory rule on the width effect chart', () => {
  it("on the absolute band's width panel only (the same unit, weight points)", async () => {
    const mixed = prepareReport(withValidation());
    for (const band of ['relative', 'drift', 'volatility']) {
      const other = mixed.charts.find((c) => c.id === `chart-effect-width-${band}`)!;
      expect(JSON.stringify(other.spec), band).not.toContain('#ea580c');
    }
    const input = withValidation();
    const model = prepareReport(input);
    const chart = model.charts.find((c) => c.id === 'chart-effect-width-absolute')!;
    const panels = (chart.spec as { hconcat: { layer: { data?: { values?: { x: number }[] }; mark: { type: string } }[] }[] }).hconcat;
    expect(panels.length).toBe(3);
    for (const panel of panels) {
      const rule = panel.layer[panel.layer.length - 1];
      expect(rule.mark.type).toBe('rule');
      expect(rule.data!.values!.map((d) => d.x)).toEqual(input.theory!.assets.map((a) => a.halfWidth));
    }
    const { logger, view } = await run(chart.spec);
    expect(logger.warnings).toEqual([]);
    expect(everyMarkHasTooltip(chart.spec, chart.id)).toBeGreaterThan(3);
    expect(view).toBeTruthy();
    expect(chart.explain).toContain('theory half-width');
  });
});
