/**
 * Rebalance modes (design §3): where a triggered rebalance trades to.
 * With s the largest scale in [0,1] that puts w* + s·(w − w*) inside the no-trade region:
 *   target:  w' = w*                       (scale 0)
 *   edge:    w' = w* + s·(w − w*)          (scale s)
 *   inner:   w' = w* + q·s·(w − w*)        (scale q·s)
 *   partial: w' = w + f·(w* − w) = w* + (1 − f)·(w − w*)   (scale 1 − f, independent of s)
 * Every mode is "move along the line to target", so one scale number describes it.
 */
import type { Mode, Policy } from './types.js';

export interface ModeSpec {
  readonly code: number;
  readonly label: (p: Policy) => string;
}

export const MODE_SPECS: { readonly [K in Mode]: ModeSpec } = {
  target: { code: 0, label: () => 'to target' },
  edge: { code: 1, label: () => 'to the band edge' },
  inner: { code: 2, label: (p) => `to ${+((p.depth ?? NaN) * 100).toPrecision(3)}% of the band` },
  partial: { code: 3, label: (p) => `${+((p.fraction ?? NaN) * 100).toPrecision(3)}% of the way to target` },
};

/** The scale applied to (w − w*) given s, for a mode code and its parameter (q or f). */
export function modeScale(modeCode: number, param: number, s: number): number {
  switch (modeCode) {
    case 0:
      return 0;
    case 1:
      return s;
    case 2:
      return param * s;
    default:
      return 1 - param;
  }
}
