/**
 * The quiet check of the SIMD kernel (assembly/kernel.ts checkDay, scripts/gen-simd.mjs): on a
 * check row, before the weights w_i = X_i / V are computed (a division per asset), the kernel
 * asks without dividing whether any lane could trigger: asset i cannot breach its half-width b_i
 * when |X_i − w*_i·V| + QUIET_MARGIN·(V + b_i·V) < b_i·V (the drift band likewise with
 * ½·Σ|X_i − w*_i·V| against k·V and a margin N times as wide). The exact test |X_i/V − w*_i| > b_i
 * and this one differ by a few units in the last place of numbers below 1 (≈ 1e-15), so a margin
 * of 1e-12 (a thousand times wider) never calls a breach quiet. The thresholds assume V > 0 and
 * normal numbers, so a row is quiet only where V > QUIET_MIN_VALUE. A row that is not certainly
 * quiet — a possible breach, a NaN, V ≤ QUIET_MIN_VALUE — runs the exact test, operation for operation as the JS
 * kernel: the results stay bit-identical to it (test/kernel/simd.test.ts), only the rows where
 * nothing can happen skip the divisions. The same margin makes the drawdown pass skip
 * 1 − V_t/peak on days when V_t ≥ peak·(1 − maxDD + margin·(1 + maxDD)).
 */
export const QUIET_MARGIN = 1e-12;

/** The quiet check needs V above this (a ruined portfolio's V ≤ 0, or a V so small that m·V loses precision, runs the exact test). */
export const QUIET_MIN_VALUE = 1e-300;
