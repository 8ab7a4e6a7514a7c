/**
 * One backtest configuration (design §3), in the readable form used by experiments,
 * results and the CLI. The kernel reads it directly (kernel/backtest.ts picks the generated kernel
 * for its band and mode, kernel/generated.ts).
 */
export const BAND_TYPES = ['none', 'calendar', 'absolute', 'relative', 'hybrid', 'volatility', 'drift', 'risk'] as const;
export type BandType = (typeof BAND_TYPES)[number];

export const MODES = ['target', 'edge', 'inner', 'partial'] as const;
export type Mode = (typeof MODES)[number];

export const NAMED_SCHEDULES = ['daily', 'weekly', 'monthly', 'quarterly', 'yearly'] as const;
export type NamedSchedule = (typeof NAMED_SCHEDULES)[number];
/** A named calendar schedule or every n rows counted from the window's first row. */
export type CheckEvery = NamedSchedule | number;

export interface Policy {
  band: BandType;
  /**
   * The band's main parameter: absolute a, relative r, hybrid a (with relWidth r),
   * volatility k, drift d, risk τ. Ignored (0) for calendar and none.
   */
  width: number;
  /** hybrid only: the relative part r of b_i = min(a, r·w*_i). */
  relWidth?: number;
  /** volatility and risk only: number of returns in the rolling window. */
  lookback?: number;
  /**
   * volatility only: minimum half-width in weight points, b_i = max(minWidth, k·σ_i,t·w*_i)
   * (default 0), so a near-zero-volatility asset (T-bills, a stablecoin) does not trade at
   * every check.
   */
  minWidth?: number;
  check: CheckEvery;
  /** Periods (rows) after a trade during which no trade happens. Default 0. */
  cooldown?: number;
  mode: Mode;
  /** inner only: q in (0,1). */
  depth?: number;
  /** partial only: f in (0,1]. */
  fraction?: number;
}

export interface Costs {
  /** Proportional fee in basis points of traded notional. */
  feeBps: number;
  /** Half the bid-ask spread, in basis points of traded notional. */
  halfSpreadBps: number;
  /** Fixed fee per asset traded, in currency units. */
  fixedFee: number;
  /** A rebalance whose traded notional is below this is skipped entirely. */
  minTrade: number;
}

/** The cost fields, in the order of results.csv. */
export const COST_KEYS = ['feeBps', 'halfSpreadBps', 'fixedFee', 'minTrade'] as const satisfies readonly (keyof Costs)[];

export const ZERO_COSTS: Costs = { feeBps: 0, halfSpreadBps: 0, fixedFee: 0, minTrade: 0 };

/** A complete configuration: a policy plus its costs. */
export interface Config extends Policy, Costs {
  /**
   * How the experiment's cash flows (if any) are invested: 'pro-rata' (at the targets, the
   * default) or 'rebalance' (to the assets furthest from target first). See policy/flows.ts.
   */
  flowMode?: 'pro-rata' | 'rebalance';
}
