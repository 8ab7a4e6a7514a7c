/**
 * Price cells: parsing to float64 and judging them (design §2). Parsing never throws (a bad
 * cell becomes NaN) so whole columns can be shaped first; `priceProblem` then says what is
 * wrong with a cell that is actually used, for an error message.
 */

/** Cell texts that mean "no price on this date" (compared case-insensitively, after trimming). */
export const MISSING_MARKERS: readonly string[] = ['', 'na', 'n/a', 'null'];

/** A plain decimal number: optional sign, digits with an optional point, optional exponent. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

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
 * ending with the fix, or `null` when it is a finite positive number. `format` picks the fix:
 * a wide file's cell can be emptied (and forward-filled), a long file's row removed.
 */
export function priceProblem(raw: string, format: 'wide' | 'long'): string | null {
  const value = parsePrice(raw);
  const drop = format === 'wide' ? 'leave the cell empty (it is then forward-filled)' : 'remove the row';
  if (Number.isNaN(value)) {
    return `${JSON.stringify(raw)} is not a number; write a plain decimal like 101.37 (no thousands separators) or ${drop}`;
  }
  if (!Number.isFinite(value)) return `${raw} is not a finite number; fix it or ${drop}`;
  if (value <= 0) return `${raw} must be > 0; fix it or ${drop}`;
  return null;
}
