/**
 * The report in a real headless browser (design §8): Debian's chromium through playwright-core,
 * the DEMO run's report (experiments/quickstart.ts on the shipped data, run by the CLI exactly as
 * `npm run demo` does, into a temporary folder) opened from a file:// URL with every other request
 * aborted (so it must work offline), and then: every chart container holds an SVG with marks, the
 * leaderboard has rows, and there are no console errors or page errors. A full-page screenshot is
 * saved for people to look at (reports/test-artifacts/report.png, git-ignored).
 *
 * Needs /usr/bin/chromium (`apt-get install -y chromium`; .ci/run installs it): without it the test fails.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';

// The project's tsconfig has no DOM library (it is a Node project); these are the few browser
// shapes the page.evaluate callbacks use. The casts are type-only, so the callbacks stay plain JS.
interface El {
  getAttribute(name: string): string | null;
  querySelector(sel: string): El | null;
  querySelectorAll(sel: string): { length: number };
  textContent: string | null;
}
interface Page {
  document: { getElementById(id: string): El | null; body: { scrollHeight: number } };
  reportReady?: Promise<unknown>;
}
const ROOT = resolve(import.meta.dirname, '../..');
const ARTIFACTS = join(ROOT, 'reports/test-artifacts');

/** Runs the demo experiment through the built CLI (as `npm run demo` does) into `out`. */
function runDemo(out: string): string {
  execFileSync(process.execPath, ['bin/rebalance-lab.js', 'run', 'experiments/quickstart.ts', '--out', out, '--run-id', 'demo', '--quiet'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return join(out, 'quickstart', 'demo');
}

describe('report in headless chromium', () => {
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    dir = await mkdtemp(join(tmpdir(), 'rl-report-'));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('renders every chart of the demo report offline, without console errors', async () => {
    const run = runDemo(dir);
    const path = join(run, 'report.html');
    expect(existsSync(path)).toBe(true);
    // what the results say the page must show
    const lines = (await readFile(join(run, 'results.csv'), 'utf8')).trim().split('\n');
    const head = lines[0].split(',');
    const rows = lines.slice(1).map((l) => l.split(','));
    const idCol = head.indexOf('id');
    const rankCol = head.indexOf('rank');
    const configs = rows.filter((r) => /^\d+$/.test(r[idCol]));
    const baselines = rows.length - configs.length;
    const ranked = configs.filter((r) => Number(r[rankCol]) >= 1).length;
    // quickstart.ts by hand: (6 absolute + 10 relative widths) × 3 checks × 3 modes = 144,
    // calendar × 3 checks (edge and inner collapse into target) = 3, none = 1 → 148
    expect(configs.length).toBe(148);
    expect(baselines).toBe(6); // calendar monthly, quarterly, yearly (always), daily, weekly (searched) and buy-and-hold

    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const consoleErrors: string[] = [];
    const consoleWarnings: string[] = [];
    const pageErrors: string[] = [];
    const blocked: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(msg.text());
      if (msg.type() === 'warning') consoleWarnings.push(msg.text());
    });
    page.on('pageerror', (err) => pageErrors.push(String(err)));
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      blocked.push(url);
      return route.abort();
    });

    const t0 = performance.now();
    await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
    await page.waitForFunction(() => (globalThis as unknown as Page).reportReady !== undefined);
    await page.evaluate(() => (globalThis as unknown as Page).reportReady);
    const renderMs = performance.now() - t0;
    console.log(`report rendered in the browser in ${renderMs.toFixed(0)} ms`);

    const ids = await page.evaluate(() =>
      Array.from((globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<{ id: string }> } }).document.querySelectorAll('div.chart'), (e) => e.id),
    );
    expect(ids.length).toBeGreaterThanOrEqual(8);
    const counts = await page.evaluate((chartIds) => {
      return chartIds.map((id) => {
        const el = (globalThis as unknown as Page).document.getElementById(id);
        const svg = el?.querySelector('svg');
        const canvas = el?.querySelector('canvas');
        // Vega draws each mark set as <g class="mark-… role-mark">; count the items inside them
        const items = svg ? svg.querySelectorAll('g.role-mark > *').length : 0;
        return { id, state: el?.getAttribute('data-rendered') ?? null, svg: !!svg, canvas: !!canvas, items };
      });
    }, ids);
    for (const c of counts) {
      expect(c.state, `${c.id} state`).toBe('ok');
      expect(c.svg || c.canvas, `${c.id} has an svg or canvas`).toBe(true);
      expect(c.items, `${c.id} has marks`).toBeGreaterThan(0);
    }

    // the scatter shows every configuration (148: no sampling at this size) and the baselines
    const te = counts.find((c) => c.id === 'chart-tradeoff-te');
    expect(te?.items).toBeGreaterThanOrEqual(configs.length + baselines);

    // the leaderboard: the top 20 feasible configurations, then the baselines
    const boardRows = await page.locator('#leaderboard-table tbody tr[data-id]').count();
    expect(boardRows).toBe(Math.min(20, ranked) + baselines);
    expect(ranked).toBeGreaterThan(2);

    // a tooltip appears when hovering a point of the first scatter
    const point = page.locator('#chart-tradeoff-te g.mark-symbol.role-mark path').first();
    await point.hover({ force: true });
    await page.waitForTimeout(300);
    const tooltip = await page.evaluate(
      () => (globalThis as unknown as Page).document.getElementById('vg-tooltip-element')?.textContent ?? '',
    );
    expect(tooltip).toContain('configuration');

    await mkdir(ARTIFACTS, { recursive: true });
    await page.mouse.move(0, 0);
    await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });

    if (consoleWarnings.length) console.log('console warnings:', consoleWarnings);
    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(blocked).toEqual([]);
    await page.close();
  }, 120_000);
});
