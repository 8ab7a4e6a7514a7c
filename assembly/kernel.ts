// The SIMD kernel (AssemblyScript → WebAssembly SIMD): four configurations of the same kind
// (band kind, mode, check schedule, lookback) per pass over the prices, in two groups of two
// f64x2 lanes. Built by `npm run build` into dist/kernel/simd.wasm; driven by
// src/kernel/simd.ts, which lays out the memory and turns the totals written here into the
// metrics.
//
// Each lane performs exactly the IEEE operations of the generated JS kernel
// (src/kernel/generated.ts) and of its pass over the values (pathPass in kernel/backtest.ts),
// in the same order, so every lane's results are bit-identical to the JS kernel's: branches
// become lane masks (v128.bitselect keeps the old value where a lane does not take the
// branch), sums start at +0 and add in asset order, |x| is f64x2.abs (the JS uses Math.abs),
// |V| for the drift is f64x2.abs(V) where the JS writes V < 0 ? −V : V: the same number, since V
// is never −0 (a sum that starts at +0, or V − cost) and a NaN stays a NaN. Issue 16's
// border-tie rule as in the JS: a rebalance whose Σ|w' − w| ≤ TRADE_EPS is no rebalance (no
// event, no cost, no turnover, no cooldown reset), except for the calendar baseline.
// Check rows: the quiet test (src/kernel/quiet.ts) ends a row where no lane can trigger without
// the weights' divisions; the exact test, as in the JS, runs only where a lane may trigger.
//
// Why two groups: a day's value V = Σ h_i·P_i and drift sum are chains of dependent adds (the
// order is fixed by bit-identity); two independent groups in the same day loop give the CPU
// two chains to overlap.
//
// Memory is raw: the caller passes byte offsets.
//   P      f64[T·N]   prices, row-major           W   f64[N]   targets
//   VOL    f64[T·N]   σ table (volatility band)   BR  f64[T]   benchmark returns r^b_t
//   checks i32[]      check rows ascending, then T (the sentinel)
//   G0, G1            one block per lane group, laid out by blockLayout below (v128 each):
//                     H[N] X[N] D[N] WT[N] B[N] BQ[N] PRM[8] ST[6] OUT[16] VALS[T] DRIFT[T]
//                     (BQ: the quiet thresholds b_i·(1 − m) − m of a static band, m = QUIET_MARGIN)

import { segment, segCi, checkUnrolled, valuePass } from './segments';
import { QUIET_MARGIN, QUIET_MIN_VALUE, TRADE_EPS } from './constants';

const PRM_V0: i32 = 0;
const PRM_K: i32 = 1;
const PRM_MODE: i32 = 2;
const PRM_RATE: i32 = 3;
const PRM_FIXED: i32 = 4;
const PRM_MIN_TRADE: i32 = 5;
const PRM_COOLDOWN: i32 = 6;
const PRM_MIN_WIDTH: i32 = 7;
// ST: running state of a group
const ST_LAST: i32 = 0;
const ST_EVENTS: i32 = 1;
const ST_TURN: i32 = 2;
const ST_COST: i32 = 3;
const ST_COST_TOTAL: i32 = 4;
const ST_ASSET_TRADES: i32 = 5;

// band kinds
const BAND_NONE: i32 = 0;
const BAND_CALENDAR: i32 = 1;
const BAND_STATIC: i32 = 2;
const BAND_VOL: i32 = 3;
const BAND_DRIFT: i32 = 4;
// modes
const MODE_TARGET: i32 = 0;
const MODE_EDGE: i32 = 1;
const MODE_INNER: i32 = 2;


@inline function ld(base: usize, i: i32): v128 {
  return v128.load(base + (<usize>i << 4));
}
@inline function st(base: usize, i: i32, v: v128): void {
  v128.store(base + (<usize>i << 4), v);
}
@inline function sp(base: usize, i: i32): v128 {
  return v128.load64_splat(base + (<usize>i << 3));
}
@inline function sel(a: v128, b: v128, m: v128): v128 {
  return v128.bitselect(a, b, m);
}


/**
 * The interface version of this module: the meaning of run's arguments and of the PRM, ST and
 * OUT slots. src/kernel/simd.ts refuses a module of another version (a stale dist/ from an older
 * build) and runs the JS kernel instead; change both together.
 */
export function abi(): i32 {
  return 4;
}

/** Byte offsets of a group block's B, PRM and OUT areas for N assets (the driver reads them here). */
export function offB(N: i32): i32 {
  return <i32>oB(N);
}
export function offPRM(N: i32): i32 {
  return <i32>oPRM(N);
}
export function offOUT(N: i32): i32 {
  return <i32>oOUT(N);
}

/** Bytes of one group block for N assets and T rows. */
export function blockBytes(N: i32, T: i32): i32 {
  return (6 * N + 8 + 6 + 16 + 2 * T) * 16;
}

// block offsets in bytes, from N and T (locals, not globals: V8 reloads a wasm global on every use)
@inline function oX(N: i32): usize { return <usize>N << 4; }
@inline function oD(N: i32): usize { return <usize>N << 5; }
@inline function oWT(N: i32): usize { return (<usize>N << 4) * 3; }
@inline function oB(N: i32): usize { return <usize>N << 6; }
@inline function oBQ(N: i32): usize { return (<usize>N << 4) * 5; }
@inline function oPRM(N: i32): usize { return (<usize>N << 4) * 6; }
@inline function oST(N: i32): usize { return oPRM(N) + 8 * 16; }
@inline function oOUT(N: i32): usize { return oST(N) + 6 * 16; }
@inline function oVALS(N: i32): usize { return oOUT(N) + 16 * 16; }
@inline function oDRIFT(N: i32, T: i32): usize { return oVALS(N) + (<usize>T << 4); }

/** V_t = Σ h_i·P_i,t (X_i = h_i·P_i,t kept); returns V. */
@inline function dayValue(G: usize, X: usize, P: usize, row: i32, N: i32): v128 {
  let v = f64x2.splat(0);
  for (let i = 0; i < N; i++) {
    const a = f64x2.mul(ld(G, i), sp(P, row + i));
    st(X, i, a);
    v = f64x2.add(v, a);
  }
  return v;
}

/** Σ|X_i − w*_i·V|. */
@inline function daySpread(X: usize, W: usize, V: v128, N: i32): v128 {
  let ds = f64x2.splat(0);
  for (let i = 0; i < N; i++) ds = f64x2.add(ds, f64x2.abs(f64x2.sub(ld(X, i), f64x2.mul(sp(W, i), V))));
  return ds;
}

@inline function dayEnd(VALS: usize, DRIFT: usize, t: i32, V: v128, ds: v128): void {
  st(VALS, t, V);
  st(DRIFT, t, f64x2.div(f64x2.mul(f64x2.splat(0.5), ds), f64x2.abs(V)));
}

/** A check row of one group: the day, then the check (band test, mode, costs, cooldown). */
function checkDay(G: usize, P: usize, W: usize, VOL: usize, t: i32, N: i32, T: i32, band: i32, mode: i32): void {
  const zero = f64x2.splat(0);
  const one = f64x2.splat(1);
  const half = f64x2.splat(0.5);
  const row = t * N;
  const X = G + oX(N);
  const Dv = G + oD(N);
  const WT = G + oWT(N);
  const B = G + oB(N);
  let V = dayValue(G, X, P, row, N);
  let ds = daySpread(X, W, V, N);
  const PRM = G + oPRM(N);
  const ST = G + oST(N);
  let lastTrade = ld(ST, ST_LAST);
  const tt = f64x2.splat(<f64>t);
  const ok = v128.or(f64x2.lt(lastTrade, zero), f64x2.gt(f64x2.sub(tt, lastTrade), ld(PRM, PRM_COOLDOWN)));
  // The quiet check (src/kernel/quiet.ts): when no lane can trigger, which is known without a
  // division per asset, the row ends here; otherwise the exact test below decides.
  if (band != BAND_CALENDAR && v128.any_true(ok)) {
    const m = f64x2.splat(QUIET_MARGIN);
    let maybe = zero;
    // e + m·(V + b·V) < b·V  ⇔  e < (b·(1 − m) − m)·V: the threshold bq = b·(1 − m) − m
    if (band == BAND_STATIC || band == BAND_VOL) {
      const k = ld(PRM, PRM_K);
      const minW = ld(PRM, PRM_MIN_WIDTH);
      const BQ = G + oBQ(N);
      const m1 = f64x2.sub(one, m);
      for (let i = 0; i < N; i++) {
        const e = f64x2.abs(f64x2.sub(ld(X, i), f64x2.mul(sp(W, i), V)));
        const bq = band == BAND_STATIC ? ld(BQ, i) : f64x2.sub(f64x2.mul(f64x2.max(minW, f64x2.mul(f64x2.mul(k, sp(VOL, row + i)), sp(W, i))), m1), m);
        maybe = v128.or(maybe, v128.not(f64x2.lt(e, f64x2.mul(bq, V))));
      }
    } else if (band == BAND_DRIFT) {
      // ½·Σe + N·m·(V + k·V) < k·V  ⇔  ½·Σe < (k·(1 − N·m) − N·m)·V
      const mN = f64x2.splat(QUIET_MARGIN * <f64>N);
      const kq = f64x2.sub(f64x2.mul(ld(PRM, PRM_K), f64x2.sub(one, mN)), mN);
      maybe = v128.not(f64x2.lt(f64x2.mul(half, ds), f64x2.mul(kq, V)));
    }
    // a row is quiet only where V > QUIET_MIN_VALUE (the thresholds assume it; else the exact test)
    maybe = v128.or(maybe, v128.not(f64x2.gt(V, f64x2.splat(QUIET_MIN_VALUE))));
    if (!v128.any_true(v128.and(maybe, ok))) {
      dayEnd(G + oVALS(N), G + oDRIFT(N, T), t, V, ds);
      return;
    }
  }
  if (v128.any_true(ok)) {
    for (let i = 0; i < N; i++) {
      const w = f64x2.div(ld(X, i), V);
      st(WT, i, w);
      st(Dv, i, f64x2.sub(w, sp(W, i)));
    }
    const k = ld(PRM, PRM_K);
    let trig = zero; // a lane mask
    let s = zero;
    if (band == BAND_CALENDAR) {
      trig = f64x2.eq(zero, zero);
    } else if (band == BAND_STATIC || band == BAND_VOL) {
      const needS = mode == MODE_EDGE || mode == MODE_INNER;
      s = one;
      for (let i = 0; i < N; i++) {
        const e = f64x2.abs(ld(Dv, i));
        // volatility: b_i = max(minWidth, k·σ_i,t·w*_i) (f64x2.max is Math.max: NaN wins, +0 > −0)
        const b = band == BAND_STATIC ? ld(B, i) : f64x2.max(ld(PRM, PRM_MIN_WIDTH), f64x2.mul(f64x2.mul(k, sp(VOL, row + i)), sp(W, i)));
        trig = v128.or(trig, f64x2.gt(e, b));
        if (needS) {
          const q = f64x2.div(b, e);
          s = sel(q, s, v128.and(f64x2.gt(e, zero), f64x2.lt(q, s)));
        }
      }
    } else if (band == BAND_DRIFT) {
      let dd = zero;
      for (let i = 0; i < N; i++) dd = f64x2.add(dd, f64x2.abs(ld(Dv, i)));
      dd = f64x2.mul(dd, half);
      trig = f64x2.gt(dd, k);
      s = f64x2.div(k, dd);
    }
    trig = v128.and(trig, ok);
    if (v128.any_true(trig)) {
      const modeParam = ld(PRM, PRM_MODE);
      const scale = mode == MODE_TARGET ? zero : mode == MODE_EDGE ? s : mode == MODE_INNER ? f64x2.mul(modeParam, s) : f64x2.sub(one, modeParam);
      const eps = f64x2.splat(TRADE_EPS);
      let sumAbs = zero;
      let nTraded = zero;
      for (let i = 0; i < N; i++) {
        const x = f64x2.add(sp(W, i), f64x2.mul(scale, ld(Dv, i)));
        const l = f64x2.abs(f64x2.sub(x, ld(WT, i)));
        sumAbs = f64x2.add(sumAbs, l);
        nTraded = f64x2.add(nTraded, v128.and(f64x2.gt(l, eps), one));
      }
      const Q = f64x2.mul(V, sumAbs);
      // trade where triggered, !(Q < minTrade) and !(Σ|w' − w| ≤ TRADE_EPS) as in the JS (so NaN trades)
      // (the calendar baseline keeps its zero-turnover checks as events: interpretation 15)
      let tr = v128.andnot(trig, f64x2.lt(Q, ld(PRM, PRM_MIN_TRADE)));
      if (band != BAND_CALENDAR) tr = v128.andnot(tr, f64x2.le(sumAbs, eps));
      if (v128.any_true(tr)) {
        const cost = f64x2.add(f64x2.mul(Q, ld(PRM, PRM_RATE)), f64x2.mul(ld(PRM, PRM_FIXED), nTraded));
        const costSum = ld(ST, ST_COST);
        st(ST, ST_COST, sel(f64x2.add(costSum, f64x2.div(cost, V)), costSum, tr));
        const turn = ld(ST, ST_TURN);
        st(ST, ST_TURN, sel(f64x2.add(turn, f64x2.mul(half, sumAbs)), turn, tr));
        const events = ld(ST, ST_EVENTS);
        st(ST, ST_EVENTS, sel(f64x2.add(events, one), events, tr));
        const costTotal = ld(ST, ST_COST_TOTAL);
        st(ST, ST_COST_TOTAL, sel(f64x2.add(costTotal, cost), costTotal, tr));
        const assetTrades = ld(ST, ST_ASSET_TRADES);
        st(ST, ST_ASSET_TRADES, sel(f64x2.add(assetTrades, nTraded), assetTrades, tr));
        const Vp = f64x2.sub(V, cost);
        for (let i = 0; i < N; i++) {
          const x = f64x2.add(sp(W, i), f64x2.mul(scale, ld(Dv, i)));
          st(G, i, sel(f64x2.div(f64x2.mul(x, Vp), sp(P, row + i)), ld(G, i), tr));
        }
        V = sel(Vp, V, tr);
        let ds2 = zero;
        for (let i = 0; i < N; i++) {
          ds2 = f64x2.add(ds2, f64x2.abs(f64x2.sub(f64x2.mul(ld(G, i), sp(P, row + i)), f64x2.mul(sp(W, i), V))));
        }
        ds = sel(ds2, ds, tr);
        st(ST, ST_LAST, sel(tt, lastTrade, tr));
      }
    }
  }
  dayEnd(G + oVALS(N), G + oDRIFT(N, T), t, V, ds);
}

/** pathPass of one group (kernel/backtest.ts; the loop in segments.ts), totals to OUT. */
function groupPass(G: usize, BR: usize, start: i32, T: i32, N: i32, rfp: f64): void {
  const OUT = G + oOUT(N);
  const ST = G + oST(N);
  valuePass(G + oVALS(N), G + oDRIFT(N, T), BR, OUT, start, T, rfp);
  st(OUT, 0, ld(ST, ST_EVENTS));
  st(OUT, 1, ld(ST, ST_TURN));
  st(OUT, 2, ld(ST, ST_COST));
  st(OUT, 12, ld(G + oVALS(N), T - 1));
  st(OUT, 13, ld(ST, ST_COST_TOTAL));
  st(OUT, 14, ld(ST, ST_ASSET_TRADES));
}

function init(G: usize, P: usize, W: usize, start: i32, N: i32): void {
  const V0 = ld(G + oPRM(N), PRM_V0);
  // the quiet thresholds of a static band (used by band kind 2 only)
  const m = f64x2.splat(QUIET_MARGIN);
  const m1 = f64x2.sub(f64x2.splat(1), m);
  for (let i = 0; i < N; i++) st(G + oBQ(N), i, f64x2.sub(f64x2.mul(ld(G + oB(N), i), m1), m));
  // h_i = (w*_i·V0)/P_i,start
  for (let i = 0; i < N; i++) st(G, i, f64x2.div(f64x2.mul(sp(W, i), V0), sp(P, start * N + i)));
  const ST = G + oST(N);
  st(ST, ST_LAST, f64x2.splat(-1));
  st(ST, ST_EVENTS, f64x2.splat(0));
  st(ST, ST_TURN, f64x2.splat(0));
  st(ST, ST_COST, f64x2.splat(0));
  st(ST, ST_COST_TOTAL, f64x2.splat(0));
  st(ST, ST_ASSET_TRADES, f64x2.splat(0));
  st(G + oVALS(N), start, V0);
}

/** Run the four configurations of blocks G0 and G1 over [start, T). */
export function run(
  P: usize, W: usize, VOL: usize, checks: usize, BR: usize, G0: usize, G1: usize,
  start: i32, T: i32, N: i32, band: i32, mode: i32, rfp: f64,
): void {
  init(G0, P, W, start, N);
  init(G1, P, W, start, N);
  const X0 = G0 + oX(N);
  const X1 = G1 + oX(N);
  const VALS0 = G0 + oVALS(N);
  const VALS1 = G1 + oVALS(N);
  const DRIFT0 = G0 + oDRIFT(N, T);
  const DRIFT1 = G1 + oDRIFT(N, T);
  let ci = 0;
  let next = band == BAND_NONE ? T : load<i32>(checks);
  let t = start + 1;
  for (;;) {
    // the days up to the next check row that is not quiet, the two groups side by side, in
    // registers (N ≤ MAX_UNROLLED; the quiet test of checkDay on the check rows on the way)
    const s = segment(N, band, G0, G1, P, W, VOL, checks, VALS0, DRIFT0, VALS1, DRIFT1, G0 + oBQ(N), G1 + oBQ(N), G0 + oPRM(N), G1 + oPRM(N), G0 + oST(N), G1 + oST(N), t, T, ci, next);
    if (s >= 0) {
      t = s;
      ci = segCi;
      next = band == BAND_NONE ? T : load<i32>(checks + (<usize>ci << 2));
    }
    for (; t < next; t++) {
      const row = t * N;
      const V0 = dayValue(G0, X0, P, row, N);
      const V1 = dayValue(G1, X1, P, row, N);
      dayEnd(VALS0, DRIFT0, t, V0, daySpread(X0, W, V0, N));
      dayEnd(VALS1, DRIFT1, t, V1, daySpread(X1, W, V1, N));
    }
    if (t >= T) break;
    // the exact check: both groups at once, unrolled (N ≤ MAX_UNROLLED: it takes the row's value and
    // drift the segment stored before stopping here), else one group at a time
    if (
      s < 0 ||
      !checkUnrolled(N, G0, G1, P, W, VOL, t, band, mode,
        VALS0, DRIFT0, G0 + oB(N), G0 + oPRM(N), G0 + oST(N), G0 + oD(N), G0 + oWT(N),
        VALS1, DRIFT1, G1 + oB(N), G1 + oPRM(N), G1 + oST(N), G1 + oD(N), G1 + oWT(N))
    ) {
      checkDay(G0, P, W, VOL, t, N, T, band, mode);
      checkDay(G1, P, W, VOL, t, N, T, band, mode);
    }
    ci++;
    next = load<i32>(checks + (<usize>ci << 2));
    t++;
  }
  groupPass(G0, BR, start, T, N, rfp);
  groupPass(G1, BR, start, T, N, rfp);
}
