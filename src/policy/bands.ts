/**
 * Band types (design §3): the no-trade region around the targets.
 *
 * One table entry per band type. `scope` says how it breaches:
 *  - 'asset': per-asset half-widths b_i, breach when any |w_i − w*_i| > b_i
 *  - 'portfolio': a portfolio statistic (drift D or tracking error TE) above a threshold
 *  - 'always' (calendar) / 'never' (none): baselines
 * Adding a band type: one entry here and its branch in kernel/backtest.ts.
 */
import type { BandType, Policy } from './types.js';

export interface BandSpec {
  readonly code: number;
  readonly scope: 'asset' | 'portfolio' | 'always' | 'never';
  /** Meaning of `width`, for help texts and errors. */
  readonly widthMeaning: string;
  /** Open/closed domain of `width` as text, and its test. */
  readonly widthDomain: string;
  readonly widthOk: (x: number) => boolean;
  readonly usesLookback: boolean;
  readonly usesRelWidth: boolean;
  /** Short human label of a policy's band, e.g. "relative 25%". */
  readonly label: (p: Policy) => string;
}

const pct = (x: number): string => `${+(x * 100).toPrecision(6)}%`;
const inUnit = (x: number): boolean => Number.isFinite(x) && x > 0 && x <= 1;
const positive = (x: number): boolean => Number.isFinite(x) && x > 0;

export const BANDS: { readonly [K in BandType]: BandSpec } = {
  none: {
    code: 0, scope: 'never', widthMeaning: 'unused', widthDomain: 'any', widthOk: () => true,
    usesLookback: false, usesRelWidth: false, label: () => 'buy and hold',
  },
  calendar: {
    code: 1, scope: 'always', widthMeaning: 'unused', widthDomain: 'any', widthOk: () => true,
    usesLookback: false, usesRelWidth: false, label: () => 'calendar',
  },
  absolute: {
    code: 2, scope: 'asset', widthMeaning: 'a: b_i = a (weight points)', widthDomain: '(0, 1]', widthOk: inUnit,
    usesLookback: false, usesRelWidth: false, label: (p) => `absolute ±${pct(p.width)}`,
  },
  relative: {
    code: 3, scope: 'asset', widthMeaning: 'r: b_i = r·w*_i', widthDomain: '(0, 10]',
    widthOk: (x) => positive(x) && x <= 10,
    usesLookback: false, usesRelWidth: false, label: (p) => `relative ±${pct(p.width)} of target`,
  },
  hybrid: {
    code: 4, scope: 'asset', widthMeaning: 'a: b_i = min(a, r·w*_i), with relWidth r', widthDomain: '(0, 1]', widthOk: inUnit,
    usesLookback: false, usesRelWidth: true,
    label: (p) => `hybrid min(±${pct(p.width)}, ±${pct(p.relWidth ?? NaN)} of target)`,
  },
  volatility: {
    code: 5, scope: 'asset', widthMeaning: 'k: b_i = k·σ_i·w*_i (σ annualized)', widthDomain: '(0, 100]',
    widthOk: (x) => positive(x) && x <= 100,
    usesLookback: true, usesRelWidth: false,
    label: (p) => `volatility k=${p.width} over ${p.lookback}${p.minWidth ? `, at least ±${pct(p.minWidth)}` : ''}`,
  },
  drift: {
    code: 6, scope: 'portfolio', widthMeaning: 'd: trade when ½·Σ|w_i − w*_i| > d', widthDomain: '(0, 1]', widthOk: inUnit,
    usesLookback: false, usesRelWidth: false, label: (p) => `portfolio drift > ${pct(p.width)}`,
  },
  risk: {
    code: 7, scope: 'portfolio', widthMeaning: 'τ: trade when ex-ante tracking error > τ (annualized)', widthDomain: '(0, 1]',
    widthOk: inUnit, usesLookback: true, usesRelWidth: false,
    label: (p) => `tracking error > ${pct(p.width)} over ${p.lookback}`,
  },
};

export const BAND_BY_CODE: readonly BandType[] = (Object.keys(BANDS) as BandType[]).sort(
  (a, b) => BANDS[a].code - BANDS[b].code,
);

/** Static per-asset half-widths for absolute/relative/hybrid; null for time-varying or non-asset bands. */
export function staticHalfWidths(p: Policy, targets: ArrayLike<number>, out: Float64Array): boolean {
  const n = targets.length;
  switch (p.band) {
    case 'absolute':
      for (let i = 0; i < n; i++) out[i] = p.width;
      return true;
    case 'relative':
      for (let i = 0; i < n; i++) out[i] = p.width * targets[i];
      return true;
    case 'hybrid': {
      const r = p.relWidth ?? NaN;
      for (let i = 0; i < n; i++) out[i] = Math.min(p.width, r * targets[i]);
      return true;
    }
    default:
      return false;
  }
}
