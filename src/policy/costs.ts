/**
 * The cost model (design §3). At a trade with traded notional Q = V·Σ|w'_i − w_i|:
 *   C = Q·(feeBps + halfSpreadBps)/1e4 + fixedFee·(number of assets traded)
 * and a rebalance with Q < minTrade is skipped. An asset counts as traded when
 * |w'_i − w_i| > TRADE_EPS (so floating-point dust is not charged a fixed fee).
 */
import type { Costs } from './types.js';

export const TRADE_EPS = 1e-12;

/** Proportional cost rate c = (feeBps + halfSpreadBps)/1e4. */
export function costRate(c: Costs): number {
  return (c.feeBps + c.halfSpreadBps) / 1e4;
}
