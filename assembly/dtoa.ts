// Number → ASCII exactly as JavaScript's String(x) writes it (ECMAScript Number::toString),
// into memory at a given address, with no string made. Built by `npm run build` into
// dist/results/dtoa.wasm; driven by src/results/dtoa.ts, which writes results.csv with it.
//
// The digits are the shortest that read back to x, the one closest to x when several are
// (round-half-even on a tie), found with Schubfach (R. Giulietti, "The Schubfach way to render
// doubles", 2020/2021): x = c·2^q is scaled by 10^(−k) with a 126-bit power of ten (g, from
// the BigInt-generated dtoa-table.ts), rounded to odd, and the rounding interval then holds at
// most one multiple of 10 (the candidate one digit shorter) and otherwise s or s + 1.
// Two changes from the Java original for JavaScript: a one-digit result is allowed (Java keeps
// two digits, e.g. 4.9E-324), and the layout is Number::toString's: plain digits for
// 1e-6 ≤ |x| < 1e21, else d.ddde±n; −0 prints 0. (AssemblyScript's own f64.toString is Grisu2,
// which is not always the shortest, so it is not used.)
//
// The caller guarantees x is finite and 64 writable bytes at the address it passes (a number
// takes at most 25; digits are copied in 8-byte words, which may write a little past its end).

import { G, K_MIN } from './dtoa-table';

const Q_MIN: i32 = -1074;
const C_MIN: u64 = 1 << 52;
const T_MASK: u64 = C_MIN - 1;
const MASK_63: u64 = 0x7fffffffffffffff;

// "00" "01" … "99", then a 64-byte scratch area where digits are written right to left
const DIGITS: usize = memory.data(200);
const SCRATCH: usize = memory.data(64);
const SCRATCH_END: usize = SCRATCH + 40;
for (let i: u32 = 0; i < 100; i++) {
  store<u8>(DIGITS + (i << 1), 48 + i / 10);
  store<u8>(DIGITS + (i << 1) + 1, 48 + (i % 10));
}

// the decimal found by toDecimal: F·10^E
let F: u64 = 0;
let E: i32 = 0;

/** ⌊a·b / 2^64⌋. */
// @ts-ignore: decorator
@inline
function mulHigh(a: u64, b: u64): u64 {
  const a0 = a & 0xffffffff;
  const a1 = a >> 32;
  const b0 = b & 0xffffffff;
  const b1 = b >> 32;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const mid = ((a0 * b0) >> 32) + (p01 & 0xffffffff) + (p10 & 0xffffffff);
  return a1 * b1 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

// ⌊q·log10(2)⌋, ⌊q·log10(3/4·2)⌋ (i.e. of 3/4·2^q), ⌊e·log2(10)⌋ for the exponents that occur
// @ts-ignore: decorator
@inline
function flog10pow2(q: i32): i32 {
  return <i32>((<i64>q * 661971961083) >> 41);
}
// @ts-ignore: decorator
@inline
function flog10threeQuartersPow2(q: i32): i32 {
  return <i32>((<i64>q * 661971961083 - 274743187321) >> 41);
}
// @ts-ignore: decorator
@inline
function flog2pow10(e: i32): i32 {
  return <i32>((<i64>e * 913124641741) >> 38);
}

/** ⌊g·cp / 2^127⌋, with its lowest bit set when the division is inexact (round to odd). */
// @ts-ignore: decorator
@inline
function rop(g1: u64, g0: u64, cp: u64): u64 {
  const x1 = mulHigh(g0, cp);
  const y0 = g1 * cp;
  const y1 = mulHigh(g1, cp);
  const z = (y0 >> 1) + x1;
  const vbp = y1 + (z >> 63);
  return vbp | (((z & MASK_63) + MASK_63) >> 63);
}

/** The shortest decimal F·10^E in the rounding interval of c·2^q (closest to it, ties to even). */
function toDecimal(q: i32, c: u64): void {
  const out: u64 = c & 1; // an odd c excludes the interval's ends (round half even on reading)
  const cb = c << 2;
  const cbr = cb + 2;
  let cbl: u64;
  let k: i32;
  if (c != C_MIN || q == Q_MIN) {
    cbl = cb - 2;
    k = flog10pow2(q);
  } else {
    // the power of two at the bottom of a binade: the gap below is half the gap above
    cbl = cb - 1;
    k = flog10threeQuartersPow2(q);
  }
  const h = q + flog2pow10(-k) + 2;
  const i = (k - K_MIN) << 1;
  const g1 = unchecked(G[i]);
  const g0 = unchecked(G[i + 1]);
  const vb = rop(g1, g0, cb << h);
  const vbl = rop(g1, g0, cbl << h);
  const vbr = rop(g1, g0, cbr << h);
  const s = vb >> 2;
  // one digit fewer: the interval is narrower than 10 units of s, so it holds at most one
  // multiple of 10 (Java requires s ≥ 100 here, to keep two digits; JavaScript does not)
  const sp10 = 10 * mulHigh(s, 1844674407370955168); // 10·⌊s / 10⌋ (2^64 / 10, rounded up)
  const tp10 = sp10 + 10;
  const upin = vbl + out <= sp10 << 2;
  const wpin = (tp10 << 2) + out <= vbr;
  if (upin != wpin) {
    F = upin ? sp10 : tp10;
    E = k;
    return;
  }
  const t = s + 1;
  const uin = vbl + out <= s << 2;
  const win = (t << 2) + out <= vbr;
  if (uin != win) {
    F = uin ? s : t;
    E = k;
    return;
  }
  // both in: the closer one, the even one on a tie
  const cmp = <i64>(vb - ((s + t) << 1));
  F = cmp < 0 || (cmp == 0 && (s & 1) == 0) ? s : t;
  E = k;
}

/** The decimal digits of f (< 10^17) written to end before `end`; returns where they start. */
function digitsBefore(f: u64, end: usize): usize {
  let p = end;
  while (f >= 100000000) {
    const q = f / 100000000;
    const r = <u32>(f - q * 100000000);
    f = q;
    const hi = r / 10000;
    const lo = r - hi * 10000;
    store<u16>(p - 2, load<u16>(DIGITS + ((lo % 100) << 1)));
    store<u16>(p - 4, load<u16>(DIGITS + ((lo / 100) << 1)));
    store<u16>(p - 6, load<u16>(DIGITS + ((hi % 100) << 1)));
    store<u16>(p - 8, load<u16>(DIGITS + ((hi / 100) << 1)));
    p -= 8;
  }
  let r = <u32>f;
  while (r >= 100) {
    const q = r / 100;
    store<u16>(p - 2, load<u16>(DIGITS + ((r - q * 100) << 1)));
    r = q;
    p -= 2;
  }
  if (r >= 10) {
    store<u16>(p - 2, load<u16>(DIGITS + (r << 1)));
    return p - 2;
  }
  store<u8>(p - 1, 48 + r);
  return p - 1;
}

/** Copy up to 24 bytes (all of a number's digits) in three words; writes 24 bytes at dst. */
// @ts-ignore: decorator
@inline
function copy24(dst: usize, src: usize): void {
  store<u64>(dst, load<u64>(src));
  store<u64>(dst, load<u64>(src, 8), 8);
  store<u64>(dst, load<u64>(src, 16), 16);
}

/** F·10^E laid out as Number::toString does; returns the end. */
function layout(f: u64, e: i32, p: usize): usize {
  let end = SCRATCH_END;
  const b = digitsBefore(f, end);
  while (load<u8>(end - 1) == 48) {
    end--;
    e++;
  }
  const len = <i32>(end - b);
  const n = len + e; // x = 0.d1d2…dlen · 10^n
  if (len <= n && n <= 21) {
    copy24(p, b);
    p += len;
    for (let z = len; z < n; z++) store<u8>(p++, 48);
    return p;
  }
  if (0 < n && n <= 21) {
    copy24(p, b);
    store<u8>(p + n, 46);
    copy24(p + n + 1, b + n);
    return p + len + 1;
  }
  if (-6 < n && n <= 0) {
    store<u16>(p, 0x2e30); // "0."
    p += 2;
    for (let z = n; z < 0; z++) store<u8>(p++, 48);
    copy24(p, b);
    return p + len;
  }
  store<u8>(p, load<u8>(b));
  p++;
  if (len > 1) {
    store<u8>(p, 46);
    copy24(p + 1, b + 1);
    p += len;
  }
  let x = n - 1;
  store<u8>(p, 101); // e
  store<u8>(p + 1, x < 0 ? 45 : 43);
  p += 2;
  if (x < 0) x = -x;
  if (x >= 100) {
    store<u8>(p, 48 + x / 100);
    x %= 100;
    store<u16>(p + 1, load<u16>(DIGITS + (x << 1)));
    return p + 3;
  }
  if (x >= 10) {
    store<u16>(p, load<u16>(DIGITS + (x << 1)));
    return p + 2;
  }
  store<u8>(p, 48 + x);
  return p + 1;
}

/** Write String(x) of a finite x at p; returns the address after the last byte. */
export function fmt(x: f64, p: usize): usize {
  const bits = reinterpret<u64>(x);
  const t = bits & T_MASK;
  const bq = <i32>(bits >> 52) & 0x7ff;
  if (bq == 0 && t == 0) {
    store<u8>(p, 48); // 0 and −0
    return p + 1;
  }
  if (bits >> 63) store<u8>(p++, 45);
  if (bq != 0) {
    const mq = 1075 - bq; // x = c·2^(−mq)
    const c = C_MIN | t;
    if (0 < mq && mq < 53) {
      const f = c >> mq;
      if (f << mq == c) {
        // an integer below 2^53: its digits, plain
        const b = digitsBefore(f, SCRATCH_END);
        copy24(p, b);
        return p + (SCRATCH_END - b);
      }
    }
    toDecimal(-mq, c);
  } else if (t < 3) {
    // the two smallest subnormals (Schubfach's "tiny" case): 5e-324 and 1e-323
    F = t == 1 ? 5 : 1;
    E = t == 1 ? -324 : -323;
  } else {
    toDecimal(Q_MIN, t);
  }
  return layout(F, E, p);
}

/** Where the caller's memory may start: past this module's own data. */
export function heapBase(): usize {
  return (__heap_base + 63) & ~63;
}
