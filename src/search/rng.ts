/**
 * Counter-based uniform numbers: u(seed, k, j) depends only on its arguments, so draw k of
 * any sampler can be made without making draws 0..k−1 (shards and resume reproduce it).
 */

/** A 32-bit avalanche mix (lowbias32, Chris Wellons' hash prospector). */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

function hash(seed: number, k: number, j: number, salt: number): number {
  const lo = k >>> 0;
  const hi = Math.floor(k / 4294967296) >>> 0;
  let h = mix32((seed ^ salt) >>> 0);
  h = mix32((h + lo) >>> 0);
  h = mix32((h ^ hi) >>> 0);
  return mix32((h + Math.imul(j + 1, 0x9e3779b9)) >>> 0);
}

const SALT_A = 0x243f6a88;
const SALT_B = 0x85a308d3;

/** A uniform number in [0, 1) with 53 random bits, from (seed, k, j). */
export function uniform(seed: number, k: number, j: number): number {
  const a = hash(seed, k, j, SALT_A) >>> 5; // 27 bits
  const b = hash(seed, k, j, SALT_B) >>> 6; // 26 bits
  return (a * 67108864 + b) / 9007199254740992;
}

/**
 * `uniform(seed, k, j)` for many j of one k at a time: the hashes' steps that depend only on
 * (seed, k) are done once per k (`at`), so each draw costs two mixes rather than eight. Same
 * numbers, bit for bit.
 */
export class UniformDraws {
  private readonly sa: number;
  private readonly sb: number;
  private ha = 0;
  private hb = 0;
  constructor(seed: number) {
    this.sa = mix32((seed ^ SALT_A) >>> 0);
    this.sb = mix32((seed ^ SALT_B) >>> 0);
  }
  /** Draws of `k` from now on. */
  at(k: number): void {
    const lo = k >>> 0;
    const hi = Math.floor(k / 4294967296) >>> 0;
    this.ha = mix32((mix32((this.sa + lo) >>> 0) ^ hi) >>> 0);
    this.hb = mix32((mix32((this.sb + lo) >>> 0) ^ hi) >>> 0);
  }
  /** uniform(seed, k, j) of the current k. */
  u(j: number): number {
    const step = Math.imul(j + 1, 0x9e3779b9);
    const a = mix32((this.ha + step) >>> 0) >>> 5;
    const b = mix32((this.hb + step) >>> 0) >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }
}

const PRIMES = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97];

/** Radical inverse of n in base b (the Halton coordinate). */
export function radicalInverse(n: number, b: number): number {
  let f = 1;
  let r = 0;
  while (n > 0) {
    f /= b;
    r += f * (n % b);
    n = Math.floor(n / b);
  }
  return r;
}

/**
 * Point k of a Halton sequence in dimension j, randomly shifted (Cranley–Patterson rotation)
 * by a shift that depends only on (seed, j): low-discrepancy and still a function of (seed, k).
 */
export function halton(seed: number, k: number, j: number): number {
  if (j >= PRIMES.length) throw new RangeError(`halton supports ${PRIMES.length} dimensions`);
  const x = radicalInverse(k + 1, PRIMES[j]) + uniform(seed, 0x7fffffff, j);
  return x >= 1 ? x - 1 : x;
}

/** `halton(seed, k, j)` for many j of one k at a time, with each dimension's shift made once. Same numbers. */
export class HaltonDraws {
  private readonly shift: Float64Array;
  private k1 = 1;
  constructor(seed: number) {
    this.shift = Float64Array.from(PRIMES, (_, j) => uniform(seed, 0x7fffffff, j));
  }
  /** Draws of `k` from now on. */
  at(k: number): void {
    this.k1 = k + 1;
  }
  /** halton(seed, k, j) of the current k. */
  u(j: number): number {
    if (j >= PRIMES.length) throw new RangeError(`halton supports ${PRIMES.length} dimensions`);
    const x = radicalInverse(this.k1, PRIMES[j]) + this.shift[j];
    return x >= 1 ? x - 1 : x;
  }
}
