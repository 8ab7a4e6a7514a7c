/**
 * Band types (design §3): the no-trade region around the targets.
 *
 * One table entry per band type. `scope` says how it breaches:
 *  - 'asset': per-asset half-widths b_i, breach when any |w_i − w*_i| > b_i
 *  - 'portfolio': a portfolio statistic (drift D or tracking error TE) above a threshold
 *  - 'always' (calendar) / 'never' (none): baselines
 * Adding a band type: one entry here (and in BAND_PARAMS) and its code in kernel/backtest.ts and
 * kernel/generated.ts; the experiment schema, the CLI, descriptions and the report read this table.
 */
import type { BandType, Policy } from './types.js';

/** The searchable parameters of a band, besides check, mode and cooldown. */
export type BandParam = 'width' | 'relWidth' | 'lookback' | 'minWidth';

/** Which parameters each band type takes (the experiment schema's `space.bands.<type>` fields). */
export const BAND_PARAMS = {
  none: [],
  calendar: [],
  absolute: ['width'],
  relative: ['width'],
  hybrid: ['width', 'relWidth'],
  volatility: ['width', 'lookback', 'minWidth'],
  drift: ['width'],
  risk: ['width', 'lookback'],
} as const satisfies { readonly [K in BandType]: readonly BandParam[] };

/** A band's parameters as a report row has them (null where absent), and the report's number formats. */
export interface BandWords {
  width: number | null;
  relWidth: number | null;
  lookback: number | null;
  pct: (x: number) => string;
  num: (x: number) => string;
}

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
  /** The report's phrase for the band, e.g. "relative band 22%" (src/report/format.ts describeConfig). */
  readonly phrase: (w: BandWords) => string;
}

const lb = (w: BandWords): string => (w.lookback !== null ? `, lookback ${w.lookback}` : '');

/** usesLookback / usesRelWidth of a band, from BAND_PARAMS. */
const uses = (b: BandType): { usesLookback: boolean; usesRelWidth: boolean } => ({
  usesLookback: (BAND_PARAMS[b] as readonly BandParam[]).includes('lookback'),
  usesRelWidth: (BAND_PARAMS[b] as readonly BandParam[]).includes('relWidth'),
});

/** Three significant digits: what a person compares (results.csv keeps full precision). */
const pct = (x: number): string => `${+(x * 100).toPrecision(3)}%`;
const sig3 = (x: number): string => `${+x.toPrecision(3)}`;
const inUnit = (x: number): boolean => Number.isFinite(x) && x > 0 && x <= 1;
const positive = (x: number): boolean => Number.isFinite(x) && x > 0;

export const BANDS: { readonly [K in BandType]: BandSpec } = {
  none: {
    code: 0,
    scope: 'never',
    widthMeaning: 'unused',
    widthDomain: 'any',
    widthOk: () => true,
    ...uses('none'),
    label: () => 'buy and hold',
    phrase: () => 'buy and hold (never rebalance)',
  },
  calendar: {
    code: 1,
    scope: 'always',
    widthMeaning: 'unused',
    widthDomain: 'any',
    widthOk: () => true,
    ...uses('calendar'),
    label: () => 'calendar',
    phrase: () => 'calendar rebalancing',
  },
  absolute: {
    code: 2,
    scope: 'asset',
    widthMeaning: 'a: b_i = a (weight points)',
    widthDomain: '(0, 1]',
    widthOk: inUnit,
    ...uses('absolute'),
    label: (p) => `absolute ±${pct(p.width)}`,
    phrase: (w) => (w.width !== null ? `absolute band ±${w.pct(w.width)}` : 'absolute band'),
  },
  relative: {
    code: 3,
    scope: 'asset',
    widthMeaning: 'r: b_i = r·w*_i',
    widthDomain: '(0, 10]',
    widthOk: (x) => positive(x) && x <= 10,
    ...uses('relative'),
    label: (p) => `relative ±${pct(p.width)} of target`,
    phrase: (w) => (w.width !== null ? `relative band ${w.pct(w.width)}` : 'relative band'),
  },
  hybrid: {
    code: 4,
    scope: 'asset',
    widthMeaning: 'a: b_i = min(a, r·w*_i), with relWidth r',
    widthDomain: '(0, 1]',
    widthOk: inUnit,
    ...uses('hybrid'),
    label: (p) => `hybrid min(±${pct(p.width)}, ±${pct(p.relWidth ?? NaN)} of target)`,
    phrase: (w) => `hybrid band min(${w.width !== null ? w.pct(w.width) : '?'}, ${w.relWidth !== null ? w.pct(w.relWidth) : '?'} of target)`,
  },
  volatility: {
    code: 5,
    scope: 'asset',
    widthMeaning: 'k: b_i = k·σ_i·w*_i (σ annualized)',
    widthDomain: '(0, 100]',
    widthOk: (x) => positive(x) && x <= 100,
    ...uses('volatility'),
    label: (p) => `volatility k=${sig3(p.width)} over ${p.lookback}${p.minWidth ? `, at least ±${pct(p.minWidth)}` : ''}`,
    phrase: (w) => `volatility band ${w.width !== null ? w.num(w.width) : '?'}σ${lb(w)}`,
  },
  drift: {
    code: 6,
    scope: 'portfolio',
    widthMeaning: 'd: trade when ½·Σ|w_i − w*_i| > d',
    widthDomain: '(0, 1]',
    widthOk: inUnit,
    ...uses('drift'),
    label: (p) => `portfolio drift > ${pct(p.width)}`,
    phrase: (w) => (w.width !== null ? `portfolio drift trigger ${w.pct(w.width)}` : 'portfolio drift trigger'),
  },
  risk: {
    code: 7,
    scope: 'portfolio',
    widthMeaning: 'τ: trade when ex-ante tracking error > τ (annualized)',
    widthDomain: '(0, 1]',
    widthOk: inUnit,
    ...uses('risk'),
    label: (p) => `tracking error > ${pct(p.width)} over ${p.lookback}`,
    phrase: (w) => `tracking-error trigger ${w.width !== null ? w.pct(w.width) : '?'}${lb(w)}`,
  },
};

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
