/** Compile once (src/experiment/compile.ts): what a validated experiment compiles to, and that every check runs there. */
import { describe, expect, it } from 'vitest';
import { compileExperiment } from '../../src/experiment/load.js';
import { planFolds } from '../../src/experiment/compile.js';
import { parseBand, parseMode } from '../../src/cli/spec.js';
import { UserError } from '../../src/errors.js';

const base = {
  name: 'c',
  data: { file: 'prices.csv' },
  targets: { A: 0.6, B: 0.4 },
  search: { kind: 'random', samples: 40, seed: 9 },
  space: { bands: { relative: { width: [0.1, 0.2] }, none: {} }, check: ['monthly', 'weekly'], mode: ['target', 'edge'] },
  constraints: ['trackingError <= 0.02'],
};

describe('compileExperiment', () => {
  it('gives the space, the parsed constraints, the baselines and the robustness plan', () => {
    const c = compileExperiment({ ...base, robustness: { kind: 'block-bootstrap', paths: 10, blockLength: 5, rankBy: { quantile: 0.9 } } }, 'c.json');
    expect(c.file).toBe('c.json');
    expect(c.space.size).toBe(40);
    expect(c.constraints).toHaveLength(1);
    // calendar monthly, quarterly and yearly always, then each other searched schedule (weekly),
    // then buy-and-hold (docs/selection.md)
    expect(c.baselines.map((b) => b.id)).toEqual(['calendar-monthly', 'calendar-quarterly', 'calendar-yearly', 'calendar-weekly', 'none']);
    // seed: the search seed when robustness gives none; the 0.9 quantile ranks
    expect(c.robustness).toMatchObject({ paths: 10, blockLength: 5, seed: 9, rankQuantile: 0.9, rankBy: { quantile: 0.9 } });
    expect(compileExperiment(base, 'c.json').robustness).toBeNull();
  });

  it('refuses a too large robustness run before any data is read', () => {
    // 400 configurations + 3 baselines = 403 rows × 100,000 paths = 40,300,000 backtests > the 20,000,000 limit
    const big = { ...base, search: { kind: 'random', samples: 400, seed: 9 } };
    expect(() => compileExperiment({ ...big, robustness: { kind: 'block-bootstrap', paths: 100_000, blockLength: 5 } }, 'c.json')).toThrow(
      /c\.json: robustness\.paths: .*limit/,
    );
  });

  it('plans folds on the loaded dates only when the experiment asks for validation', () => {
    const dates = Array.from({ length: 800 }, (_, i) => new Date(Date.UTC(2010, 0, 1) + i * 86_400_000).toISOString().slice(0, 10));
    expect(planFolds(compileExperiment(base, 'c.json'), dates, 0)).toEqual([]);
    // 800 calendar days from 2010-01-01: a split at 2011-01-01 trains on 365 rows and tests on the rest
    const folds = planFolds(compileExperiment({ ...base, validation: { split: '2011-01-01' } }, 'c.json'), dates, 0);
    expect(folds).toHaveLength(1);
  });

  it('the CLI and the experiment file refuse the same values (one domain table)', () => {
    const spaceErr =
      (bands: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      () =>
        compileExperiment({ ...base, search: { kind: 'grid' }, space: { ...base.space, bands, ...extra } }, 'c.json');
    expect(() => parseBand('hybrid:0.05,11')).toThrow(UserError);
    expect(spaceErr({ hybrid: { width: [0.05], relWidth: [11] } })).toThrow(/relWidth.*\(0, 10\]/);
    expect(() => parseBand('hybrid:0.05,10')).not.toThrow();
    expect(spaceErr({ hybrid: { width: [0.05], relWidth: [10] } })).not.toThrow();
    expect(() => parseBand('volatility:1,1')).toThrow(/whole number ≥ 2/);
    expect(spaceErr({ volatility: { width: [1], lookback: [1] } })).toThrow(/whole number ≥ 2/);
    expect(() => parseMode('partial:1.5')).toThrow(/\(0, 1\]/);
    expect(spaceErr({ relative: { width: [0.1] } }, { mode: ['partial'], fraction: [1.5] })).toThrow(/\(0, 1\]/);
  });
});
