/**
 * Grid search (design §6): counts worked out by hand, the id order, every id a valid and
 * distinct configuration, ranges, searched costs, and the errors of a bad space.
 */
import { describe, it, expect } from 'vitest';
import { BANDS } from '../../src/policy/bands.js';
import { Space } from '../../src/spec/schema.js';
import { isUserError } from '../../src/errors.js';
import type { Config } from '../../src/policy/types.js';
import { FILE, allConfigs, canonical, configProblems, makeSpace, plainGrid, plainRange, userErrorOf, type SpaceInput } from './helpers.js';

const COSTS = { feeBps: 5, halfSpreadBps: 2, fixedFee: 1, minTrade: 100 };

/** The example of the brief: 67 configurations. */
const EXAMPLE: SpaceInput = {
  bands: {
    absolute: { width: [0.01, 0.02, 0.05] },
    relative: { width: { from: 0.1, to: 0.5, step: 0.1 } },
    calendar: {},
    none: {},
  },
  check: ['weekly', 'monthly'],
  mode: ['target', 'edge', 'inner'],
  depth: [0.25, 0.5],
};

/** Spaces of several shapes, each with its hand-worked size. */
const CASES: { name: string; space: SpaceInput; size: number }[] = [
  // absolute: 3 widths × 2 checks × (target 1 + edge 1 + inner 2) = 24
  // relative: 5 widths (0.1..0.5) × 2 × 4 = 40; calendar: 2 checks × target only = 2; none: 1
  { name: 'the brief example', space: EXAMPLE, size: 24 + 40 + 2 + 1 },
  {
    // modes: target 1 + partial 2 = 3; common: cooldown 2 × feeBps 3 = 6
    // hybrid 2·3·3·6 = 108, volatility 2·2·3·6 = 72, drift 3·3·6 = 54, risk 1·3·3·6 = 54
    name: 'portfolio and time-varying bands with searched cooldown and fee',
    space: {
      bands: {
        hybrid: { width: [0.05, 0.1], relWidth: [0.2, 0.25, 0.3] },
        volatility: { width: [1, 2], lookback: [20, 60] },
        drift: { width: { from: 0.01, to: 0.03, step: 0.01 } },
        risk: { width: 0.02, lookback: [20, 40, 60] },
      },
      check: 'monthly',
      mode: ['target', 'partial'],
      fraction: [0.5, 0.75],
      cooldown: [0, 5],
      feeBps: [0, 10, 20],
    },
    size: 108 + 72 + 54 + 54,
  },
  {
    // calendar: edge and inner collapse into target → 4 checks × 1 × 3 cooldowns = 12; none 1
    name: 'calendar collapses edge and inner',
    space: {
      bands: { calendar: {}, none: {} },
      check: ['daily', 'weekly', 'monthly', 'quarterly'],
      mode: ['edge', 'inner'],
      depth: [0.3],
      cooldown: [0, 1, 2],
    },
    size: 12 + 1,
  },
  {
    // calendar keeps partial: (target 1 + partial 2) × 1 check = 3;
    // absolute 2 widths × (partial 2 + target 1) = 6
    name: 'calendar keeps partial',
    space: { bands: { calendar: {}, absolute: { width: [0.05, 0.1] } }, mode: ['partial', 'target'], fraction: [0.25, 0.5] },
    size: 3 + 6,
  },
  {
    // partial with f = 1 is target: absolute 1 width × 2 checks × (target + partial 0.5) = 4;
    // calendar 2 checks × (target + partial 0.5) = 4
    name: 'partial with fraction 1 merges into target',
    space: { bands: { absolute: { width: 0.1 }, calendar: {} }, check: ['weekly', 20], mode: ['target', 'partial'], fraction: [0.5, 1] },
    size: 4 + 4,
  },
  {
    // without target, partial 1 is distinct from edge on a band (absolute: 2 modes... edge 1 + partial 1 = 2);
    // on calendar edge becomes target and partial 1 is that same target: 1
    name: 'partial 1 beside edge',
    space: { bands: { absolute: { width: 0.1 }, calendar: {} }, mode: ['edge', 'partial'], fraction: [1] },
    size: 2 + 1,
  },
  {
    // every cost searched: 1 width × 1 check × 1 mode × 2·2·2·2 = 16
    name: 'every cost searched',
    space: { bands: { relative: { width: 0.25 } }, feeBps: [0, 1], halfSpreadBps: [0, 2], fixedFee: [0, 5], minTrade: [0, 1000] },
    size: 16,
  },
  {
    // choice lists work in a grid: 3 widths
    name: 'choice in a grid',
    space: { bands: { drift: { width: { dist: 'choice', values: [0.01, 0.02, 0.04] } } } },
    size: 3,
  },
  { name: 'one configuration', space: { bands: { absolute: { width: 0.05 } } }, size: 1 },
  { name: 'buy and hold only', space: { bands: { none: {} }, check: ['daily', 'weekly'], cooldown: [0, 3] }, size: 1 },
];

describe('grid size and order', () => {
  it('band types come in the order of the BANDS table', () => {
    expect(Object.keys(BANDS)).toEqual(['none', 'calendar', 'absolute', 'relative', 'hybrid', 'volatility', 'drift', 'risk']);
  });

  for (const { name, space, size } of CASES) {
    it(`${name}: ${size} configurations, decoded as the plain nested loops list them`, () => {
      const s = makeSpace(space, { kind: 'grid' }, COSTS);
      expect(s.size).toBe(size);
      const plain = plainGrid(Space.parse(space), COSTS);
      expect(plain.length).toBe(size);
      expect(allConfigs(s)).toEqual(plain);
    });
  }

  it('the first ids of the brief example, written out', () => {
    const s = makeSpace(EXAMPLE);
    const base = { cooldown: 0, feeBps: 0, halfSpreadBps: 0, fixedFee: 0, minTrade: 0 };
    const expected: Config[] = [
      { band: 'none', width: 0, check: 'weekly', mode: 'target', ...base }, // 0
      { band: 'calendar', width: 0, check: 'weekly', mode: 'target', ...base }, // 1
      { band: 'calendar', width: 0, check: 'monthly', mode: 'target', ...base }, // 2
      { band: 'absolute', width: 0.01, check: 'weekly', mode: 'target', ...base }, // 3
      { band: 'absolute', width: 0.01, check: 'weekly', mode: 'edge', ...base }, // 4
      { band: 'absolute', width: 0.01, check: 'weekly', mode: 'inner', depth: 0.25, ...base }, // 5
      { band: 'absolute', width: 0.01, check: 'weekly', mode: 'inner', depth: 0.5, ...base }, // 6
      { band: 'absolute', width: 0.01, check: 'monthly', mode: 'target', ...base }, // 7
      { band: 'absolute', width: 0.01, check: 'monthly', mode: 'edge', ...base }, // 8
      { band: 'absolute', width: 0.01, check: 'monthly', mode: 'inner', depth: 0.25, ...base }, // 9
      { band: 'absolute', width: 0.01, check: 'monthly', mode: 'inner', depth: 0.5, ...base }, // 10
      { band: 'absolute', width: 0.02, check: 'weekly', mode: 'target', ...base }, // 11
    ];
    expected.forEach((c, id) => expect(s.config(id), `id ${id}`).toEqual(c));
    // absolute takes ids 3..26 (24), relative starts at 27 and ends at 66
    expect(s.config(26)).toEqual({ band: 'absolute', width: 0.05, check: 'monthly', mode: 'inner', depth: 0.5, ...base });
    expect(s.config(27)).toEqual({ band: 'relative', width: 0.1, check: 'weekly', mode: 'target', ...base });
    expect(s.config(66)).toEqual({ band: 'relative', width: 0.5, check: 'monthly', mode: 'inner', depth: 0.5, ...base });
  });

  it('cooldown and costs vary fastest, in the order cooldown, feeBps, halfSpreadBps, fixedFee, minTrade', () => {
    const s = makeSpace({ bands: { absolute: { width: [0.1, 0.2] } }, cooldown: [0, 4], feeBps: [1, 2], minTrade: [0, 50] });
    const pick = (c: Config): number[] => [c.width, c.cooldown ?? -1, c.feeBps, c.minTrade];
    expect(allConfigs(s).map(pick)).toEqual([
      [0.1, 0, 1, 0],
      [0.1, 0, 1, 50],
      [0.1, 0, 2, 0],
      [0.1, 0, 2, 50],
      [0.1, 4, 1, 0],
      [0.1, 4, 1, 50],
      [0.1, 4, 2, 0],
      [0.1, 4, 2, 50],
      [0.2, 0, 1, 0],
      [0.2, 0, 1, 50],
      [0.2, 0, 2, 0],
      [0.2, 0, 2, 50],
      [0.2, 4, 1, 0],
      [0.2, 4, 1, 50],
      [0.2, 4, 2, 0],
      [0.2, 4, 2, 50],
    ]);
  });

  it('hybrid: width slower than relWidth; volatility: width slower than lookback, then check', () => {
    const h = makeSpace({ bands: { hybrid: { width: [0.05, 0.1], relWidth: [0.2, 0.3] } } });
    expect(allConfigs(h).map((c) => [c.width, c.relWidth])).toEqual([
      [0.05, 0.2],
      [0.05, 0.3],
      [0.1, 0.2],
      [0.1, 0.3],
    ]);
    const v = makeSpace({ bands: { volatility: { width: [1, 2], lookback: [20, 60] } }, check: ['weekly', 10] });
    expect(allConfigs(v).map((c) => [c.width, c.lookback, c.check])).toEqual([
      [1, 20, 'weekly'],
      [1, 20, 10],
      [1, 60, 'weekly'],
      [1, 60, 10],
      [2, 20, 'weekly'],
      [2, 20, 10],
      [2, 60, 'weekly'],
      [2, 60, 10],
    ]);
  });

  it('ids outside 0..size−1 are refused', () => {
    const s = makeSpace(EXAMPLE);
    for (const id of [-1, 67, 1.5, Number.NaN]) expect(() => s.config(id)).toThrow(RangeError);
  });
});

describe('every id is a valid, distinct configuration', () => {
  for (const { name, space } of CASES) {
    it(name, () => {
      const configs = allConfigs(makeSpace(space, { kind: 'grid' }, COSTS));
      for (const [id, c] of configs.entries()) expect(configProblems(c), `id ${id}: ${JSON.stringify(c)}`).toEqual([]);
      // brute force: the canonical forms of all ids are all different
      const seen = new Map<string, number>();
      for (const [id, c] of configs.entries()) {
        const key = canonical(c);
        expect(seen.has(key), `id ${id} repeats id ${seen.get(key)}: ${key}`).toBe(false);
        seen.set(key, id);
      }
    });
  }

  it('a large mixed space (every band, every mode): 1,393 ids, all valid and distinct', () => {
    const space: SpaceInput = {
      bands: {
        none: {},
        calendar: {},
        absolute: { width: [0.02, 0.05] },
        relative: { width: { from: 0.1, to: 0.3, step: 0.1 } },
        hybrid: { width: [0.05], relWidth: [0.2, 0.25] },
        volatility: { width: [1, 1.5], lookback: [20, 60] },
        drift: { width: [0.03] },
        risk: { width: [0.01, 0.02], lookback: [30] },
      },
      check: ['daily', 'monthly', 5],
      mode: ['target', 'edge', 'inner', 'partial'],
      depth: [0.5],
      fraction: [0.5, 1],
      cooldown: [0, 10],
      feeBps: [0, 10],
      fixedFee: [0, 1],
    };
    // per band: 3 checks × modes × 8 (cooldown 2 · feeBps 2 · fixedFee 2)
    // modes on a band: target, edge, inner 0.5, partial 0.5 (partial 1 is target) = 4 → 96 per band parameter set
    // parameter sets: absolute 2, relative 3, hybrid 2, volatility 4, drift 1, risk 2 = 14 → 1344
    // calendar: target, partial 0.5 = 2 → 3·2·8 = 48; none 1
    const s = makeSpace(space);
    expect(s.size).toBe(14 * 96 + 48 + 1);
    const configs = allConfigs(s);
    expect(configs).toEqual(plainGrid(Space.parse(space), { feeBps: 0, halfSpreadBps: 0, fixedFee: 0, minTrade: 0 }));
    for (const c of configs) expect(configProblems(c)).toEqual([]);
    expect(new Set(configs.map(canonical)).size).toBe(configs.length);
  });
});

describe('ranges', () => {
  const widths = (space: SpaceInput): number[] => [...new Set(allConfigs(makeSpace(space)).map((c) => c.width))];

  it('0.05..0.5 step 0.05 gives exactly ten values, inclusive of to, without float noise', () => {
    const w = widths({ bands: { relative: { width: { from: 0.05, to: 0.5, step: 0.05 } } } });
    expect(w).toEqual([0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5]);
    // 3·0.05 in floating point is 0.15000000000000002; the grid must hold the literal 0.15
    expect(0.05 + 2 * 0.05).not.toBe(0.15);
    expect(w[2]).toBe(0.15);
    expect(w).toEqual(plainRange(0.05, 0.5, 0.05));
  });

  it('0.1..0.3 step 0.1 ends at 0.3 (0.1 + 2·0.1 = 0.30000000000000004 in floating point)', () => {
    expect(widths({ bands: { absolute: { width: { from: 0.1, to: 0.3, step: 0.1 } } } })).toEqual([0.1, 0.2, 0.3]);
  });

  it('to off the step grid: the last value is the last step below it', () => {
    expect(widths({ bands: { absolute: { width: { from: 0.1, to: 0.45, step: 0.1 } } } })).toEqual([0.1, 0.2, 0.3, 0.4]);
  });

  it('from = to gives one value; integer ranges for lookback', () => {
    expect(widths({ bands: { absolute: { width: { from: 0.2, to: 0.2, step: 0.1 } } } })).toEqual([0.2]);
    const s = makeSpace({ bands: { risk: { width: 0.02, lookback: { from: 20, to: 60, step: 20 } } } });
    expect(allConfigs(s).map((c) => c.lookback)).toEqual([20, 40, 60]);
    expect(s.maxLookback).toBe(60);
  });

  it('to below from is an error naming .to', () => {
    const e = userErrorOf(() => makeSpace({ bands: { absolute: { width: { from: 0.3, to: 0.1, step: 0.1 } } } }));
    expect(e.message).toContain(`${FILE}: space.bands.absolute.width.to`);
    expect(e.message).toContain('0.1');
  });
});

describe('searched costs', () => {
  it('a searched cost dimension overrides the experiment costs; the others keep the experiment values', () => {
    const s = makeSpace({ bands: { absolute: { width: 0.05 } }, feeBps: [0, 10] }, { kind: 'grid' }, COSTS);
    expect(allConfigs(s).map((c) => [c.feeBps, c.halfSpreadBps, c.fixedFee, c.minTrade])).toEqual([
      [0, 2, 1, 100],
      [10, 2, 1, 100],
    ]);
    expect(s.searched).toEqual(['feeBps']);
  });

  it('unsearched, every configuration carries the experiment costs (none included)', () => {
    const s = makeSpace({ bands: { none: {}, drift: { width: [0.01, 0.02] } } }, { kind: 'grid' }, COSTS);
    for (const c of allConfigs(s)) expect([c.feeBps, c.halfSpreadBps, c.fixedFee, c.minTrade]).toEqual([5, 2, 1, 100]);
  });
});

describe('errors of a bad space name the file and the field', () => {
  const cases: { name: string; space: SpaceInput; where: string; also?: string[] }[] = [
    {
      name: 'inner without depth',
      space: { bands: { absolute: { width: 0.05 } }, mode: ['target', 'inner'] },
      where: 'space.depth',
      also: ['inner'],
    },
    { name: 'partial without fraction', space: { bands: { absolute: { width: 0.05 } }, mode: 'partial' }, where: 'space.fraction', also: ['partial'] },
    {
      name: 'a distribution in a grid',
      space: { bands: { absolute: { width: { dist: 'uniform', min: 0.01, max: 0.1 } } } },
      where: 'space.bands.absolute.width',
      also: ['uniform', 'grid', 'random'],
    },
    {
      name: 'an int distribution in a grid',
      space: { bands: { volatility: { width: 1, lookback: { dist: 'int', min: 10, max: 20 } } } },
      where: 'space.bands.volatility.lookback',
      also: ['grid'],
    },
    { name: 'absolute width above 1', space: { bands: { absolute: { width: [0.05, 1.5] } } }, where: 'space.bands.absolute.width[1]', also: ['1.5', '(0, 1]'] },
    {
      name: 'relative range from 0',
      space: { bands: { relative: { width: { from: 0, to: 0.5, step: 0.1 } } } },
      where: 'space.bands.relative.width.from',
      also: ['got 0'],
    },
    {
      name: 'depth 1 (must be below 1)',
      space: { bands: { drift: { width: 0.05 } }, mode: 'inner', depth: [0.5, 1] },
      where: 'space.depth[1]',
      also: ['got 1'],
    },
    { name: 'fraction 0', space: { bands: { drift: { width: 0.05 } }, mode: 'partial', fraction: 0 }, where: 'space.fraction[0]', also: ['got 0'] },
    { name: 'lookback 1', space: { bands: { risk: { width: 0.02, lookback: [1, 20] } } }, where: 'space.bands.risk.lookback[0]', also: ['got 1'] },
    { name: 'negative cooldown', space: { bands: { none: {} }, cooldown: -1 }, where: 'space.cooldown[0]', also: ['-1'] },
    { name: 'negative fee', space: { bands: { none: {} }, feeBps: [5, -5] }, where: 'space.feeBps[1]', also: ['-5'] },
    { name: 'a schedule listed twice', space: { bands: { none: {} }, check: ['monthly', 'monthly'] }, where: 'space.check', also: ['twice'] },
    { name: 'every 1 period beside daily (the same schedule)', space: { bands: { calendar: {} }, check: ['daily', 1] }, where: 'space.check', also: ['twice'] },
    {
      name: 'a fractional lookback inside an integer range',
      space: { bands: { volatility: { width: 1, lookback: { from: 10, to: 20, step: 2.5 } } } },
      where: 'space.bands.volatility.lookback',
      also: ['12.5'],
    },
    {
      name: 'a width listed twice',
      space: { bands: { absolute: { width: [0.05, 0.1, 0.05] } } },
      where: 'space.bands.absolute.width[2]',
      also: ['0.05', 'twice'],
    },
    {
      name: 'a choice value listed twice',
      space: { bands: { drift: { width: { dist: 'choice', values: [0.01, 0.01] } } } },
      where: 'space.bands.drift.width.values[1]',
      also: ['twice'],
    },
  ];
  for (const { name, space, where, also } of cases) {
    it(name, () => {
      const e = userErrorOf(() => makeSpace(space));
      expect(isUserError(e)).toBe(true);
      expect(e.message).toContain(`${FILE}: ${where}`);
      for (const s of also ?? []) expect(e.message).toContain(s);
    });
  }

  it('a grid over the limit (1,000 × 1,000 × 1,000 = 10⁹ > 10⁸) is refused, naming the size', () => {
    const thousand = (f: (i: number) => number): number[] => Array.from({ length: 1000 }, (_, i) => f(i));
    const e = userErrorOf(() =>
      makeSpace({
        bands: { absolute: { width: thousand((i) => (i + 1) / 1000) } },
        cooldown: thousand((i) => i),
        feeBps: thousand((i) => i),
      }),
    );
    expect(e.message).toContain(`${FILE}: space`);
    expect(e.message).toContain('1,000,000,000');
    expect(e.message).toContain('limit');
  });

  it('just under the limit is accepted without enumerating it', () => {
    // 1000 widths × 1000 cooldowns × 100 fees = 10⁸ exactly: allowed, and the last id decodes
    const s = makeSpace({
      bands: { absolute: { width: Array.from({ length: 1000 }, (_, i) => (i + 1) / 1000) } },
      cooldown: Array.from({ length: 1000 }, (_, i) => i),
      feeBps: Array.from({ length: 100 }, (_, i) => i),
    });
    expect(s.size).toBe(100_000_000);
    expect(s.config(s.size - 1)).toMatchObject({ band: 'absolute', width: 1, cooldown: 999, feeBps: 99 });
    // id = ((w·1000) + cd)·100 + fee with w, cd, fee the 0-based positions
    expect(s.config(123 * 100_000 + 456 * 100 + 78)).toMatchObject({ width: 0.124, cooldown: 456, feeBps: 78 });
  });
});
