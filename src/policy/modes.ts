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
  /** The mode's own parameter (its domain: policy/domains.ts), or null. */
  readonly param: 'depth' | 'fraction' | null;
  readonly label: (p: Policy) => string;
  /** The report's phrase, given the parameter's value (null when unknown) and the report's percent format. */
  readonly phrase: (x: number | null, pct: (x: number) => string) => string;
}

/**
 * One entry per mode. Adding a mode: an entry here (and in MODES, policy/types.ts) and its code in
 * modeScale below and kernel/generated.ts; the schema, the CLI and the report read this table.
 */
export const MODE_SPECS: { readonly [K in Mode]: ModeSpec } = {
  target: { code: 0, param: null, label: () => 'to target', phrase: () => 'trading back to target' },
  edge: { code: 1, param: null, label: () => 'to the band edge', phrase: () => 'trading to the edge' },
  inner: {
    code: 2,
    param: 'depth',
    label: (p) => `to ${+((p.depth ?? NaN) * 100).toPrecision(3)}% of the band`,
    phrase: (q, pct) => (q !== null ? `trading into the band (to ${pct(q)} of the way to the edge)` : 'trading into the band'),
  },
  partial: {
    code: 3,
    param: 'fraction',
    label: (p) => `${+((p.fraction ?? NaN) * 100).toPrecision(3)}% of the way to target`,
    phrase: (f, pct) => (f !== null ? `closing ${pct(f)} of the gap` : 'closing part of the gap'),
  },
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
