/**
 * The glossary on the page: one entry for every results.csv column, named exactly as the column
 * (RESULT_COLUMNS; test/report/glossary.test.ts checks the two lists agree). Definitions follow
 * docs (design §4): r_t are the portfolio's period returns after costs, ppy the periods per year,
 * years = returns ÷ ppy; the benchmark is the target weights rebalanced every period at no cost.
 */
export const GLOSSARY: Record<string, { unit: string; text: string }> = {
  id: {
    unit: 'text',
    text: 'Configuration id in the search space (0, 1, …); baselines have names (calendar-monthly, none). The same id in a rerun is the same configuration.',
  },
  band: {
    unit: 'text',
    text: 'Band type: the no-trade region around the targets — absolute, relative, hybrid, volatility (per-asset bands), drift, risk (portfolio triggers), calendar (always trade on the schedule) or none (buy and hold).',
  },
  width: {
    unit: 'depends on band',
    text: "The band parameter. absolute: half-width in weight points (0.05 = ±5 percentage points); relative: half-width as a fraction of the target weight (0.2 = ±20% of it); hybrid: the absolute cap; volatility: k, in multiples of the asset's annualised volatility; drift: threshold on ½Σ|w − w*|; risk: τ, threshold on the ex-ante annualised tracking error. Empty for calendar and none.",
  },
  relWidth: { unit: 'fraction of target', text: 'Hybrid band only: the relative cap r; the half-width is min(width, r × target weight).' },
  lookback: { unit: 'periods (rows)', text: 'Volatility band and risk trigger: the window of past returns the volatility or covariance is estimated over.' },
  check: {
    unit: 'schedule',
    text: 'When the policy looks at the portfolio: daily, weekly, monthly, quarterly, yearly, or every N periods (rows). It can only trade on a check day.',
  },
  mode: {
    unit: 'text',
    text: 'What a rebalance trades to: target (back to the target weights), edge (to the nearest band border), inner (part of the way into the band, see depth), partial (a fraction of the gap, see fraction).',
  },
  depth: { unit: 'fraction', text: 'Inner mode: how far into the band to trade, 0 = the edge, 1 = the target.' },
  fraction: { unit: 'fraction', text: 'Partial mode: the fraction of the gap to target closed at each rebalance.' },
  cooldown: { unit: 'periods (rows)', text: 'Minimum number of periods between two rebalances.' },
  feeBps: { unit: 'bp of traded value', text: 'Proportional fee per trade, in basis points (1 bp = 0.01%) of the value traded.' },
  halfSpreadBps: { unit: 'bp of traded value', text: 'Half the bid-ask spread paid per trade, in basis points of the value traded.' },
  fixedFee: { unit: 'currency per asset traded', text: "A fixed fee per asset traded in a rebalance, in the portfolio's currency." },
  minTrade: { unit: 'currency', text: 'Trades smaller than this amount are skipped.' },
  turnover: {
    unit: 'fraction of the portfolio per year',
    text: "Annualised one-way turnover: the sum over trades of ½Σ|w'ᵢ − wᵢ|, divided by the years in the window (0.5 = half the portfolio traded each year).",
  },
  trackingError: {
    unit: 'annualised fraction',
    text: "Standard deviation of the difference between the portfolio's period returns and the benchmark's, × √ppy. The benchmark is the target weights rebalanced every period at no cost — not the index of any one asset.",
  },
  maxDrawdown: {
    unit: 'fraction',
    text: 'The worst fall from a previous peak of the portfolio value, max over t of 1 − V_t / max(V_s, s ≤ t); a positive number.',
  },
  cagr: { unit: 'per year', text: 'Compound annual growth rate of the portfolio value after costs: (V_end / V_start)^(1/years) − 1.' },
  volatility: { unit: 'annualised fraction', text: 'Standard deviation of the period returns (n − 1), × √ppy.' },
  sharpe: { unit: 'ratio, annualised', text: 'Mean period return above the risk-free rate ÷ the standard deviation of the returns, × √ppy.' },
  sortino: {
    unit: 'ratio, annualised',
    text: 'Mean period return above the risk-free rate ÷ the downside deviation (root mean square of the negative excess returns), × √ppy.',
  },
  rebalances: { unit: 'count', text: 'Number of rebalances (days with a trade) in the window.' },
  rebalancesPerYear: { unit: 'per year', text: 'rebalances ÷ years in the window.' },
  costDrag: {
    unit: 'bp per year',
    text: 'Trading costs as a share of the portfolio value just before each trade, summed, ÷ years, in basis points a year (10 = 0.1% a year).',
  },
  meanDrift: {
    unit: 'fraction',
    text: 'Time average of the drift ½Σ|wᵢ,t − w*ᵢ|: how far, on a typical day, the weights are from the targets (0.02 = 2% of the portfolio is in the wrong place).',
  },
  maxDrift: { unit: 'fraction', text: 'The largest drift ½Σ|wᵢ,t − w*ᵢ| on any day.' },
  excessReturn: {
    unit: 'per year',
    text: 'cagr minus the cagr of the benchmark (target weights rebalanced every period at no cost): the rebalancing bonus (positive) or penalty. Buy and hold can show a small negative excess because it never rebalances.',
  },
  finalValue: { unit: 'currency', text: "Portfolio value on the last day, after costs, from the experiment's initial capital." },
  totalCost: { unit: 'currency', text: "Sum of all trading costs paid over the window (fees, half spreads and fixed fees), in the portfolio's currency." },
  assetTrades: {
    unit: 'count',
    text: 'Over all rebalances, the number of assets whose weight moved (more than 1e-12): a rebalance of 3 assets is 3 asset trades — what fixed fees are charged for.',
  },
  ruined: {
    unit: '1 / 0',
    text: '1 when the portfolio value went to or below zero on some day (e.g. fixed fees larger than the portfolio); a ruined configuration is infeasible whatever the constraints and never ranked.',
  },
  infeasibleReason: { unit: 'text', text: 'Why a configuration is infeasible: the first constraint it breaks (or ruin); empty when feasible or failed.' },
  minWidth: {
    unit: 'weight points',
    text: 'Volatility band only: the minimum half-width, b_i = max(minWidth, k·σ_i·w*_i) (0.005 = ±0.5 percentage point); empty for other bands and when not set.',
  },
  flowMode: {
    unit: 'text',
    text: 'How contributions and withdrawals are used (experiments with flows only): pro-rata invests or withdraws at the target weights; rebalance buys the most underweight assets first and sells the most overweight first, so a flow does part of the rebalancing for free. Empty without flows.',
  },
  mwr: {
    unit: 'fraction per year',
    text: 'Money-weighted return: the internal rate of return of the starting value, every contribution and withdrawal, and the final value. Equals cagr without flows; cagr itself is time-weighted, so flows never count as performance.',
  },
  flowRebalanceShare: {
    unit: 'fraction',
    text: "Share of the rebalancing done by the flows: drift removed by contributions and withdrawals ÷ (that + the band trades' one-way turnover). 0 without flows.",
  },
  taxPaid: {
    unit: 'bp per year',
    text: 'Capital-gains tax paid at the year ends (rate × net realised gains, average-cost basis, losses carried forward), as a share of the value, in basis points a year. 0 without a tax rate.',
  },
  afterTaxCagr: {
    unit: 'fraction per year',
    text: 'CAGR of the value left after selling everything at the last close and paying the tax due (= cagr without a tax rate).',
  },
  afterTaxValue: {
    unit: 'currency',
    text: 'Final value minus the tax that selling everything at the last close would cost (= finalValue without a tax rate).',
  },
  unrealisedGain: {
    unit: 'currency',
    text: 'Market value at the end minus the average-cost basis of the holdings: the gain a sale would still realise. Empty without a tax rate.',
  },
  feasible: { unit: '1 / 0', text: '1 when the configuration meets every constraint of the experiment; only feasible configurations are ranked.' },
  pareto: {
    unit: '1 / 0',
    text: '1 when no other configuration is at least as good on every objective and better on one (all objectives minimised). The trade-off charts draw the 2-D front of the two metrics they show instead.',
  },
  score: {
    unit: "the weighted sum's units",
    text: "Σ weight × metric over the experiment's score weights (lower is better); each term is shown in its own unit in the headline.",
  },
  rank: {
    unit: 'position',
    text: 'Place under the selection rule (1 = the recommended configuration; by score, or by the robust score when the experiment resamples histories); empty for infeasible and failed configurations, calendar and buy-and-hold inside the space, and baselines, which are never ranked.',
  },
  selection: {
    unit: 'text',
    text: 'pick for the recommended configuration, indistinguishable for a configuration not significantly worse than it (the test is named in the headline), empty otherwise.',
  },
  error: { unit: 'text', text: 'Why the configuration could not be evaluated (its metrics are then empty); empty when it ran.' },
};
