/**
 * The digest's per-bin samples (src/report/digest.ts): the quartiles of a bin larger than the
 * reservoir come from exactly the `reservoir` rows of the bin with the smallest keys
 * uniform(seed, id, 2) — worked out here by sorting every row's key — whatever order the rows
 * arrive in; a row fed as a view (`addView`, the journal's way) counts as the same row fed whole;
 * the scatter sample is the rows with the smallest uniform(seed, id, 0), also when told the ids up front.
 */
import { quantileSorted } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import { type Axis, Digest } from '../../src/report/digest.js';
import type { ResultRow, RowView } from '../../src/results/row.js';
import { uniform } from '../../src/search/rng.js';

const SEED = 7;
const axes: Axis[] = [{ param: 'band', band: null, numeric: false, values: ['absolute', 'relative'] }];
const opts = { seed: SEED, objectives: ['turnover', 'cagr'], reservoir: 16, scatterSample: 10, topN: 3 };

/** Row i: band by i mod 3 (0 → relative), turnover a scrambled value, cagr missing on every 7th row, ranks scrambled. */
function row(i: number): ResultRow {
  return {
    id: String(i),
    kind: 'config',
    label: '',
    params: { band: i % 3 === 0 ? 'relative' : 'absolute' },
    metrics: { turnover: ((i * 7919) % 1000) / 100, cagr: i % 7 === 0 ? null : ((i * 104729) % 997) / 1000 },
    feasible: i % 5 !== 0,
    pareto: false,
    score: i,
    rank: i % 5 !== 0 ? ((i * 7919) % 3000) + 1 : null,
  };
}

/** The quartiles of `metric` over the 16 rows of the band with the smallest (key, id), worked out by sorting every key. */
function expected(rows: ResultRow[], band: string, metric: string): [number, number, number] {
  const inBand = rows.filter((r) => r.params.band === band).map((r) => ({ key: uniform(SEED, Number(r.id), 2), id: Number(r.id), r }));
  inBand.sort((a, b) => a.key - b.key || a.id - b.id);
  const vals = inBand
    .slice(0, 16)
    .map((e) => e.r.metrics[metric])
    .filter((v): v is number => v !== null)
    .sort((a, b) => a - b);
  return [quantileSorted(vals, 0.25), quantileSorted(vals, 0.5), quantileSorted(vals, 0.75)];
}

describe('digest samples', () => {
  const rows = Array.from({ length: 3000 }, (_, i) => row(i));

  it('quartiles of a bin come from its 16 rows with the smallest keys, in any row order', () => {
    for (const order of [rows, [...rows].reverse()]) {
      const d = new Digest(axes, opts);
      for (const r of order) d.add(r);
      const band = d.finish().effects.find((e) => e.param === 'band');
      for (const b of ['absolute', 'relative'])
        for (const m of ['turnover', 'cagr']) {
          const e = band?.rows.find((r) => r.x === b && r.objective === m);
          expect([e?.q25, e?.median, e?.q75], `${b} ${m}`).toEqual(expected(rows, b, m));
          expect(e?.n).toBe(rows.filter((r) => r.params.band === b && r.metrics[m] !== null).length);
        }
    }
  });

  it('a row fed as a view is the same row fed whole; the view is built only for the rows kept', () => {
    const whole = new Digest(axes, opts);
    for (const r of rows) whole.add(r);
    const byView = new Digest(axes, opts);
    let built = 0;
    for (const r of rows) {
      const v: RowView = {
        id: Number(r.id),
        num: Number(r.id),
        text: undefined,
        feasible: r.feasible,
        pareto: r.pareto,
        failed: false,
        rank: r.rank,
        metric: (_j, name) => r.metrics[name] ?? NaN,
        score: () => r.score,
        param: (name) => r.params[name],
        row: () => (built++, r),
      };
      byView.addView(v);
    }
    const a = whole.finish();
    const b = byView.finish();
    expect(b).toEqual(a);
    // told the ids are exactly 0..2999: the same sample, its rows the only ones of the sample built
    const known = new Digest(axes, { ...opts, ids: rows.length });
    for (const r of rows) known.add(r);
    expect(known.finish()).toEqual(a);
    const sampleIds = rows
      .map((r) => ({ key: uniform(SEED, Number(r.id), 0), id: Number(r.id) }))
      .sort((x, y) => x.key - y.key || x.id - y.id)
      .slice(0, 10)
      .map((e) => String(e.id))
      .sort((x, y) => Number(x) - Number(y));
    expect(a.sample.map((r) => r.id)).toEqual(sampleIds);
    const ranked = rows.filter((r) => r.rank !== null).sort((x, y) => (x.rank as number) - (y.rank as number));
    expect(b.top.map((r) => r.id)).toEqual(ranked.slice(0, 3).map((r) => r.id));
    // the top 3, 10 sampled, the best per band, the worst rank as it grows: a few dozen rows built, not 3,000
    expect(built).toBeLessThan(300);
  });
});
