/**
 * The report in a real headless browser (design §8): Debian's chromium through playwright-core.
 * Two pages: the DEMO run's report (experiments/quickstart.ts on the shipped data, run by the CLI
 * exactly as `npm run demo` does) and a 200,000-configuration synthetic random search (a real
 * results.csv and manifest, built into a report by `buildReportInput` + `writeReport`). Each is
 * opened from a file:// URL with every other request aborted (it must work offline), and then:
 * every chart holds marks, no console errors or page errors, no clipped label (every text's box
 * inside its SVG, every SVG and table inside the page's width), no effect axis that mixes band types
 * (a width/relWidth/lookback panel per band type), at least 10 bins per numeric parameter drawn from
 * a range, and the recommended configuration's line drawn last. A screenshot is saved for people to
 * look at (reports/test-artifacts/report.png, git-ignored).
 *
 * Needs /usr/bin/chromium (`apt-get install -y chromium`; .ci/run installs it): without it the test fails.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page as PwPage } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReportInput } from '../../src/report/fromRun.js';
import { writeReport } from '../../src/report/html.js';
import { bigManifest, writeBigResults } from './fixture.js';

const CHROMIUM = '/usr/bin/chromium';

// The project's tsconfig has no DOM library (it is a Node project); these are the few browser
// shapes the page.evaluate callbacks use. The casts are type-only, so the callbacks stay plain JS.
interface Rect {
  left: number;
  right: number;
  top: number;
  bottom: number;
  width: number;
}
interface El {
  id: string;
  textContent: string | null;
  scrollWidth: number;
  clientWidth: number;
  getAttribute(name: string): string | null;
  querySelector(sel: string): El | null;
  querySelectorAll(sel: string): ArrayLike<El>;
  getBoundingClientRect(): Rect;
  closest(sel: string): El | null;
  getScreenCTM(): { a: number; b: number; c: number; d: number; e: number; f: number };
}
interface Doc {
  getElementById(id: string): El | null;
  querySelectorAll(sel: string): ArrayLike<El>;
  querySelector(sel: string): El | null;
  body: { scrollHeight: number };
}
interface Win {
  document: Doc;
  reportReady?: Promise<unknown>;
  getComputedStyle(el: El): { stroke: string; strokeWidth: string };
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

interface PageFacts {
  charts: { id: string; state: string | null; items: number }[];
  clipped: string[];
  overflowing: string[];
  lastLine: { stroke: string; width: number; maxWidth: number } | null;
  data: { datasets: Record<string, { n: number; cols: Record<string, unknown[]> }> };
}

/** Open a report offline and collect what the assertions need. */
async function openReport(
  browser: Browser,
  file: string,
  shot?: string,
): Promise<{ facts: PageFacts; consoleErrors: string[]; pageErrors: string[]; blocked: string[]; page: PwPage }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];
  const blocked: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  await page.waitForFunction(() => (globalThis as unknown as Win).reportReady !== undefined);
  await page.evaluate(() => (globalThis as unknown as Win).reportReady);
  const facts = await page.evaluate((): PageFacts => {
    const w = globalThis as unknown as Win;
    const doc = w.document;
    const charts = Array.from(doc.querySelectorAll('div.chart'), (el) => {
      const svg = el.querySelector('svg');
      return { id: el.id, state: el.getAttribute('data-rendered'), items: svg ? svg.querySelectorAll('g.role-mark > *').length : 0 };
    });
    const clipped: string[] = [];
    const overflowing: string[] = [];
    const main = (doc.querySelector('main') as El).getBoundingClientRect();
    Array.from(doc.querySelectorAll('div.chart svg'), (svg) => {
      const box = svg.getBoundingClientRect();
      const id = (svg.closest('div.chart') as El).id;
      if (box.right > main.right + 1) overflowing.push(`${id}: svg ends at ${box.right.toFixed(0)} past the page's ${main.right.toFixed(0)}`);
      Array.from(svg.querySelectorAll('text'), (t) => {
        const r = t.getBoundingClientRect();
        if (r.width === 0 || !(t.textContent ?? '').trim()) return;
        if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1) clipped.push(`${id}: "${t.textContent}"`);
        // a label cut by a clip path: inside the svg but not inside the clip rectangle of its group
        const clipG = t.closest('g[clip-path]');
        const clipRect = clipG ? doc.querySelector(`${(clipG.getAttribute('clip-path') ?? '').replace(/^url\(|\)$/g, '').replace(/"/g, '')} rect`) : null;
        if (clipG && clipRect) {
          // the clip rectangle is in the group's own coordinates: map its corners to the page
          const ctm = clipG.getScreenCTM();
          const x = Number(clipRect.getAttribute('x') ?? 0);
          const y = Number(clipRect.getAttribute('y') ?? 0);
          const a = { x: ctm.a * x + ctm.c * y + ctm.e, y: ctm.b * x + ctm.d * y + ctm.f };
          const x2 = x + Number(clipRect.getAttribute('width') ?? 0);
          const y2 = y + Number(clipRect.getAttribute('height') ?? 0);
          const b = { x: ctm.a * x2 + ctm.c * y2 + ctm.e, y: ctm.b * x2 + ctm.d * y2 + ctm.f };
          const c = { left: Math.min(a.x, b.x), right: Math.max(a.x, b.x), top: Math.min(a.y, b.y), bottom: Math.max(a.y, b.y) };
          if (r.left < c.left - 1 || r.right > c.right + 1 || r.top < c.top - 1 || r.bottom > c.bottom + 1)
            clipped.push(`${id}: "${t.textContent}" cut by its clip path`);
        }
      });
    });
    Array.from(doc.querySelectorAll('table'), (t) => {
      const r = t.getBoundingClientRect();
      if (r.right > main.right + 1) overflowing.push(`table ${t.id || t.getAttribute('class')}: ends at ${r.right.toFixed(0)} past ${main.right.toFixed(0)}`);
    });
    // the value chart's lines in drawing order: the last one drawn is on top
    const lines = Array.from(doc.querySelectorAll('#chart-value g.mark-line path'), (p) => ({
      stroke: (p.getAttribute('stroke') ?? '').toLowerCase(),
      width: Number(p.getAttribute('stroke-width') ?? '1'),
    }));
    const last = lines.length ? lines[lines.length - 1] : null;
    const data = JSON.parse((doc.getElementById('report-data') as El).textContent ?? '{}') as PageFacts['data'];
    return { charts, clipped, overflowing, lastLine: last ? { ...last, maxWidth: Math.max(...lines.map((l) => l.width)) } : null, data };
  });
  if (shot) {
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, shot), fullPage: true });
  }
  return { facts, consoleErrors, pageErrors, blocked, page };
}

/** The checks both pages must pass. */
function expectReadable(f: PageFacts, consoleErrors: string[], pageErrors: string[], blocked: string[]): void {
  expect(f.charts.length).toBeGreaterThanOrEqual(10);
  for (const c of f.charts) {
    expect(c.state, `${c.id} state`).toBe('ok');
    expect(c.items, `${c.id} has marks`).toBeGreaterThan(0);
  }
  expect(f.clipped, 'labels outside their view').toEqual([]);
  expect(f.overflowing, 'charts and tables wider than the page').toEqual([]);
  // no effect axis mixes band types: band-specific parameters have one panel per band type
  const ids = f.charts.map((c) => c.id);
  for (const p of ['width', 'relWidth', 'lookback', 'minWidth']) expect(ids, `${p} panel without a band type`).not.toContain(`chart-effect-${p}`);
  for (const [name, ds] of Object.entries(f.data.datasets)) {
    const m = /^effects_(width|relWidth|lookback|minWidth)$/.exec(name);
    expect(m, `${name} mixes band types`).toBeNull();
    void ds;
  }
  // the recommended configuration's line is drawn last, in blue, and thickest
  expect(f.lastLine?.stroke).toBe('#2563eb');
  expect(f.lastLine?.width).toBe(f.lastLine?.maxWidth);
  expect(pageErrors).toEqual([]);
  expect(consoleErrors).toEqual([]);
  expect(blocked).toEqual([]);
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

  it('the demo report: every chart drawn, nothing clipped, one width panel per band, the pick on top, a glossary entry per column', async () => {
    const run = runDemo(dir);
    const path = join(run, 'report.html');
    expect(existsSync(path)).toBe(true);
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

    const t0 = performance.now();
    const { facts, consoleErrors, pageErrors, blocked, page } = await openReport(browser, path, 'report.png');
    console.log(`demo report rendered in the browser in ${(performance.now() - t0).toFixed(0)} ms`);
    expectReadable(facts, consoleErrors, pageErrors, blocked);
    const ids = facts.charts.map((c) => c.id);
    expect(ids).toContain('chart-effect-width-absolute');
    expect(ids).toContain('chart-effect-width-relative');
    expect(ids).toContain('chart-importance');
    expect(ids).toContain('chart-relative');

    // the scatter shows every configuration (148: no sampling at this size) and the baselines
    const te = facts.charts.find((c) => c.id === 'chart-tradeoff-te');
    expect(te?.items).toBeGreaterThanOrEqual(configs.length + baselines);
    const boardRows = await page.locator('#leaderboard-table tbody tr[data-id]').count();
    expect(boardRows).toBe(Math.min(20, ranked) + baselines);
    // the glossary names every column of results.csv exactly as written there
    const glossary = await page.locator('#glossary-table tbody tr td:first-child code').allTextContents();
    expect(glossary).toEqual(head);
    // the tearsheet tables
    expect(await page.locator('#year-returns tbody tr').count()).toBe(2023 - 2004 + 1);
    expect(await page.locator('#drawdowns tbody tr').count()).toBe(5);

    // the drill-down: the top 10 by rank (results.csv) and every baseline are in its menu, precomputed
    // in the page; choosing another entry redraws the orange line from that entry's own columns
    const byRank = configs
      .filter((r) => Number(r[rankCol]) >= 1)
      .sort((a, b) => Number(a[rankCol]) - Number(b[rankCol]) || Number(a[idCol]) - Number(b[idCol]));
    const menu = page.locator('#chart-drill select');
    const options = await menu.locator('option').allTextContents();
    expect(options.length).toBe(Math.min(10, ranked) + baselines);
    for (let k = 0; k < Math.min(10, ranked); k++) expect(options[k]).toContain(`(id ${byRank[k][idCol]}`);
    const drill = facts.data.datasets.drill;
    expect(drill.n).toBeGreaterThan(100);
    // the chosen line (orange) and the pick's (blue) in the value panel: read the drawn paths
    const drawn = () =>
      page.evaluate(() => {
        const doc = (globalThis as unknown as Win).document;
        return Array.from(doc.querySelectorAll('#chart-drill g.mark-line path'), (p) => ({
          stroke: (p.getAttribute('stroke') ?? '').toLowerCase(),
          d: p.getAttribute('d') ?? '',
        }));
      });
    const before = await drawn();
    const first = await menu.evaluate((el) => (el as unknown as { selectedIndex: number }).selectedIndex);
    // joined path data (compared as one string, so a failure does not print 100 kB of coordinates)
    const orange = (xs: { stroke: string; d: string }[]) =>
      xs
        .filter((x) => x.stroke === '#ea580c')
        .map((x) => x.d)
        .join('|');
    // the number of vertices of each blue path: the pick's own points (its y scale is shared with the chosen line, so its coordinates may move)
    const blue = (xs: { stroke: string; d: string }[]) => xs.filter((x) => x.stroke === '#2563eb').map((x) => x.d.split('L').length);
    expect(before.filter((x) => x.stroke === '#ea580c').length).toBeGreaterThanOrEqual(3 + 2); // value, relative, drawdown and one weight panel per asset
    expect(blue(before).length).toBeGreaterThanOrEqual(3 + 2);
    // the last entry is a baseline (buy-and-hold or a calendar schedule), drawn from its own columns
    await menu.selectOption({ index: options.length - 1 });
    await page.waitForTimeout(300);
    const after = await drawn();
    expect(orange(after) === orange(before), 'the chosen line changed').toBe(false);
    expect(blue(after)).toEqual(blue(before));
    // choosing the first entry shown again draws exactly what was drawn at first
    await menu.selectOption({ index: first });
    await page.waitForTimeout(300);
    expect(orange(await drawn()) === orange(before), 'the first entry drawn again').toBe(true);
    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);

    // a tooltip appears when hovering a point of the first scatter
    const point = page.locator('#chart-tradeoff-te g.mark-symbol.role-mark path').first();
    await point.hover({ force: true });
    await page.waitForTimeout(300);
    const tooltip = await page.evaluate(() => (globalThis as unknown as Win).document.getElementById('vg-tooltip-element')?.textContent ?? '');
    expect(tooltip.length).toBeGreaterThan(0);
    await page.close();
  }, 180_000);

  it('a 200,000-configuration report: the same checks, and at least 10 bins per numeric parameter', async () => {
    const run = join(dir, 'big');
    await mkdir(run, { recursive: true });
    await writeBigResults(join(run, 'results.csv'), 200_000);
    await writeFile(join(run, 'manifest.json'), JSON.stringify(bigManifest(200_000)));
    await writeReport(run, await buildReportInput(run));
    const { facts, consoleErrors, pageErrors, blocked, page } = await openReport(browser, join(run, 'report.html'), 'report-200k.png');
    expectReadable(facts, consoleErrors, pageErrors, blocked);
    // the synthetic space draws width log-uniformly for three band types, depth and fraction uniformly
    const binned = ['effects_width_absolute', 'effects_width_relative', 'effects_width_drift', 'effects_depth', 'effects_fraction'];
    for (const name of binned) {
      const ds = facts.data.datasets[name];
      expect(ds, name).toBeDefined();
      const xs = new Set(ds.cols.x.filter((_, i) => ds.cols.objective[i] === 'turnover'));
      expect(xs.size, `${name} bins`).toBeGreaterThanOrEqual(10);
    }
    await page.close();
  }, 600_000);
});
