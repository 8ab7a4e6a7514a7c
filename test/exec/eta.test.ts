/** The progress bar's time left, as a person reads it (issue 11: ETA formatting). */
import { describe, expect, it } from 'vitest';
import { fmtEta } from '../../src/exec/progress.js';

describe('fmtEta', () => {
  it('seconds, minutes with padded seconds, hours with padded minutes; never "60 s"', () => {
    expect(fmtEta(0)).toBe('0 s');
    expect(fmtEta(42.4)).toBe('42 s');
    expect(fmtEta(59.6)).toBe('1 min 00 s');
    expect(fmtEta(119.7)).toBe('2 min 00 s');
    expect(fmtEta(245)).toBe('4 min 05 s');
    expect(fmtEta(3900)).toBe('1 h 05 min');
  });
  it('says nothing precise while the rate is unknown', () => {
    expect(fmtEta('NULL')).toBe('…');
    expect(fmtEta('INF')).toBe('…');
    expect(fmtEta(Infinity)).toBe('…');
  });
});
