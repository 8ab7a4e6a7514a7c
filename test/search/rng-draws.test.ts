/** The per-id draw helpers of search/rng.ts give uniform() and halton() exactly, for any seed and id. */
import { describe, expect, it } from 'vitest';
import { HaltonDraws, halton, UniformDraws, uniform } from '../../src/search/rng.js';
import { mulberry32 } from './helpers.js';

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
