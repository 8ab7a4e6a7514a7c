/**
 * Issue 14: a mistake in an experiment file gets the same quality of message as the same
 * mistake on the command line — the unknown value or field named, "did you mean …?" over the
 * allowed values or field names, the expected form with an example.
 */
import { describe, it, expect } from 'vitest';
import { parseExperiment } from '../../src/experiment/load.js';
import { closest, editDistance } from '../../src/experiment/messages.js';
import { changedFields } from '../../src/results/manifest.js';
import { parseCheck } from '../../src/cli/spec.js';
import { resolveTargets } from '../../src/policy/targets.js';
import { isUserError } from '../../src/errors.js';

const VALID = {
  name: 'sixty-forty',
  data: { file: 'prices.csv' },
  targets: { SPY: 0.6, TLT: 0.4 },
  space: { bands: { relative: { width: [0.1, 0.25] } }, check: 'monthly' },
};

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (!isUserError(e)) throw e;
    return e.message;
  }
  throw new Error('accepted');
}

// biome-ignore lint/suspicious/noExplicitAny: test data of any shape
const exp = (over: (e: Record<string, any>) => void): Record<string, unknown> => {
  // biome-ignore lint/suspicious/noExplicitAny: test data of any shape
  const e = structuredClone(VALID) as Record<string, any>;
  over(e);
  return e;
};

describe('did you mean …? (the four misspellings of issue 14, and others)', () => {
  // biome-ignore lint/suspicious/noExplicitAny: test data
  const cases: [string, (e: Record<string, any>) => void, string[]][] = [
    [
      'a schedule in a list: montly',
      (e) => (e.space.check = ['daily', 'weekly', 'montly']),
      [
        'space.check[2]: "montly" is not a schedule (did you mean "monthly"?)',
        'use one of daily, weekly, monthly, quarterly, yearly or a whole number of periods',
      ],
    ],
    ['a schedule alone: montly', (e) => (e.space.check = 'montly'), ['space.check: "montly" is not a schedule (did you mean "monthly"?)']],
    [
      'a band name: relativ',
      (e) => (e.space.bands = { relativ: { width: [0.1] } }),
      ['space.bands: unknown field "relativ" (did you mean "relative"?)', 'fields here: none, calendar, absolute, relative'],
    ],
    ['a cost field: feeBp', (e) => (e.costs = { feeBp: 5 }), ['costs: unknown field "feeBp" (did you mean "feeBps"?)']],
    ['a space field: checks', (e) => ((e.space.checks = e.space.check), delete e.space.check), ['space: unknown field "checks" (did you mean "check"?)']],
    ['a mode: edg', (e) => (e.space.mode = ['target', 'edg']), ['space.mode[1]: "edg" is not a rebalance mode (did you mean "edge"?)']],
    [
      'a search kind: rand',
      (e) => (e.search = { kind: 'rand', samples: 10 }),
      ['search.kind: "rand" is not a search kind (did you mean "random"?)', 'use one of grid, random, halton'],
    ],
    ['a metric: turnovr', (e) => (e.objectives = ['turnovr']), ['objectives[0]: "turnovr" is not a metric (did you mean "turnover"?)']],
    [
      'a score weight: trackingEror',
      (e) => (e.scoreWeights = { trackingEror: 1 }),
      ['scoreWeights: unknown field "trackingEror" (did you mean "trackingError"?)'],
    ],
  ];
  for (const [name, over, want] of cases)
    it(name, () => {
      const m = message(() => parseExperiment(exp(over), 'exp.json'));
      expect(m.startsWith('exp.json: ')).toBe(true);
      for (const w of want) expect(m, m).toContain(w);
      expect(m).not.toMatch(/Invalid input|Invalid option|Unrecognized key/); // zod's own words never reach the user
    });

  it('no suggestion when nothing is close', () => {
    const m = message(() =>
      parseExperiment(
        exp((e) => (e.space.check = 'fortnightly')),
        'exp.json',
      ),
    );
    expect(m).toContain('"fortnightly" is not a schedule; use one of daily');
    expect(m).not.toContain('did you mean');
  });

  it('the CLI gives the same suggestion for the same misspelling', () => {
    expect(message(() => parseCheck('montly'))).toContain('"montly" is not a schedule (did you mean "monthly"?)');
  });
});

describe('the expected form, with an example', () => {
  it('a band width of the wrong type lists the accepted forms', () => {
    const m = message(() =>
      parseExperiment(
        exp((e) => (e.space.bands.relative.width = 'wide')),
        'exp.json',
      ),
    );
    expect(m).toContain('space.bands.relative.width: expected a number, a list like [0.05, 0.1], a range like { from: 0.01, to: 0.1, step: 0.01 }');
    expect(m).toContain('got "wide"');
  });
  it('a missing data file says what to give', () => {
    const m = message(() =>
      parseExperiment(
        exp((e) => (e.data = {})),
        'exp.json',
      ),
    );
    expect(m).toContain('data.file: missing; give the price CSV path, e.g. file: "data/');
  });
  it('"an absolute width", not "a absolute width"', () => {
    const m = message(() =>
      parseExperiment(
        exp((e) => (e.space.bands = { absolute: { width: [0.05, 1.5] } })),
        'exp.json',
      ),
    );
    expect(m).toContain('expected an absolute width in (0, 1], got 1.5');
    const r = message(() =>
      parseExperiment(
        exp((e) => (e.space.bands.relative.width = [0])),
        'exp.json',
      ),
    );
    expect(r).toContain('expected a relative width');
  });
});

describe('the weights-sum error says what to do where the weights were written', () => {
  it('from an experiment: fix the file or add normalizeTargets, never --normalize', () => {
    const m = message(() => resolveTargets({ SPY: 0.6, TLT: 0.3 }, ['SPY', 'TLT'], { where: 'exp.json: targets', via: 'experiment' }));
    expect(m).toContain('normalizeTargets: true');
    expect(m).toContain('experiment file');
    expect(m).not.toContain('--normalize');
  });
  it('from the CLI: --normalize', () => {
    const m = message(() => resolveTargets({ SPY: 0.6, TLT: 0.3 }, ['SPY', 'TLT'], { where: '--weights', via: 'cli' }));
    expect(m).toContain('--normalize');
    expect(m).not.toContain('normalizeTargets');
  });
});

describe('helpers', () => {
  it('edit distance: by hand', () => {
    expect(editDistance('montly', 'monthly')).toBe(1); // one insertion
    expect(editDistance('weelky', 'weekly')).toBe(1); // one transposition
    expect(editDistance('kitten', 'sitting')).toBe(3); // the textbook case
    expect(closest('xyz', ['daily', 'weekly'])).toBeNull();
  });
  it('changed fields between two specs, old → new', () => {
    const a = { space: { check: ['monthly'], bands: { relative: { width: [0.1] } } }, costs: { feeBps: 5 } };
    const b = { space: { check: ['weekly'], bands: { relative: { width: [0.1] } } }, costs: { feeBps: 10 } };
    expect(changedFields(a, b)).toEqual(['space.check (["monthly"] → ["weekly"])', 'costs.feeBps (5 → 10)']);
  });
});
