/**
 * The theory baseline band (issue 5): the no-trade half-width that the small-cost asymptotics of
 * the Merton problem with proportional transaction costs predict, so a report can show how far
 * the data-driven choice sits from it.
 *
 * Source. Gerhold, Guasoni, Muhle-Karbe & Schachermayer, "Transaction costs, trading volume, and
 * the liquidity premium", Finance and Stochastics 18 (2014) 1–37 (arXiv:1108.1167), main theorem:
 * an investor with constant relative risk aversion γ, one safe asset and one risky asset (ask
 * price S, bid price (1 − ε)·S) keeps the risky weight π inside [π₋, π₊] with
 *
 *     π± = π* ± ( 3/(4γ) · π*² (1 − π*)² )^{1/3} · ε^{1/3} + O(ε),
 *
 * π* = μ/(γσ²) the frictionless Merton weight. The same leading term is in Janeček & Shreve,
 * "Asymptotic analysis for optimal investment and consumption with transaction costs", Finance
 * and Stochastics 8 (2004) 181–206, with a cost λ on each purchase and each sale (ε ≈ 2λ), which
 * gives the often quoted form (3/(2γ)·π*²(1 − π*)²·λ)^{1/3}; Rogers (2004, "Why is the effect of
 * proportional transaction costs O(δ^{2/3})?") explains the cube-root scaling. The leading term
 * does not depend on σ or μ once π* is given.
 *
 * How it is used here (assumptions, stated so they can be argued with):
 *  - π* is the target weight w*_i: the targets are taken as the investor's frictionless optimum.
 *  - N assets, per asset against the rest: asset i is "the risky asset" and the rest of the
 *    portfolio, held in its target proportions, is "the other asset". This ignores the
 *    correlations between assets (exact only for N = 2, where both assets get the same
 *    half-width, as they must: w_A − w*_A = −(w_B − w*_B)).
 *  - The cost. Here every asset pays c = (feeBps + halfSpreadBps)/1e4 per unit of notional
 *    traded (design §3), the other side of the trade included: moving a weight δ into asset i
 *    out of the rest trades 2δ of notional and costs 2cδ, so a round trip (in and back out) costs
 *    4cδ. In the model the round trip costs ε·δ (only the risky asset pays), hence ε = 4c and
 *
 *        b_i = ( 3/(4γ) · w*_i² (1 − w*_i)² · 4c )^{1/3} = ( 3c/γ · w*_i² (1 − w*_i)² )^{1/3}.
 *
 *    (With a costless cash asset as the "rest", ε would be 2c: a half-width smaller by 2^{1/3}.)
 *  - γ: the experiment's `theory.riskAversion`, default 5 — a middle value of the range 2–10
 *    used in the portfolio-choice literature; b scales as γ^{−1/3} (γ = 2 → ×1.36, γ = 10 →
 *    ×0.79 of the γ = 5 width), so the report also shows the band for γ = 2 and 10.
 *  - Continuous trading and monitoring, a long horizon, no fixed fees or minimum trade; the
 *    asymptotics hold for small c (the O(ε) remainder is ignored).
 * The result is an absolute band in weight points (b_i, as the `absolute` band type uses).
 */

export const DEFAULT_RISK_AVERSION = 5;

export interface TheoryBand {
  /** Relative risk aversion γ used. */
  riskAversion: number;
  /** One-way proportional cost c = (feeBps + halfSpreadBps)/1e4. */
  cost: number;
  /** Round-trip cost ε = 4c of moving weight into an asset out of the rest and back. */
  epsilon: number;
  /** Per asset: target weight and the predicted half-width b_i (weight points). */
  assets: { asset: string; target: number; halfWidth: number; halfWidthLowGamma: number; halfWidthHighGamma: number }[];
  /** γ values of halfWidthLowGamma / halfWidthHighGamma. */
  gammaRange: [number, number];
  /** Where the formula comes from (for the report). */
  source: string;
  formula: string;
}

/** b = (3/(4γ)·π²(1 − π)²·ε)^{1/3}: the leading term of the no-trade half-width. */
export function noTradeHalfWidth(pi: number, gamma: number, epsilon: number): number {
  return Math.cbrt((3 / (4 * gamma)) * pi * pi * (1 - pi) * (1 - pi) * epsilon);
}

export const THEORY_SOURCE =
  'Gerhold, Guasoni, Muhle-Karbe & Schachermayer (2014), Finance and Stochastics 18:1–37; Janeček & Shreve (2004), Finance and Stochastics 8:181–206';
export const THEORY_FORMULA = 'b_i = (3/(4γ) · w*_i² (1 − w*_i)² · ε)^{1/3}, ε = 4·(feeBps + halfSpreadBps)/1e4';

/** The theory half-width per asset for the experiment's targets and proportional costs. */
export function theoryBand(
  assets: readonly string[],
  targets: ArrayLike<number>,
  costs: { feeBps: number; halfSpreadBps: number },
  riskAversion = DEFAULT_RISK_AVERSION,
): TheoryBand {
  const cost = (costs.feeBps + costs.halfSpreadBps) / 1e4;
  const epsilon = 4 * cost;
  const gammaRange: [number, number] = [2, 10];
  return {
    riskAversion,
    cost,
    epsilon,
    assets: assets.map((asset, i) => ({
      asset,
      target: targets[i],
      halfWidth: noTradeHalfWidth(targets[i], riskAversion, epsilon),
      halfWidthLowGamma: noTradeHalfWidth(targets[i], gammaRange[0], epsilon),
      halfWidthHighGamma: noTradeHalfWidth(targets[i], gammaRange[1], epsilon),
    })),
    gammaRange,
    source: THEORY_SOURCE,
    formula: THEORY_FORMULA,
  };
}
