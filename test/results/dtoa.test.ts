/**
 * The results.csv number formatter (results/dtoa.ts over dist/results/dtoa.wasm, built by
 * `npm run build`) must write exactly the bytes of `String(x)` for every finite double. The
 * oracle is `String(x)` itself (V8's Number::toString), independent of the Schubfach code under
 * test. Inputs: random bit patterns (every exponent), short decimals as people and metrics write
 * them, integers, powers of 2 and 10, the edges of the plain/exponent layouts (1e-7, 1e-6,
 * 1e21), subnormals, the extremes, and values whose shortest form needs 16 or 17 digits.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileDtoa, NUMBER_ROOM, numberFormatter, type NumberFormatter } from '../../src/results/dtoa.js';

/** xorshift128+ on two 32-bit halves: reproducible bit patterns. */
function rng(seed: number): () => number {
  let a = seed >>> 0 || 1;
  let b = (seed * 2654435761) >>> 0 || 2;
  return () => {
    const t = a ^ (a << 11);
    a = b;
    b = (b ^ (b >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    return b;
  };
}

const BYTES = 1 << 16;

/** Every finite x that differs from String(x), with what was written (at most 10). */
function mismatches(f: NumberFormatter, xs: Iterable<number>): { x: string; got: string }[] {
  const bad: { x: string; got: string }[] = [];
  for (const x of xs) {
    if (!Number.isFinite(x)) continue; // the writer leaves these cells empty
    const end = f.put(x, f.start);
    expect(end - f.start).toBeLessThanOrEqual(NUMBER_ROOM);
    const got = f.buf.toString('latin1', f.start, end);
    if (got !== String(x) && bad.length < 10) bad.push({ x: String(x), got });
  }
  return bad;
}

function* randomBits(n: number, seed: number): Generator<number> {
  const next = rng(seed);
  const dv = new DataView(new ArrayBuffer(8));
  for (let i = 0; i < n; ) {
    dv.setUint32(0, next());
    dv.setUint32(4, next());
    const x = dv.getFloat64(0);
    if (!Number.isFinite(x)) continue;
    i++;
    yield x;
  }
}

function* shortDecimals(n: number, seed: number): Generator<number> {
  const next = rng(seed);
  for (let i = 0; i < n; i++) {
    const digits = 1 + (next() % 9);
    const d = next() % 10 ** Math.min(digits, 9);
    const e = (next() % 640) - 330;
    const sign = next() & 1 ? '-' : '';
    yield Number(`${sign}${d}e${e}`);
    // k·10^e computed in floating point (not exactly a short decimal), as metrics are
    yield (d / 10 ** (next() % 12)) * (next() & 1 ? 1 : -1);
  }
}

describe('the number formatter writes String(x)', () => {
  const f = numberFormatter(BYTES);

  it('is built (dist/results/dtoa.wasm; run npm run build)', () => {
    expect(f.wasm).toBe(true);
  });

  it('on hand-picked values: zeros, layouts, boundaries, extremes', () => {
    const xs = [
      0,
      -0,
      1,
      -1,
      0.1,
      0.2,
      0.3,
      0.1 + 0.2,
      1 / 3,
      2 / 3,
      123.456,
      -123.456,
      4.35,
      1e-7,
      1.5e-7,
      1e-6 * (1 - Number.EPSILON),
      1e-6,
      1.0000000000000002e-6,
      0.000001234,
      1e20,
      123456789012345680000,
      1e21,
      1.0000000000000001e21,
      999999999999999900000,
      1e22,
      1e23,
      2 ** 53,
      2 ** 53 + 2,
      2 ** 53 - 1,
      -(2 ** 53 + 2),
      2 ** 63,
      2 ** 64,
      2 ** -1022,
      2 ** -1074,
      Number.MIN_VALUE,
      -Number.MIN_VALUE,
      2 * Number.MIN_VALUE,
      3 * Number.MIN_VALUE,
      10 * Number.MIN_VALUE,
      2.2250738585072014e-308,
      2.225073858507201e-308,
      Number.MAX_VALUE,
      -Number.MAX_VALUE,
      Number.MAX_SAFE_INTEGER,
      Number.EPSILON,
      Math.PI,
      Math.E,
      1.7976931348623157e308,
      5e-324,
      1e308,
      1e-308,
    ];
    // a few worked out by hand from Number::toString's rules
    const byHand: [number, string][] = [
      [-0, '0'],
      [0.1, '0.1'],
      [1e-7, '1e-7'],
      [1.5e-7, '1.5e-7'],
      [1e-6, '0.000001'],
      [1e20, '100000000000000000000'],
      [1e21, '1e+21'],
      [Number.MIN_VALUE, '5e-324'],
      [Number.MAX_VALUE, '1.7976931348623157e+308'],
      [0.1 + 0.2, '0.30000000000000004'],
      [2 ** 53 + 2, '9007199254740994'],
    ];
    for (const [x, s] of byHand) expect(f.buf.toString('latin1', f.start, f.put(x, f.start))).toBe(s);
    expect(mismatches(f, xs)).toEqual([]);
  });

  it('on 200,000 random bit patterns', () => {
    expect(mismatches(f, randomBits(200_000, 12))).toEqual([]);
  });

  it('on short decimals k·10^e (1–9 digits, every exponent) and their floating-point products', () => {
    expect(mismatches(f, shortDecimals(50_000, 7))).toEqual([]);
  });

  it('on integers, powers of 2 and 10, and their neighbours', () => {
    const xs: number[] = [];
    for (let i = -1000; i <= 1000; i++) xs.push(i);
    for (let e = -1074; e <= 1023; e++) {
      const p = 2 ** e;
      xs.push(p, -p, p * (1 + Number.EPSILON), p * (1 - Number.EPSILON / 2));
    }
    for (let e = -323; e <= 308; e++) {
      const p = Number(`1e${e}`);
      xs.push(p, p * (1 + Number.EPSILON), p * (1 - Number.EPSILON / 2), Number(`9.999999999999999e${e}`));
    }
    const next = rng(3);
    for (let i = 0; i < 20_000; i++) xs.push(next() * 2 ** 21 + next(), -(next() % 1_000_000));
    expect(mismatches(f, xs)).toEqual([]);
  });

  it('around the layout boundaries 1e-7, 1e-6 and 1e21', () => {
    const xs: number[] = [];
    for (const b of [1e-7, 1e-6, 1e21]) {
      let lo = b;
      let hi = b;
      for (let i = 0; i < 2000; i++) {
        lo -= Math.max(Number.MIN_VALUE, Math.abs(lo) * Number.EPSILON * 0.5);
        hi += Math.abs(hi) * Number.EPSILON * 0.5;
        xs.push(lo, hi);
      }
      for (let i = 1; i <= 1000; i++) xs.push(b * (1 - i / 1e4), b * (1 + i / 1e4));
    }
    expect(mismatches(f, xs)).toEqual([]);
  });

  it('on subnormals, the smallest normals and the largest values', () => {
    const xs: number[] = [];
    for (let t = 1; t <= 5000; t++) xs.push(t * Number.MIN_VALUE);
    const next = rng(5);
    for (let i = 0; i < 20_000; i++) xs.push((next() * 2 ** 20 + next()) * Number.MIN_VALUE);
    for (let i = 0; i < 2000; i++) xs.push(2 ** -1022 + i * Number.MIN_VALUE, 2 ** -1022 - (i + 1) * Number.MIN_VALUE);
    let m = Number.MAX_VALUE;
    for (let i = 0; i < 2000; i++) {
      xs.push(m, -m);
      m -= 2 ** 970;
    }
    expect(mismatches(f, xs)).toEqual([]);
  });

  it('on values whose shortest form has 16 and 17 digits', () => {
    const xs: number[] = [];
    const next = rng(9);
    let n16 = 0;
    let n17 = 0;
    while (n16 < 5000 || n17 < 5000) {
      const x = (next() / 2 ** 32 + next() / 2 ** 64) * 10 ** ((next() % 40) - 20);
      const digits = String(x).replace(/e.*$/, '').replace(/[-.]/g, '').replace(/^0+/, '').length;
      if (digits === 16 && n16 < 5000) n16++;
      else if (digits === 17 && n17 < 5000) n17++;
      else continue;
      xs.push(x);
    }
    // e.g. 0.1 + 0.2 = 0.30000000000000004 (17 digits)
    expect(mismatches(f, xs)).toEqual([]);
  });

  it('writes numbers one after another at the positions it returns', () => {
    const xs = [1, -2.5, 1e-7, 0.30000000000000004, 123456789, 5e-324, 1e21];
    let p = f.start;
    for (const x of xs) {
      p = f.put(x, p);
      f.buf[p++] = 44;
    }
    expect(f.buf.toString('latin1', f.start, p)).toBe('1,-2.5,1e-7,0.30000000000000004,123456789,5e-324,1e+21,');
  });
});

describe('without the wasm file', () => {
  it('String(x) writes the same bytes into a plain Buffer', () => {
    const f = numberFormatter(BYTES, null);
    expect(f.wasm).toBe(false);
    expect(mismatches(f, randomBits(2000, 1))).toEqual([]);
    expect(f.buf.toString('latin1', 0, f.put(-0, 0))).toBe('0');
  });

  it('a formatter module that writes other bytes (a stale build) is refused: the fallback, with a warning', () => {
    // a hand-written module with the formatter's exports whose fmt writes nothing (returns pos):
    // (memory 1) (func heapBase (result i32) i32.const 0) (func fmt (param f64 i32) (result i32) local.get 1)
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rl-dtoa-'));
    const file = path.join(dir, 'dtoa.wasm');
    const name = (s: string): number[] => [s.length, ...Buffer.from(s, 'latin1')];
    const exports = [3, ...name('memory'), 2, 0, ...name('heapBase'), 0, 0, ...name('fmt'), 0, 1];
    writeFileSync(
      file,
      Buffer.from([
        ...[0, 0x61, 0x73, 0x6d, 1, 0, 0, 0],
        ...[1, 11, 2, 0x60, 0, 1, 0x7f, 0x60, 2, 0x7c, 0x7f, 1, 0x7f],
        ...[3, 3, 2, 0, 1],
        ...[5, 3, 1, 0, 1],
        ...[7, exports.length, ...exports],
        ...[10, 11, 2, 4, 0, 0x41, 0, 0x0b, 4, 0, 0x20, 1, 0x0b],
      ]),
    );
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.message);
    process.on('warning', onWarning);
    const mod = compileDtoa(file);
    expect(mod).not.toBeNull(); // it compiles: only writing numbers shows it is wrong
    const f = numberFormatter(BYTES, mod);
    expect(f.wasm).toBe(false);
    expect(f.buf.toString('latin1', 0, f.put(1e21, 0))).toBe('1e+21');
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        process.off('warning', onWarning);
        expect(warnings.some((w) => w.includes('unlike String(x)'))).toBe(true);
        resolve();
      }),
    );
  });

  it('a truncated wasm file (an interrupted build) means the fallback, with a warning, not a crash', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rl-dtoa-'));
    const bad = path.join(dir, 'dtoa.wasm');
    // the wasm magic and version, then a type section that claims more bytes than there are
    writeFileSync(bad, Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 0x7f]));
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.message);
    process.on('warning', onWarning);
    const mod = compileDtoa(bad);
    expect(mod).toBeNull();
    const f = numberFormatter(BYTES, mod);
    expect(f.wasm).toBe(false);
    expect(f.buf.toString('latin1', 0, f.put(0.1, 0))).toBe('0.1');
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        process.off('warning', onWarning);
        expect(warnings.some((w) => w.includes('dtoa.wasm') && w.includes('String(x)'))).toBe(true);
        resolve();
      }),
    );
  });
});
