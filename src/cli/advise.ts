/**
 * `rebalance-lab advise` and `rebalance-lab policy export` (docs/advise.md): the step from a
 * report to a trade. Reads the policy (a run folder #rank/#id, a policy .json, or the backtest
 * flags), the holdings and the prices, and prints the decision of advise/advise.ts.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { advise, fmtMoney, type Advice } from '../advise/advise.js';
import { isRunFolder, policyFromRun } from '../advise/fromRun.js';
import { parsePolicyFile, policyToFile, type ResolvedPolicy } from '../advise/policyFile.js';
import { loadPrices } from '../data/load.js';
import { UserError } from '../errors.js';
import { BANDS } from '../policy/bands.js';
import { describeConfig } from '../policy/describe.js';
import { resolveTargets, parseWeights } from '../policy/targets.js';
import type { Config } from '../policy/types.js';
import { writeFileAtomic } from '../results/atomic.js';
import { parseBand, parseCheck, parseMode } from './spec.js';

export interface AdviseArgs {
  policy?: string;
  weights?: string;
  band: string;
  check: string;
  to: string;
  lookback?: number;
  cooldown: number;
  feeBps: number;
  halfSpreadBps: number;
  fixedFee: number;
  minTrade: number;
  normalize: boolean;
  holdings: string;
  prices?: string;
  cash: number;
  asOf?: string;
  lotSize?: string;
  periodsPerYear?: number;
  maxFill?: number;
}

function nonNegative(x: number, flag: string): number {
  if (!(Number.isFinite(x) && x >= 0)) throw new UserError(`${flag}: ${x} must be a number ≥ 0`);
  return x;
}

/** The policy from --policy (run folder or .json) or from the backtest flags. */
export async function resolvePolicy(a: AdviseArgs): Promise<ResolvedPolicy & { dataFile?: string; periodsPerYear?: number }> {
  if (a.policy) {
    if (a.weights)
      throw new UserError('--policy and --weights: give the policy one way, either --policy or the backtest flags (--weights, --band, --to, --check, costs)');
    if (isRunFolder(a.policy)) return policyFromRun(a.policy);
    if (!existsSync(a.policy))
      throw new UserError(`--policy ${a.policy}: no such file or run folder; give reports/<experiment>/<run>[#rank] or a policy .json from \`policy export\``);
    return parsePolicyFile(await readFile(a.policy, 'utf8'), a.policy);
  }
  if (!a.weights)
    throw new UserError(
      'advise: give the policy, either --policy reports/<experiment>/<run>[#rank] | policy.json, or --weights with --band, --to, --check and the costs',
    );
  const band = parseBand(a.band, a.lookback);
  const mode = parseMode(a.to);
  const check = parseCheck(a.check);
  if (!(Number.isInteger(a.cooldown) && a.cooldown >= 0)) throw new UserError(`--cooldown: ${a.cooldown} must be a whole number of periods ≥ 0`);
  const config: Config = {
    ...band,
    ...mode,
    check,
    cooldown: a.cooldown,
    feeBps: nonNegative(a.feeBps, '--fee-bps'),
    halfSpreadBps: nonNegative(a.halfSpreadBps, '--half-spread-bps'),
    fixedFee: nonNegative(a.fixedFee, '--fixed-fee'),
    minTrade: nonNegative(a.minTrade, '--min-trade'),
  };
  const w = parseWeights(a.weights);
  const assets = Object.keys(w);
  return { config, assets, targets: resolveTargets(w, assets, { normalize: a.normalize, where: '--weights' }), origin: 'the command line' };
}

/** "A=10,B=2.5" or a CSV file with columns asset,units (a header line, one asset a line). */
export async function readAssetNumbers(text: string, flag: string, what: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const fromFile = existsSync(text);
  if (!fromFile && !/[=:]/.test(text)) throw new UserError(`${flag} ${text}: no such file, and not ASSET=${what.toUpperCase()},… either`);
  const where = fromFile ? text : flag;
  const entries: [string, string, string][] = [];
  if (fromFile) {
    const lines = (await readFile(text, 'utf8')).replace(/^\uFEFF/, '').split(/\r?\n/);
    lines.forEach((line, k) => {
      if (line.trim() === '' || line.trim().startsWith('#')) return;
      const cells = line.split(',').map((s) => s.trim());
      if (k === 0 && cells.length >= 2 && !Number.isFinite(Number(cells[1]))) return; // header
      if (cells.length < 2) throw new UserError(`${text} line ${k + 1}: "${line}" is not asset,${what}`);
      entries.push([cells[0], cells[1], `${text} line ${k + 1}`]);
    });
  } else {
    for (const part of text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const m = /^([^=:\s]+)\s*[=:]\s*(.*)$/.exec(part);
      if (!m) throw new UserError(`${flag}: "${part}" is not ASSET=${what.toUpperCase()}`);
      entries.push([m[1], m[2], flag]);
    }
  }
  for (const [asset, v, at] of entries) {
    const x = Number(v);
    if (v === '' || !Number.isFinite(x) || x < 0) throw new UserError(`${at}: ${what} "${v}" of ${asset} is not a number ≥ 0`);
    if (out.has(asset)) throw new UserError(`${at}: ${asset} is listed twice`);
    out.set(asset, x);
  }
  if (out.size === 0) throw new UserError(`${where}: no ${what} given`);
  return out;
}

function matchAssets(given: Map<string, number>, assets: readonly string[], where: string, what: string): Float64Array {
  for (const a of given.keys())
    if (!assets.includes(a))
      throw new UserError(`${where}: asset ${a} is not in the policy (its assets: ${assets.join(', ')}); remove it or use a policy that holds it`);
  return Float64Array.from(assets, (a) => {
    const x = given.get(a);
    if (x === undefined) throw new UserError(`${where}: no ${what} for ${a}, which the policy holds; give ${a}=0 if you hold none`);
    return x;
  });
}

export async function adviseCommand(a: AdviseArgs): Promise<Advice> {
  const pol = await resolvePolicy(a);
  const { assets, config } = pol;
  const holdings = matchAssets(
    await readAssetNumbers(a.holdings, '--holdings', 'units'),
    assets,
    a.holdings.includes('=') ? '--holdings' : a.holdings,
    'units',
  );
  const cash = nonNegative(a.cash, '--cash');
  if (a.asOf !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(a.asOf)) throw new UserError(`--as-of ${a.asOf}: expected a date YYYY-MM-DD`);
  let lots: Float64Array | undefined;
  if (a.lotSize !== undefined) {
    const single = Number(a.lotSize);
    lots =
      Number.isFinite(single) && a.lotSize.trim() !== ''
        ? new Float64Array(assets.length).fill(nonNegative(single, '--lot-size'))
        : Float64Array.from(assets, (x) => (a.lotSize ? parseWeights(a.lotSize, '--lot-size')[x] : 0) ?? 0);
  }
  const needsHistory = BANDS[config.band].usesLookback;
  const priceArg = a.prices ?? (pol as { dataFile?: string }).dataFile;
  if (!priceArg) throw new UserError("advise: give today's prices, --prices file.csv (a price file, its row on --as-of is used) or --prices A=price,…");
  let prices: Float64Array;
  let dates: string[];
  let ppy: number;
  if (!existsSync(priceArg) && /[=:]/.test(priceArg)) {
    if (needsHistory)
      throw new UserError(
        `--prices ${priceArg}: a ${config.band} band computes its rolling statistics from a price history; give --prices as a price file that reaches the as-of date`,
      );
    const given = matchAssets(await readAssetNumbers(priceArg, '--prices', 'price'), assets, '--prices', 'price');
    given.forEach((p, i) => {
      if (!(p > 0)) throw new UserError(`--prices: price of ${assets[i]} is ${p}; a price must be > 0`);
    });
    prices = given;
    dates = [a.asOf ?? new Date().toISOString().slice(0, 10)];
    ppy = a.periodsPerYear ?? (pol as { periodsPerYear?: number }).periodsPerYear ?? 252;
  } else {
    const { matrix, info } = await loadPrices(priceArg, { assets, end: a.asOf, maxFill: a.maxFill, periodsPerYear: a.periodsPerYear });
    const last = matrix.dates[matrix.T - 1];
    if (a.asOf !== undefined && last !== a.asOf)
      throw new UserError(
        `${priceArg}: no prices on the as-of date ${a.asOf} (the last date on or before it is ${last}); give --as-of ${last}, or prices for ${a.asOf}`,
      );
    for (const x of info.assets)
      if (x.last < last)
        throw new UserError(`${priceArg}: no price for ${x.name} on ${last} (its last price is on ${x.last}); add it, or advise as of ${x.last}`);
    // a volatility/risk band needs L returns ending on the as-of row, and the kernel's window
    // starts one row before the check row: L + 2 rows
    const L = needsHistory ? (config.lookback ?? 0) : 0;
    const rows = Math.min(matrix.T, L + 2);
    if (needsHistory && matrix.T < L + 2)
      throw new UserError(`${priceArg}: the ${config.band} band (lookback ${L}) needs ${L + 2} rows of prices up to ${last}, the file has ${matrix.T}`);
    prices = matrix.prices.slice((matrix.T - rows) * assets.length);
    dates = matrix.dates.slice(matrix.T - rows);
    ppy = matrix.periodsPerYear;
  }
  return advise({ config, assets, targets: pol.targets, holdings, cash, prices, dates, periodsPerYear: ppy, lots });
}

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

export function formatAdvice(r: Advice): string {
  const out: string[] = [];
  out.push(
    `policy: ${r.policy}; costs ${r.config.feeBps + r.config.halfSpreadBps} bp + ${r.config.fixedFee} per asset traded, minimum trade ${fmtMoney(r.config.minTrade)}`,
  );
  out.push(`as of ${r.asOf}: portfolio value ${fmtMoney(r.value)}${r.cash > 0 ? ` (cash ${fmtMoney(r.cash)})` : ''}`);
  out.push('');
  const head = ['asset', 'units', 'price', 'value', 'weight', 'target', 'band ±', 'deviation', 'breach'];
  const rows = r.lines.map((l) => [
    l.asset,
    String(+l.units.toPrecision(10)),
    String(+l.price.toPrecision(10)),
    fmtMoney(l.value),
    pct(l.weight),
    pct(l.target),
    l.halfWidth === null ? '—' : pct(l.halfWidth),
    `${l.deviation >= 0 ? '+' : ''}${pct(l.deviation)}`,
    l.halfWidth === null ? '—' : l.breach ? `yes, by ${pct(l.excess ?? 0)}` : 'no',
  ]);
  out.push(...table(head, rows));
  if (r.portfolio)
    out.push(
      '',
      `${r.portfolio.statistic === 'drift' ? 'portfolio drift ½·Σ|w − w*|' : 'ex-ante tracking error'}: ${pct(r.portfolio.value)} (threshold ${pct(r.portfolio.threshold)})${r.portfolio.value > r.portfolio.threshold ? ' — breached' : ''}`,
    );
  out.push('');
  if (!r.trade) {
    out.push(`no trade: ${r.reason}`);
  } else {
    out.push(`trade: ${r.orders.length} order${r.orders.length === 1 ? '' : 's'}`);
    out.push(
      ...table(
        ['asset', 'side', 'units', 'price', 'notional', 'est. cost', 'weight after'],
        r.orders.map((o) => [
          o.asset,
          o.side,
          String(+o.units.toPrecision(10)),
          String(+o.price.toPrecision(10)),
          fmtMoney(o.notional),
          fmtMoney(o.cost),
          pct(r.postTradeWeights[o.asset]),
        ]),
      ),
    );
    out.push(
      `total cost ${fmtMoney(r.cost)}; cash after ${fmtMoney(r.cashAfter)}; post-trade weights ${Object.entries(r.postTradeWeights)
        .map(([k, v]) => `${k} ${pct(v)}`)
        .join(', ')}`,
    );
  }
  for (const s of r.suppressed)
    out.push(`(dropped: ${s.side} ${+s.units.toPrecision(10)} ${s.asset}, notional ${fmtMoney(s.notional)} is below the minimum trade)`);
  out.push(`next check: ${r.nextCheck ?? '—'} (${r.nextCheckNote})`);
  return out.join('\n') + '\n';
}

function table(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((x) => x[j].length)));
  const line = (x: string[]): string => x.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  ');
  return [line(head), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)];
}

/** The JSON of `advise --json` (docs/advise.md). */
export function adviceJson(r: Advice): Record<string, unknown> {
  return {
    asOf: r.asOf,
    policy: r.policy,
    trade: r.trade,
    reason: r.trade ? null : r.reason,
    orders: r.orders.map((o) => ({ asset: o.asset, side: o.side, units: o.units, notional: o.notional, cost: o.cost })),
    weights: r.weights,
    postTradeWeights: r.postTradeWeights,
    nextCheck: r.nextCheck,
    value: r.value,
    cashAfter: r.cashAfter,
    assets: r.lines,
    suppressed: r.suppressed,
  };
}

/** `policy export <run>#rank [--out file]`: the policy file's text. */
export async function policyExportCommand(ref: string, out?: string): Promise<string> {
  if (!isRunFolder(ref)) throw new UserError(`policy export ${ref}: not a run folder (no manifest.json); give reports/<experiment>/<run>[#rank|#id=ID]`);
  const p = await policyFromRun(ref);
  const text = JSON.stringify(policyToFile(p, { ...p.source, description: describeConfig(p.config) }), null, 2) + '\n';
  if (out) await writeFileAtomic(out, text);
  return text;
}
