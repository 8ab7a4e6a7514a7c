/**
 * The selection end to end (issue 11): a small real-data experiment run by the CLI, with and
 * without robustness. selection.json, results.csv, `run --json` and the terminal leaderboard name
 * the same pick; the pick is recomputed here from the CSV files alone (the rule of
 * docs/selection.md applied by hand); baselines appear once and unranked; the files are the same
 * bytes for 1 and 2 workers.
 */
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { splitCsvLine } from '../../src/results/table.js';
import type { SelectionJson } from '../../src/results/selection-types.js';
import { ROOT, smallExperiment, writeExperiment } from '../runner/fixture.js';

const BIN = path.join(ROOT, 'bin/rebalance-lab.js');

function cli(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

function table(text: string): Record<string, string>[] {
  const lines = text.trimEnd().split('\n');
  const head = splitCsvLine(lines[0]);
  return lines.slice(1).map((l) => {
    const c = splitCsvLine(l);
    return Object.fromEntries(head.map((h, i) => [h, c[i]]));
  });
}

// a smaller space than the runner fixture's: 2 years, so each run takes seconds
const exp = smallExperiment({
  name: 'sel',
  data: { file: path.join(ROOT, 'data/etf_daily_adjclose_1993_2023.csv'), start: '2016-01-01', end: '2019-12-31' },
  space: {
    bands: { absolute: { width: [0.01, 0.02, 0.04] }, relative: { width: [0.1, 0.3] }, calendar: {}, none: {} },
    check: ['daily', 'weekly'],
    mode: ['target', 'edge'],
  },
  scoreWeights: { trackingError: 1, costDrag: 1e-4, turnover: 1e-3 },
});

let dir: string;
let file: string;

beforeAll(async () => {
  ({ dir, file } = await writeExperiment(exp));
}, 60_000);

describe('selection end to end', () => {
  it('without robustness: one pick everywhere, baselines once and unranked, same bytes for 1 and 2 workers', async () => {
    const one = cli(['run', file, '--out', dir, '--run-id', 'w1', '--workers', '1', '--no-report']);
    expect(one.code, one.err).toBe(0);
    const two = cli(['run', file, '--out', dir, '--run-id', 'w2', '--workers', '2', '--no-report', '--json']);
    expect(two.code, two.err).toBe(0);
    const d1 = path.join(dir, 'sel', 'w1');
    const d2 = path.join(dir, 'sel', 'w2');
    const csv = await readFile(path.join(d1, 'results.csv'), 'utf8');
    expect(await readFile(path.join(d2, 'results.csv'), 'utf8')).toBe(csv);
    const selText = await readFile(path.join(d1, 'selection.json'), 'utf8');
    expect(await readFile(path.join(d2, 'selection.json'), 'utf8')).toBe(selText);
    const sel = JSON.parse(selText) as SelectionJson;
    const rows = table(csv);

    // the rule by hand: feasible, not calendar/none, no error; lowest score, ties → lower id
    const cands = rows.filter(
      (r) => /^\d+$/.test(r.id) && r.feasible === '1' && r.error === '' && r.band !== 'calendar' && r.band !== 'none' && r.score !== '',
    );
    cands.sort((a, b) => Number(a.score) - Number(b.score) || Number(a.id) - Number(b.id));
    const pick = Number(cands[0].id);
    expect(sel.pick).toBe(pick);
    expect(sel.rule.rankBy).toBe('in-sample-score');
    // results.csv: rank 1 and "pick" on that row only; ranks 1..n in the hand order
    expect(rows.filter((r) => r.selection === 'pick').map((r) => Number(r.id))).toEqual([pick]);
    cands.forEach((r, i) => expect(r.rank).toBe(String(i + 1)));
    // calendar and buy-and-hold inside the space are rows without a rank
    const inSpaceCal = rows.filter((r) => /^\d+$/.test(r.id) && (r.band === 'calendar' || r.band === 'none'));
    expect(inSpaceCal.length).toBeGreaterThan(0);
    for (const r of inSpaceCal) expect(r.rank).toBe('');
    // the baselines: the usual three, the searched schedules, buy-and-hold; once each, no rank
    const base = rows.filter((r) => !/^\d+$/.test(r.id));
    expect(base.map((r) => r.id)).toEqual(['calendar-monthly', 'calendar-quarterly', 'calendar-yearly', 'calendar-daily', 'calendar-weekly', 'none']);
    for (const r of base) expect(r.rank).toBe('');
    expect(sel.baselines.map((b) => b.id)).toEqual(base.map((r) => r.id));
    // the indistinguishable set is marked in results.csv, and the simplest is the pick or one of them
    expect(
      rows
        .filter((r) => r.selection === 'indistinguishable')
        .map((r) => Number(r.id))
        .sort((a, b) => a - b),
    ).toEqual([...sel.indistinguishable].sort((a, b) => a - b));
    expect([pick, ...sel.indistinguishable]).toContain(sel.simplest);
    // best per band and mode: the lowest rank among the candidates of that band / mode
    for (const band of new Set(cands.map((r) => r.band))) expect(sel.bestPerBand[band]).toBe(Number(cands.find((r) => r.band === band)!.id));
    for (const mode of new Set(cands.map((r) => r.mode))) expect(sel.bestPerMode[mode]).toBe(Number(cands.find((r) => r.mode === mode)!.id));
    // the score terms add up to the pick's score
    const sum = sel.scoreTerms.reduce((a, t) => a + (t.contribution ?? 0), 0);
    expect(sum).toBeCloseTo(Number(cands[0].score), 12);
    // PBO: 4 years ≈ 1,000 returns → 16 sub-periods of ≥ 20 returns
    expect(sel.pbo).not.toBeNull();
    expect(sel.pbo!).toBeGreaterThanOrEqual(0);
    expect(sel.pbo!).toBeLessThanOrEqual(1);
    expect(sel.pboDetail?.subPeriods).toBe(16);
    // the terminal leaderboard and run --json name the same pick
    expect(one.out).toContain(`pick: #${pick} `);
    expect(one.out).toMatch(/rule: /);
    const j = JSON.parse(two.out) as { pick: { id: number }; rule: string; pbo: number | null };
    expect(j.pick.id).toBe(pick);
    expect(j.rule).toBe(sel.rule.text);
    expect(j.pbo).toBe(sel.pbo);
  }, 180_000);

  it('with robustness: the pick is the lowest median score over the paths among the candidates', async () => {
    const { dir: d, file: f } = await writeExperiment({ ...exp, name: 'selrob', robustness: { kind: 'block-bootstrap', paths: 12, blockLength: 10, seed: 3 } });
    const r = cli(['run', f, '--out', d, '--run-id', 'r', '--workers', '2', '--no-report']);
    expect(r.code, r.err).toBe(0);
    const run = path.join(d, 'selrob', 'r');
    const sel = JSON.parse(await readFile(path.join(run, 'selection.json'), 'utf8')) as SelectionJson;
    const rows = table(await readFile(path.join(run, 'results.csv'), 'utf8'));
    const rob = new Map(table(await readFile(path.join(run, 'robustness.csv'), 'utf8')).map((x) => [x.id, x]));
    // by hand: in-sample feasible, not calendar/none, feasible on ≥ half the paths; lowest robustScore, ties → lower id
    const cands = rows.filter(
      (x) =>
        /^\d+$/.test(x.id) &&
        x.feasible === '1' &&
        x.error === '' &&
        x.band !== 'calendar' &&
        x.band !== 'none' &&
        Number(rob.get(x.id)!.feasibleFreq) >= 0.5 &&
        rob.get(x.id)!.robustScore !== '',
    );
    cands.sort((a, b) => Number(rob.get(a.id)!.robustScore) - Number(rob.get(b.id)!.robustScore) || Number(a.id) - Number(b.id));
    expect(sel.rule.rankBy).toBe('robust-median');
    expect(sel.pick).toBe(Number(cands[0].id));
    expect(rows.find((x) => x.rank === '1')!.id).toBe(cands[0].id);
    expect(sel.indistinguishableTest?.pairedOver).toBe('bootstrap-paths');
    expect(sel.indistinguishableTest?.observations).toBe(12);
    expect(r.out).toContain(`pick: #${cands[0].id} `);
  }, 180_000);
});
