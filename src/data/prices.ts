/**
 * Price cells: parsing to float64 and judging them (design §2). Parsing never throws (a bad
 * cell becomes NaN) so whole columns can be shaped first; `priceProblem` then says what is
 * wrong with a cell that is actually used, for an error message.
 */
import { clip, quote } from './text.js';

/** Cell texts that mean "no price on this date" (compared case-insensitively, after trimming). */
export const MISSING_MARKERS: readonly string[] = ['', 'na', 'n/a', 'null'];

/** A plain decimal number: optional sign, digits with an optional point, optional exponent. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Supported price range. Backtests do not depend on a column's scale (holdings are capital /
 * price), but float64 arithmetic does: a price of 1e-308 followed by 1e308 is a return of
 * Infinity, and 5e-324 makes holdings (capital / price) infinite. Inside [1e-50, 1e50] the
 * ratio of any two prices is at most 1e100 and its square 1e200, so single-period returns,
 * their squares and holdings stay finite. (This cannot bound compounding: a series swinging
 * between the bounds every period still overflows a rebalanced portfolio's value.) Real prices
 * are many orders of magnitude inside these bounds.
 */
export const MIN_PRICE = 1e-50;
export const MAX_PRICE = 1e50;

/** True when the cell is absent (long file without a row) or holds a missing marker. */
export function isMissing(raw: string | undefined): boolean {
  return raw === undefined || MISSING_MARKERS.includes(raw.toLowerCase());
}

/**
 * The cell's value as the nearest float64 (exactly what `Number()` gives, so `101.37` stays
 * `101.37`), or NaN when it is missing or not a plain decimal number (`0x10`, `1,5`, `NaN`).
 */
export function parsePrice(raw: string | undefined): number {
  if (raw === undefined || !DECIMAL.test(raw)) return NaN;
  return Number(raw);
}

/**
 * What is wrong with a present (non-missing) cell, as a phrase following "SPY price" and
 * ending with the fix, or `null` when it is a number in [MIN_PRICE, MAX_PRICE]. `format` picks the fix:
 * a wide file's cell can be emptied (and forward-filled), a long file's row removed.
 */
export function priceProblem(raw: string, format: 'wide' | 'long'): string | null {
  const value = parsePrice(raw);
  const drop = format === 'wide' ? 'leave the cell empty (it is then forward-filled)' : 'remove the row';
  if (Number.isNaN(value)) {
    return `${quote(raw)} is not a number; write a plain decimal like 101.37 (no thousands separators) or ${drop}`;
  }
  if (!Number.isFinite(value)) return `${clip(raw)} is not a finite number; fix it or ${drop}`;
  if (value <= 0) return `${clip(raw)} must be > 0; fix it or ${drop}`;
  if (value < MIN_PRICE || value > MAX_PRICE) {
    return (
      `${clip(raw)} is outside the supported range 1e-50 .. 1e50 (more extreme prices overflow ` +
      `float64 returns); rescale the whole column by a constant factor (backtests do not depend on the price scale) or ${drop}`
    );
  }
  return null;
}
