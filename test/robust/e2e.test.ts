/**
 * End to end through the CLI (a spawned process, the BUILT dist/): the shipped example
 * experiments/out-of-sample.ts, which asks for both validation and robustness, writes
 * robustness.csv/json (and validation.json) beside results.csv, and a report with the
 * "Resampled histories" section.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitCsvLine } from '../../src/results/table.js';
import type { RobustnessJson } from '../../src/robust/index.js';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { ROOT } from '../runner/fixture.js';

let out: string;
let dir: string;
let stderr: string;

beforeAll(async () => {
  out = await mkdtemp(path.join(os.tmpdir(), 'rl-oos-'));
  const r = spawnSync(
    process.execPath,
    [path.join(ROOT, 'bin/rebalance-lab.js'), 'run', 'experiments/out-of-sample.ts', '--out', out, '--run-id', 'e2e', '--workers', '2'],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } },
  );
  stderr = r.stderr;
  expect(r.status, r.stderr).toBe(0);
  dir = path.join(out, 'out-of-sample', 'e2e');
}, 300_000);

afterAll(async () => {
  if (out) await rm(out, { recursive: true, force: true });
});

function table(text: string): { head: string[]; rows: string[][] } {
  const lines = text.trim().split('\n');
  return { head: splitCsvLine(lines[0]), rows: lines.slice(1).map(splitCsvLine) };
}

describe('out-of-sample example with validation and robustness', () => {
  it('writes robustness.csv: one row per configuration in id order, with sane statistics', async () => {
    const results = table(await readFile(path.join(dir, 'results.csv'), 'utf8'));
    const configs = results.rows.filter((r) => /^\d+$/.test(r[0]));
    const { head, rows: all } = table(await readFile(path.join(dir, 'robustness.csv'), 'utf8'));
    // absolute 0.5%…15% by 0.5% (30) × 3 checks × 2 modes = 180, calendar 3 × target, buy and hold 1 → 184,
    // then the 6 baselines in the order of results.csv (calendar monthly, quarterly, yearly, then the searched daily and weekly, then none)
    expect(all.length).toBe(184 + 6);
    expect(all.slice(184).map((r) => r[0])).toEqual(results.rows.filter((r) => !/^\d+$/.test(r[0])).map((r) => r[0]));
    const rows = all.slice(0, 184);
    expect(rows.length).toBe(configs.length);
    expect(rows.map((r) => Number(r[0]))).toEqual(rows.map((_, i) => i));
    const col = (r: string[], k: string): number => Number(r[head.indexOf(k)]);
    const byLabel = (l: string): string[] => rows.find((r) => r[1] === l)!;
    for (const r of rows) {
      for (const m of ['turnover', 'trackingError', 'maxDrawdown', 'cagr', 'score']) {
        expect(col(r, `${m}_p5`)).toBeLessThanOrEqual(col(r, `${m}_median`));
        expect(col(r, `${m}_median`)).toBeLessThanOrEqual(col(r, `${m}_p95`));
      }
    }
    // buy and hold never trades; rebalancing to target every day tracks the target most closely on every path
    expect(col(byLabel('buy and hold'), 'turnover_p95')).toBe(0);
    const daily = byLabel('calendar, checked daily');
    for (const r of rows) if (r !== daily) expect(col(daily, 'trackingError_median')).toBeLessThanOrEqual(col(r, 'trackingError_median'));
    expect(col(daily, 'paretoFreq')).toBe(1);
    // wider bands trade less: median turnover falls with the width (absolute, daily, to target) while
    // trades are many; past ~10% a band trades a handful of times in 15 years, so one trade more or
    // less makes steps, but all stay below the 5% band's turnover
    const widths = rows.filter((r) => /^absolute ±[\d.]+%, checked daily, to target$/.test(r[1]));
    expect(widths.length).toBe(30);
    for (let k = 1; k < 18; k++) expect(col(widths[k], 'turnover_median')).toBeLessThan(col(widths[k - 1], 'turnover_median'));
    for (let k = 19; k < 30; k++) expect(col(widths[k], 'turnover_median')).toBeLessThan(col(widths[9], 'turnover_median'));
    // robust ranks are 1..n without gaps; each path's top 10 gives frequencies summing to at most 10
    const ranks = rows
      .map((r) => r[head.indexOf('robustRank')])
      .filter((x) => x !== '')
      .map(Number)
      .sort((a, b) => a - b);
    expect(ranks.length).toBeGreaterThan(10);
    expect(ranks).toEqual(ranks.map((_, i) => i + 1));
    // robustRank follows the selection rule (docs/selection.md): calendar and buy-and-hold rows of the
    // space are never ranked, and every configuration's robustRank is its results.csv rank (robust ranking)
    const rankOf = new Map(configs.map((r) => [r[0], r[results.head.indexOf('rank')]]));
    for (const r of rows) {
      if (/^(calendar|buy and hold)/.test(r[1])) expect(r[head.indexOf('robustRank')], r[1]).toBe('');
      expect(r[head.indexOf('robustRank')], `robustRank of ${r[0]} ${r[1]}`).toBe(rankOf.get(r[0]));
    }
    const topSum = rows.reduce((s, r) => s + col(r, 'top10Freq'), 0);
    expect(topSum).toBeGreaterThan(9.99);
    expect(topSum).toBeLessThanOrEqual(10 + 1e-9);
  });

  it('writes robustness.json with the settings and the timing', async () => {
    const j = JSON.parse(await readFile(path.join(dir, 'robustness.json'), 'utf8')) as RobustnessJson;
    expect(j).toMatchObject({
      kind: 'block-bootstrap',
      paths: 500,
      blockLength: 20,
      seed: 7,
      rankBy: 'median',
      configurations: 184,
      backtests: 190 * 500,
      workers: 2,
      failed: 0,
    });
    expect(j.top.length).toBe(20);
    expect(j.top.map((t) => t.robustRank)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // the same 20 as results.csv's ranks 1..20
    const results = table(await readFile(path.join(dir, 'results.csv'), 'utf8'));
    const rk = results.head.indexOf('rank');
    const first20 = results.rows
      .filter((r) => r[rk] !== '' && Number(r[rk]) <= 20)
      .sort((a, b) => Number(a[rk]) - Number(b[rk]))
      .map((r) => String(r[0]));
    expect(j.top.map((t) => String(t.id))).toEqual(first20);
    expect(j.backtestsPerSecond).toBeGreaterThan(0);
    expect(stderr).toMatch(/robustness: 184 configurations \+ 6 baselines × 500 bootstrap paths on 2 workers: 95000 done/);
  });

  it('writes validation.json when validation ran, and a report with the resampled-histories section', async () => {
    if (existsSync(path.join(dir, 'validation.json'))) {
      const v = JSON.parse(await readFile(path.join(dir, 'validation.json'), 'utf8')) as Record<string, unknown>;
      expect(Object.keys(v).length).toBeGreaterThan(0);
    }
    const html = await readFile(path.join(dir, 'report.html'), 'utf8');
    expect(html).toContain('<section id="robustness">');
    expect(html).toContain('"chart-robust-range"');
    expect(html).toContain('"chart-robust-freq"');
    expect(html).toContain('500 resampled histories');
  });

  it('draws the section in headless chromium without console errors', async () => {
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(String(e)));
      await page.goto(pathToFileURL(path.join(dir, 'report.html')).href, { waitUntil: 'load' });
      await page.waitForFunction(() => (globalThis as unknown as { reportReady?: unknown }).reportReady !== undefined);
      await page.evaluate(() => (globalThis as unknown as { reportReady: Promise<unknown> }).reportReady);
      for (const id of ['chart-robust-range', 'chart-robust-freq']) {
        const el = page.locator(`#${id}`);
        expect(await el.getAttribute('data-rendered'), id).toBe('ok');
        expect(await el.locator('g.role-mark > *').count(), id).toBeGreaterThan(20);
      }
      // the robust leaderboard: robust ranks 1..20, then the 6 baselines (never ranked)
      const ranks = await page.locator('#robust-table tbody tr[data-id] td:first-child').allTextContents();
      expect(ranks).toEqual([...Array.from({ length: 20 }, (_, i) => String(i + 1)), '—', '—', '—', '—', '—', '—']);
      const ids = await page.locator('#robust-table tbody tr.baseline').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')));
      expect(ids).toEqual(['calendar-monthly', 'calendar-quarterly', 'calendar-yearly', 'calendar-daily', 'calendar-weekly', 'none']);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
