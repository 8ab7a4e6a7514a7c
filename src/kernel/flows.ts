/**
 * The flow step of the kernel (docs/flows-and-taxes.md), shared by the readable day loop and
 * the generated kernels (which call it on flow rows), so both compute the same numbers bit for
 * bit. O(N) per pass, no allocation: it works on the caller's typed arrays.
 *
 * On a flow row t, after the prices moved (V = Σ h_i·P_i) and before the check:
 *   F = abs_t + pct_t·V                      (the flow; > 0 contribution, < 0 withdrawal)
 *   cost C = |F|·c + fixedFee·n              (n = assets the flow trades; c = (fee + half spread)/1e4)
 *   V' = V + F − C                           (a contribution invests F − C, a withdrawal sells |F| + C)
 *   pro-rata:  h_i += w*_i·(F − C)/P_i       (n = number of assets)
 *   rebalance: the flow goes to the assets furthest from target first ("water filling"): with
 *     V₁ = V + F − |F|·c and d_i = h_i·P_i/V₁ − w*_i, a contribution buys x_i = (L − d_i)⁺·V₁
 *     with L such that Σ x_i = F − |F|·c (it lifts the most underweight assets to a common
 *     deviation L); a withdrawal sells x_i = (d_i − L)⁺·V₁ with Σ x_i = |F| + |F|·c. The fixed
 *     fee of the n assets traded is then taken from (contribution) or added to (withdrawal) the
 *     trades in proportion. If a sale would exceed a holding, the flow is taken pro rata.
 * A flow with |F| ≤ 1e-12·V (TRADE_EPS, the shared tie rule) is no flow.
 * V' ≤ 0 is an error naming the date. The check that follows sees the post-flow holdings: the
 * band trades only if it still breaches.
 */
import { UserError } from '../errors.js';
import { TRADE_EPS } from '../policy/costs.js';

/** Slots of the flow accumulator (KernelContext.flowAcc). */
export const FA_COST = 0; // Σ C/V (joins costDrag)
export const FA_REBAL = 1; // Σ max(0, D_before − D_after): drift removed by flows
export const FA_TWR = 2; // the time-weighted index at the window end (written by the day loop / path pass)
export const FA_SLOTS = 3;

/**
 * Apply the flow of row t to the holdings h (length ≥ N) at prices P[row..row+N); returns V'.
 * fl[t] receives F. x: N scratch. acc: FA_* slots.
 */
export function applyFlow(
  h: Float64Array,
  P: Float64Array,
  row: number,
  N: number,
  W: Float64Array,
  V: number,
  t: number,
  abs: Float64Array,
  pct: Float64Array,
  fl: Float64Array,
  rebalance: boolean,
  cRate: number,
  fixedFee: number,
  x: Float64Array,
  acc: Float64Array,
  dates: readonly string[],
): number {
  const F0 = abs[t] + pct[t] * V;
  const aF = F0 < 0 ? -F0 : F0;
  // the shared tie rule (issue 16): a flow of at most TRADE_EPS·V is no flow (no cost, no trade)
  if (!(aF > TRADE_EPS * V)) {
    fl[t] = 0;
    return V;
  }
  const F = F0;
  fl[t] = F;
  let Dpre = 0;
  for (let i = 0; i < N; i++) {
    const e = (h[i] * P[row + i]) / V - W[i];
    Dpre += e < 0 ? -e : e;
  }
  let C = 0;
  let Vn = 0;
  let done = false;
  if (rebalance) {
    const V1 = V + F - aF * cRate;
    if (V1 > 0) {
      // d_i = h_i·P_i/V₁ − w*_i; the active set starts as every asset (x_i = 1), and assets on
      // the wrong side of the level L leave it until none does
      const f = (F - aF * cRate) / V1;
      const contrib = F > 0;
      for (let i = 0; i < N; i++) x[i] = 1;
      let L = 0;
      let empty = false;
      for (let pass = 0; pass < N; pass++) {
        let S = 0;
        let k = 0;
        for (let i = 0; i < N; i++)
          if (x[i] === 1) {
            S += (h[i] * P[row + i]) / V1 - W[i];
            k++;
          }
        if (k === 0) {
          empty = true;
          break;
        }
        L = (f + S) / k;
        let dropped = false;
        for (let i = 0; i < N; i++) {
          if (x[i] !== 1) continue;
          const d = (h[i] * P[row + i]) / V1 - W[i];
          if (contrib ? d >= L : d <= L) {
            x[i] = 0;
            dropped = true;
          }
        }
        if (!dropped) break;
      }
      // trades in currency, the fixed fee of the assets traded, and a feasibility check
      let n = 0;
      let tot = 0;
      let ok = !empty;
      for (let i = 0; i < N; i++) {
        const a = h[i] * P[row + i];
        const q = x[i] === 1 ? (L - (a / V1 - W[i])) * V1 : 0; // > 0 buy, < 0 sell
        x[i] = q;
        const m = q < 0 ? -q : q;
        if (m > TRADE_EPS * V) n++;
        tot += m;
      }
      const fee = fixedFee * n;
      const scale = tot > 0 ? (contrib ? (tot - fee) / tot : (tot + fee) / tot) : 0;
      if (ok && (!contrib || tot > fee)) {
        for (let i = 0; i < N; i++) if (-x[i] * scale > h[i] * P[row + i]) ok = false;
      }
      if (ok && (!contrib || tot > fee)) {
        C = aF * cRate + fee;
        Vn = V + F - C;
        if (!(Vn > 0)) throw belowZero(dates[t], F, V);
        for (let i = 0; i < N; i++) h[i] += (x[i] * scale) / P[row + i];
        done = true;
      }
    }
  }
  if (!done) {
    C = aF * cRate + fixedFee * N;
    Vn = V + F - C;
    if (!(Vn > 0)) throw belowZero(dates[t], F, V);
    const net = F - C;
    for (let i = 0; i < N; i++) h[i] += (W[i] * net) / P[row + i];
  }
  let Dpost = 0;
  for (let i = 0; i < N; i++) {
    const e = (h[i] * P[row + i]) / Vn - W[i];
    Dpost += e < 0 ? -e : e;
  }
  acc[FA_COST] += C / V;
  const dr = 0.5 * (Dpre - Dpost);
  if (dr > 0) acc[FA_REBAL] += dr;
  return Vn;
}

function belowZero(date: string, F: number, V: number): UserError {
  return new UserError(
    `flows: the flow of ${+F.toPrecision(10)} on ${date} takes the portfolio value (${+V.toPrecision(10)} before it) to zero or below; make the withdrawals smaller, or end them earlier`,
  );
}

const NPV_D = new Float64Array(1);

/**
 * Money-weighted return: the annual rate r with NPV(r) = −V₀ − Σ F_t·(1 + r)^(−τ_t) + V_end·(1 + r)^(−τ_end) = 0,
 * τ = (t − start)/ppy years. Newton's method on the log growth ρ = ln(1 + r), falling back to
 * bisection on ρ ∈ [−20, 20]; NaN when no root exists in that range.
 */
export function moneyWeightedReturn(V0: number, vEnd: number, rows: Int32Array, fl: Float64Array, start: number, T: number, ppy: number): number {
  const tauEnd = (T - 1 - start) / ppy;
  const npv = (rho: number, out: Float64Array | null): number => {
    // NPV and its derivative in ρ
    let v = -V0;
    let dv = 0;
    const eEnd = Math.exp(-rho * tauEnd);
    v += vEnd * eEnd;
    dv -= tauEnd * vEnd * eEnd;
    for (let k = 0; rows[k] < T; k++) {
      const t = rows[k];
      const tau = (t - start) / ppy;
      const e = Math.exp(-rho * tau);
      v -= fl[t] * e;
      dv += tau * fl[t] * e;
    }
    if (out) out[0] = dv;
    return v;
  };
  const d = NPV_D;
  let rho = Math.log(Math.max(1e-9, vEnd / V0)) / Math.max(tauEnd, 1e-12);
  if (!Number.isFinite(rho)) rho = 0;
  // Newton converges quadratically: stop once a step is below 1e-14 (rounding then stalls it),
  // or when a small step no longer shrinks (the root is as exact as doubles allow)
  let last = Infinity;
  for (let it = 0; it < 60; it++) {
    const v = npv(rho, d);
    if (v === 0) return Math.expm1(rho);
    const step = v / d[0];
    if (!Number.isFinite(step)) break;
    const a = Math.abs(step);
    if (a < 1e-9 && a >= last) return Math.expm1(rho);
    rho -= step;
    if (a < 1e-14) return Math.expm1(rho);
    last = a;
  }
  let lo = -20;
  let hi = 20;
  let flo = npv(lo, null);
  if (Math.sign(flo) === Math.sign(npv(hi, null))) return NaN;
  for (let it = 0; it < 200; it++) {
    const mid = 0.5 * (lo + hi);
    const fm = npv(mid, null);
    if (Math.sign(fm) === Math.sign(flo)) {
      lo = mid;
      flo = fm;
    } else hi = mid;
  }
  return Math.expm1(0.5 * (lo + hi));
}
