/**
 * The allowed values of the policy and cost parameters besides a band's width (whose domain is
 * in its BANDS entry): one table, read by the experiment compiler (search/space.ts) and by the
 * CLI's compact forms (cli/spec.ts, cli/backtest.ts), so a range is stated once.
 */
export interface Domain {
  /** The domain as text for messages, e.g. "(0, 10]". */
  readonly text: string;
  readonly ok: (x: number) => boolean;
  /** Whole numbers only. */
  readonly integer: boolean;
}

/**
 * A proportional cost (feeBps, halfSpreadBps) is at most 25% of the traded notional: with both
 * at the bound the cost rate is 0.5, and since a rebalance trades at most twice the portfolio's
 * value, proportional costs alone can never take the value below zero (issue 15).
 */
export const MAX_COST_BPS = 2500;

export const DOMAINS = {
  /** hybrid's relative part r of b_i = min(a, r·w*_i). */
  relWidth: { text: '(0, 10]', ok: (x) => Number.isFinite(x) && x > 0 && x <= 10, integer: false },
  /** volatility and risk: returns in the rolling window. */
  lookback: { text: 'a whole number ≥ 2', ok: (x) => Number.isInteger(x) && x >= 2, integer: true },
  /** inner: depth q. */
  depth: { text: '(0, 1)', ok: (x) => x > 0 && x < 1, integer: false },
  /** partial: fraction f. */
  fraction: { text: '(0, 1]', ok: (x) => x > 0 && x <= 1, integer: false },
  /** periods after a trade with no trade. */
  cooldown: { text: 'a whole number ≥ 0', ok: (x) => Number.isInteger(x) && x >= 0, integer: true },
  /** every cost: feeBps, halfSpreadBps, fixedFee, minTrade. */
  cost: { text: '≥ 0', ok: (x) => Number.isFinite(x) && x >= 0, integer: false },
  /** proportional costs (feeBps, halfSpreadBps) in basis points: see MAX_COST_BPS. */
  bps: { text: `in [0, ${MAX_COST_BPS}] basis points`, ok: (x) => Number.isFinite(x) && x >= 0 && x <= MAX_COST_BPS, integer: false },
} as const satisfies Record<string, Domain>;
