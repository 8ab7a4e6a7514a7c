/**
 * Capital-gains tax (docs/flows-and-taxes.md): average-cost basis per asset (no lots, so no
 * short-term rate), a rate on the net realised gains of each calendar year, losses carried
 * forward, the tax paid at the year's last close from the portfolio by a pro-rata sale (costed).
 * O(N) per trade, no allocation: the caller keeps the holdings before a trade in hPrev.
 * Only the readable day loop runs it (a context with tax never uses the generated kernels).
 */
import { UserError } from '../errors.js';
import { TRADE_EPS } from '../policy/costs.js';

/** Slots of KernelContext.taxAcc. */
export const TX_GAIN = 0; // realised gain of the current year (can be < 0)
export const TX_LOSS = 1; // loss carried forward (≥ 0)
export const TX_FRAC = 2; // Σ tax/V (→ taxPaid)
export const TX_COST = 3; // Σ cost of the tax sales / V (joins costDrag)
export const TX_SLOTS = 4;

/**
 * After a trade on row `row` (prices P[row..row+N)): units h against hPrev before it. A buy adds
 * Δ·P to the basis; a sell realises Δ·(P − B/h_before) and removes Δ·B/h_before from it.
 */
export function settleTrades(h: Float64Array, hPrev: Float64Array, basis: Float64Array, P: Float64Array, row: number, N: number, acc: Float64Array): void {
  for (let i = 0; i < N; i++) {
    const d = h[i] - hPrev[i];
    if (d > 0) basis[i] += d * P[row + i];
    else if (d < 0) {
      const avg = hPrev[i] > 0 ? basis[i] / hPrev[i] : 0;
      acc[TX_GAIN] += -d * (P[row + i] - avg);
      basis[i] -= -d * avg;
    }
  }
}

/**
 * The year end: net = gain − carried loss; tax = rate·net when net > 0 (the carried loss is used
 * up), else the loss carries forward. The tax (if more than TRADE_EPS·V) is paid by selling the
 * fraction φ = (tax + fixedFee·N)/(V·(1 − c)) of every holding; that sale's gains count in the
 * new year. Returns the value after it.
 */
export function payTax(
  h: Float64Array,
  hPrev: Float64Array,
  basis: Float64Array,
  P: Float64Array,
  row: number,
  N: number,
  V: number,
  rate: number,
  cRate: number,
  fixedFee: number,
  acc: Float64Array,
  date: string,
): number {
  const net = acc[TX_GAIN] - acc[TX_LOSS];
  acc[TX_GAIN] = 0;
  if (!(net > 0)) {
    acc[TX_LOSS] = -net;
    return V;
  }
  acc[TX_LOSS] = 0;
  const tax = rate * net;
  if (!(tax > TRADE_EPS * V)) return V;
  const phi = (tax + fixedFee * N) / (V * (1 - cRate));
  if (!(phi < 1)) throw new UserError(`tax: the tax of ${+tax.toPrecision(10)} due on ${date} is more than the portfolio (${+V.toPrecision(10)}) can pay`);
  for (let i = 0; i < N; i++) {
    hPrev[i] = h[i];
    h[i] = h[i] * (1 - phi);
  }
  settleTrades(h, hPrev, basis, P, row, N, acc);
  acc[TX_FRAC] += tax / V;
  acc[TX_COST] += (phi * V * cRate + fixedFee * N) / V;
  return V * (1 - phi);
}
