/**
 * The theory baseline band (src/policy/theory.ts), numbers worked by hand:
 *   b = (3/(4γ)·π²(1 − π)²·ε)^{1/3}, ε = 4c, c = (feeBps + halfSpreadBps)/1e4.
 */
import { describe, expect, it } from 'vitest';
import { noTradeHalfWidth, theoryBand } from '../../src/policy/theory.js';

describe('no-trade half-width (small-cost asymptotics)', () => {
  it('π = 0.5, γ = 5, ε = 0.004: (0.15·0.0625·0.004)^{1/3} = (3.75e-5)^{1/3} = 0.0334716', () => {
    // 3/(4·5) = 0.15; 0.5²·0.5² = 0.0625; 0.15·0.0625·0.004 = 3.75e-5; cube root: 3.75e-5 = 37.5e-6,
    // ∛37.5 = 3.347165 (3.347165³ = 37.5000), so b = 0.03347165
    expect(noTradeHalfWidth(0.5, 5, 0.004)).toBeCloseTo(0.03347165, 7);
  });

  it('π = 0.6, γ = 2, ε = 0.004: (0.375·0.0576·0.004)^{1/3} = (8.64e-5)^{1/3} = 0.0442083', () => {
    // 0.6²·0.4² = 0.36·0.16 = 0.0576; 0.375·0.0576 = 0.0216; ·0.004 = 8.64e-5; ∛86.4 = 4.420838 (4.420838³ = 86.400) → 0.04420838
    expect(noTradeHalfWidth(0.6, 2, 0.004)).toBeCloseTo(0.04420838, 7);
  });

  it('symmetric in π ↔ 1 − π; zero at π = 0 or 1 or zero cost; ∝ ε^{1/3} and γ^{−1/3}', () => {
    expect(noTradeHalfWidth(0.3, 4, 0.002)).toBeCloseTo(noTradeHalfWidth(0.7, 4, 0.002), 15);
    expect(noTradeHalfWidth(1, 4, 0.002)).toBe(0);
    expect(noTradeHalfWidth(0.4, 4, 0)).toBe(0);
    expect(noTradeHalfWidth(0.4, 4, 0.008) / noTradeHalfWidth(0.4, 4, 0.001)).toBeCloseTo(2, 12); // 8^{1/3}
    expect(noTradeHalfWidth(0.4, 1, 0.001) / noTradeHalfWidth(0.4, 8, 0.001)).toBeCloseTo(2, 12);
  });
});

describe('theoryBand for an experiment', () => {
  it('60/40 at 8 + 2 bp, γ = 5: c = 0.001, ε = 0.004, both assets ±(0.15·0.0576·0.004)^{1/3} = ±0.0325730', () => {
    // 0.15·0.0576 = 0.00864; ·0.004 = 3.456e-5; ∛34.56 = 3.257301 (3.257301³ = 34.560) → 0.03257301
    const t = theoryBand(['SPY', 'TLT'], [0.6, 0.4], { feeBps: 8, halfSpreadBps: 2 });
    expect(t.riskAversion).toBe(5);
    expect(t.cost).toBeCloseTo(0.001, 15);
    expect(t.epsilon).toBeCloseTo(0.004, 15);
    expect(t.assets.map((a) => a.asset)).toEqual(['SPY', 'TLT']);
    expect(t.assets[0].halfWidth).toBeCloseTo(0.03257301, 7);
    expect(t.assets[1].halfWidth).toBe(t.assets[0].halfWidth);
    // γ = 2 and 10: ×(5/2)^{1/3} = 1.357209 and ×(1/2)^{1/3} = 0.793701
    expect(t.assets[0].halfWidthLowGamma).toBeCloseTo(0.03257301 * 1.357209, 7);
    expect(t.assets[0].halfWidthHighGamma).toBeCloseTo(0.03257301 * 0.793701, 7);
  });

  it('uses the given risk aversion', () => {
    const t = theoryBand(['A', 'B', 'C'], [0.5, 0.3, 0.2], { feeBps: 0, halfSpreadBps: 5 }, 3);
    // c = 5e-4, ε = 0.002; A: 3/12·0.0625·0.002 = 3.125e-5, ∛31.25 = 3.149803 → 0.03149803
    expect(t.assets[0].halfWidth).toBeCloseTo(0.03149803, 7);
    // C: 0.25·0.04·0.64·0.002 = 1.28e-5, ∛12.8 = 2.339214 → 0.02339214
    expect(t.assets[2].halfWidth).toBeCloseTo(0.02339214, 7);
  });
});
