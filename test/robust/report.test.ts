/**
 * The report's "Resampled histories" section: robustness.csv/json read back (extrasRobust.ts),
 * the two charts compile with vega-lite without warnings and draw in a headless vega View with a
 * tooltip on every mark, and the page holds the section, its nav link and the robust leaderboard
 * in robust-rank order.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRobustness, rankByText, ROBUST_MAX_POINTS } from '../../src/report/extrasRobust.js';
import { buildReport, prepareReport } from '../../src/report/index.js';
import type { ReportInput } from '../../src/report/types.js';
import { smallInput } from '../report/fixture.js';
import { everyMarkHasTooltip, runChart as run } from '../report/vega.js';

const COLUMNS = ['turnover', 'trackingError', 'maxDrawdown', 'cagr', 'volatility', 'excessReturn', 'score'];
const HEAD = [
  'id',
  'label',
  ...COLUMNS.flatMap((c) => [`${c}_median`, `${c}_p5`, `${c}_p95`]),
  'feasibleFreq',
  'paretoFreq',
  'top10Freq',
  'robustScore',
  'robustRank',
];

/** A robustness.csv row: metric c of configuration i has median m(i, c), p5 = 0.8·m, p95 = 1.3·m. */
function csvRow(i: number, rank: number | null, pareto: number, top: number, label = `config ${i}`, id = String(i)): string {
  const m = (c: number): number => (i + 1) / 1000 + c / 100;
  const stats = COLUMNS.flatMap((_, c) => [m(c), 0.8 * m(c), 1.3 * m(c)].map(String));
  return [id, label.includes(',') ? `"${label}"` : label, ...stats, '1', String(pareto), String(top), String(m(6)), rank === null ? '' : String(rank)].join(
    ',',
  );
}

const made: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rl-robust-report-'));
  made.push(dir);
  return dir;
}
afterAll(async () => {
  for (const d of made) await rm(d, { recursive: true, force: true });
});

async function writeRun(lines: string[], extra: Record<string, unknown> = {}): Promise<string> {
  const dir = await tempDir();
  await writeFile(path.join(dir, 'robustness.csv'), [HEAD.join(','), ...lines].join('\n') + '\n');
  await writeFile(
    path.join(dir, 'robustness.json'),
    JSON.stringify({
      kind: 'block-bootstrap',
      paths: 50,
      blockLength: 20,
      seed: 7,
      rankBy: 'median',
      configurations: lines.length,
      backtests: lines.length * 50,
      workers: 2,
      seconds: { total: 1.5 },
      failed: 0,
      columns: COLUMNS,
      ...extra,
    }),
  );
  return dir;
}

describe('reading robustness.csv/json', () => {
  it('keeps the top 20 by robust rank in order, with their statistics', async () => {
    // 30 configurations; robust ranks given to ids 29, 28, … (id 29 is rank 1); ids 0–4 unranked
    const lines = Array.from({ length: 30 }, (_, i) => csvRow(i, i >= 5 ? 30 - i : null, i / 30, i % 2 ? 0.5 : 0, i === 3 ? 'with, comma' : `config ${i}`));
    const r = (await readRobustness(await writeRun(lines, { rankBy: { quantile: 0.9 } })))!;
    expect(r.top.map((x) => x.id)).toEqual(Array.from({ length: 20 }, (_, k) => String(29 - k)));
    expect(r.top[0].robustRank).toBe(1);
    // id 29: median of turnover (column 0) = 30/1000, p5 = 0.024, p95 = 0.039
    expect(r.top[0].stats.turnover).toEqual({ median: 0.03, p5: 0.8 * 0.03, p95: 1.3 * 0.03 });
    expect(r.top[0].paretoFreq).toBeCloseTo(29 / 30, 15);
    expect(r.points.length).toBe(30);
    expect(r.points.find((x) => x.id === '3')?.label).toBe('with, comma');
    expect(r.rankBy).toBe('the 90th percentile');
    expect(r.pointsNote).toBe('All 30 configurations are shown.');
  });

  it('with many configurations, keeps the best ranks and those ever on the front or in the top 10, up to the cap', async () => {
    // 6000 configurations: ranks 1..6000 by id; on the front on some path: every 2nd id (3000), so with
    // ranks ≤ 300 there are 3150 candidates and the cap keeps 3000: the 300 best ranks first, then by frequency
    const lines = Array.from({ length: 6000 }, (_, i) => csvRow(i, i + 1, i % 2 === 0 ? (i % 10) / 10 + 0.05 : 0, 0));
    const r = (await readRobustness(await writeRun(lines)))!;
    expect(r.points.length).toBe(ROBUST_MAX_POINTS);
    const ids = new Set(r.points.map((x) => Number(x.id)));
    for (let i = 0; i < 300; i++) expect(ids.has(i)).toBe(true);
    // every kept point beyond the best 300 ranks is on the front on some path
    for (const x of r.points) if (Number(x.id) >= 300) expect(x.paretoFreq).toBeGreaterThan(0);
    expect(r.pointsNote).toMatch(/^Showing 3,000 of 6,000 configurations/);
  });

  it('is undefined for a run without robustness', async () => {
    expect(await readRobustness(await tempDir())).toBeUndefined();
    expect(rankByText('median')).toBe('median');
    expect(rankByText({ quantile: 0.75 })).toBe('the 75th percentile');
    expect(rankByText({ quantile: 0.01 })).toBe('the 1st percentile');
  });
});

describe('the section', () => {
  let input: ReportInput;

  beforeAll(async () => {
    input = smallInput();
    // ids 0..40 of the fixture's configurations; robust rank k for id 2k (k = 1..20), the rest unranked
    const lines = Array.from({ length: 41 }, (_, i) => csvRow(i, i % 2 === 0 && i > 0 ? i / 2 : null, (i % 5) / 4, (i % 3) / 2, input.rows[i].label));
    // then the fixture's baselines (ids "calendar" and "none"), never ranked
    lines.push(csvRow(41, null, 0, 0, 'calendar (monthly)', 'calendar'), csvRow(42, null, 0, 0, 'none (buy and hold)', 'none'));
    input.robustness = await readRobustness(await writeRun(lines, { configurations: 41 }));
    expect(input.robustness?.baselines.map((b) => b.id)).toEqual(['calendar', 'none']);
    expect(input.robustness?.points.some((p) => p.id === 'none')).toBe(false);
  });

  it('adds two charts that compile without warnings, draw, and carry tooltips', async () => {
    const model = prepareReport(input);
    const mine = model.charts.filter((c) => c.section === 'robust');
    expect(mine.map((c) => c.id)).toEqual(['chart-robust-range', 'chart-robust-freq']);
    for (const c of mine) {
      expect(c.explain.length).toBeGreaterThan(40);
      const { logger, svg } = await run(c.spec);
      expect(logger.warnings, c.id).toEqual([]);
      expect(logger.errors, c.id).toEqual([]);
      expect(svg).toMatch(/role-mark/);
      everyMarkHasTooltip(c.spec, c.id);
    }
  });

  it('the range chart holds the top 20 in robust-rank order with the real-history values', async () => {
    const chart = prepareReport(input).charts.find((c) => c.id === 'chart-robust-range')!;
    const rows = chart.spec.datasets!.robust_top as Record<string, unknown>[];
    expect(rows.map((d) => d.id)).toEqual(Array.from({ length: 20 }, (_, k) => String(2 * (k + 1))));
    // id 2: score median (column 6) = 3/1000 + 6/100; the real history's score from the run's row
    expect(rows[0].score_median).toBeCloseTo(0.063, 12);
    expect(rows[0].score_p5).toBeCloseTo(0.8 * 0.063, 12);
    const real = input.rows.find((r) => r.id === '2')!;
    expect(rows[0].score_real).toBeCloseTo(real.score as number, 5);
    expect(rows[0].turnover_real).toBeCloseTo(real.metrics.turnover as number, 5);
    // the view draws one range bar per configuration in each of the three panels
    const { svg } = await run(chart.spec);
    expect((svg.match(/role-mark/g) ?? []).length).toBeGreaterThan(3);
  });

  it('the page has the section, its nav link, and the robust leaderboard in rank order', () => {
    const html = buildReport(input);
    expect(html).toContain('<a href="#robustness">Resampled histories</a>');
    const at = html.indexOf('id="robustness"');
    expect(at).toBeGreaterThan(html.indexOf('id="time"'));
    const table = html.slice(html.indexOf('id="robust-table"'), html.indexOf('</table>', html.indexOf('id="robust-table"')));
    const ids = [...table.matchAll(/<tr[^>]* data-id="([^"]+)"/g)].map((m) => m[1]);
    expect(ids).toEqual([...Array.from({ length: 20 }, (_, k) => String(2 * (k + 1))), 'calendar', 'none']);
    expect(table).toContain('<tr class="group"><td colspan="11">Baselines</td></tr>');
    expect(html).toContain('50 resampled histories');
    // no robustness: no section, no link
    const plain = buildReport(smallInput());
    expect(plain).not.toContain('id="robustness"');
    expect(plain).not.toContain('href="#robustness"');
  });
});
