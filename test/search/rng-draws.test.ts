/**
 * The per-id draw helpers of search/rng.ts give uniform() and halton() exactly, for any seed and
 * id; ParameterSpace.bandMode agrees with config(id).
 */
import { describe, expect, it } from 'vitest';
import { HaltonDraws, halton, UniformDraws, uniform } from '../../src/search/rng.js';
import type { BandType, Mode } from '../../src/policy/types.js';
import { makeSpace, mulberry32, type SpaceInput } from './helpers.js';

describe('UniformDraws and HaltonDraws', () => {
  it('UniformDraws.u(j) after at(k) is uniform(seed, k, j), bit for bit (ids past 2^32 included)', () => {
    const rnd = mulberry32(3);
    for (const seed of [0, 1, 42, 2 ** 31, 2 ** 32 - 1]) {
      const d = new UniformDraws(seed);
      for (let t = 0; t < 300; t++) {
        const k = t < 200 ? Math.floor(rnd() * 2 ** 21) : Math.floor(rnd() * 2 ** 40);
        d.at(k);
        for (const j of [0, 1, 5, 16, 24, 31]) expect(Object.is(d.u(j), uniform(seed, k, j)), `seed ${seed} k ${k} j ${j}`).toBe(true);
      }
    }
  });

  it('HaltonDraws.u(j) after at(k) is halton(seed, k, j); a dimension past the 25th is refused as halton refuses it', () => {
    const rnd = mulberry32(4);
    for (const seed of [1, 7, 12345]) {
      const d = new HaltonDraws(seed);
      for (let t = 0; t < 200; t++) {
        const k = Math.floor(rnd() * 2 ** 24);
        d.at(k);
        for (let j = 0; j < 25; j++) expect(Object.is(d.u(j), halton(seed, k, j)), `seed ${seed} k ${k} j ${j}`).toBe(true);
      }
      expect(() => d.u(25)).toThrow(RangeError);
      expect(() => halton(seed, 0, 25)).toThrow(RangeError);
    }
  });
});

describe('ParameterSpace.bandMode', () => {
  const space: SpaceInput = {
    bands: {
      absolute: { width: { dist: 'uniform', min: 0.01, max: 0.1 } },
      volatility: { width: [0.5, 1], lookback: [20, 60] },
      calendar: {},
      none: {},
    },
    check: ['daily', 'monthly'],
    mode: ['target', 'edge', 'inner', 'partial'],
    depth: { dist: 'uniform', min: 0.1, max: 0.9 },
    fraction: [0.5, 1],
    cooldown: [0, 5],
  };
  const grid: SpaceInput = {
    bands: { absolute: { width: [0.01, 0.05] }, calendar: {}, none: {} },
    check: ['daily', 'monthly'],
    mode: ['target', 'partial'],
    fraction: [0.5, 1],
  };

  it('is the band type and mode of config(id), for random, halton and grid searches, with and without flow modes', () => {
    const spaces = [
      makeSpace(space, { kind: 'random', samples: 3000, seed: 9 }),
      makeSpace(space, { kind: 'halton', samples: 3000, seed: 9 }),
      makeSpace({ ...space, flowMode: ['pro-rata', 'rebalance'] }, { kind: 'random', samples: 3000, seed: 2 }),
      makeSpace(grid),
    ];
    for (const s of spaces) {
      const out: { band: BandType; mode: Mode } = { band: 'none', mode: 'target' };
      const seen = new Set<string>();
      for (let id = 0; id < s.size; id++) {
        s.bandMode(id, out);
        const c = s.config(id);
        expect([out.band, out.mode], `${s.kind} id ${id}`).toEqual([c.band, c.mode]);
        seen.add(`${c.band}/${c.mode}`);
      }
      // every band and mode came up, calendar and none included
      expect(seen.size).toBeGreaterThanOrEqual(s.kind === 'grid' ? 4 : 10);
    }
  });
});

describe('ParameterSpace configurations start from the default costs', () => {
  it('as a spread of them would: same fields, same values, same order, whatever order the costs come in', () => {
    const space: SpaceInput = {
      bands: { absolute: { width: [0.05] }, hybrid: { width: [0.05], relWidth: [0.2] } },
      check: 'monthly',
      mode: ['target', 'inner'],
      depth: [0.5],
    };
    const inOrder = { feeBps: 5, halfSpreadBps: 3, fixedFee: 1, minTrade: 100 };
    const shuffled = { minTrade: 100, fixedFee: 1, feeBps: 5, halfSpreadBps: 3 };
    for (const costs of [inOrder, shuffled]) {
      const s = makeSpace(space, { kind: 'grid' }, costs);
      for (let id = 0; id < s.size; id++) {
        const c = s.config(id);
        const expected = { band: c.band, width: 0, check: 'monthly', mode: 'target', cooldown: 0, ...costs };
        expect(Object.keys(c).slice(0, 9), `id ${id}`).toEqual(Object.keys(expected));
        expect(Object.fromEntries(Object.entries(c).slice(5, 9))).toEqual(costs);
      }
    }
  });
});
