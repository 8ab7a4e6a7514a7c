/** The `robustness` field of the experiment schema: defaults, and clear messages for mistakes. */
import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../../src/experiment/load.js';

const base = {
  name: 'r',
  data: { file: 'prices.csv' },
  targets: { A: 0.5, B: 0.5 },
  space: { bands: { absolute: { width: [0.05] } } },
};

describe('robustness schema', () => {
  it('is optional, and rankBy defaults to the median', () => {
    expect(parseExperiment(base, 'exp.json').robustness).toBeUndefined();
    const s = parseExperiment({ ...base, robustness: { kind: 'block-bootstrap', paths: 50, blockLength: 20 } }, 'exp.json');
    expect(s.robustness).toEqual({ kind: 'block-bootstrap', paths: 50, blockLength: 20, rankBy: 'median' });
    const q = parseExperiment({ ...base, robustness: { kind: 'block-bootstrap', paths: 5, blockLength: 1, seed: 3, rankBy: { quantile: 0.9 } } }, 'exp.json');
    expect(q.robustness?.rankBy).toEqual({ quantile: 0.9 });
  });

  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['no paths', { paths: 0 }, /exp\.json: .*robustness\.paths: expected at least 1 path, got 0/s],
    ['fractional paths', { paths: 2.5 }, /robustness\.paths: expected a whole number of paths, got 2\.5/],
    ['block shorter than a day', { blockLength: 0.5 }, /robustness\.blockLength: expected a mean block length of at least 1 period, got 0\.5/],
    ['quantile outside (0, 1)', { rankBy: { quantile: 1 } }, /robustness\.rankBy/],
    ['an unknown statistic', { rankBy: 'mean' }, /robustness\.rankBy: expected "median" or \{ quantile: q \}.*got "mean"/],
    ['unknown kind', { kind: 'bootstrap' }, /robustness\.kind/],
    ['misspelled field', { blocklength: 20 }, /unknown field "blocklength"/],
  ];
  for (const [what, over, msg] of bad) {
    it(`refuses ${what}, naming the field`, () => {
      const robustness = { kind: 'block-bootstrap', paths: 10, blockLength: 20, ...over };
      expect(() => parseExperiment({ ...base, robustness }, 'exp.json')).toThrow(msg);
    });
  }
});
