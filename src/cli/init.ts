/** `rebalance-lab init NAME`: a commented starter experiment. */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../results/atomic.js';

/**
 * How the starter imports defineExperiment: 'rebalance-lab' when that resolves from the folder
 * the file goes to (a project that has it installed, or this package itself); otherwise the
 * absolute path of this installation's entry point, so that a starter written anywhere
 * (`init X --dir /elsewhere`) runs.
 */
export function importSpecifier(dir: string): string {
  try {
    createRequire(path.join(path.resolve(dir), 'starter.js')).resolve('rebalance-lab');
    return 'rebalance-lab';
  } catch {
    return pathToFileURL(path.resolve(fileURLToPath(import.meta.url), '../../index.js')).href;
  }
}

/** The shipped data file: relative when it resolves from the working directory, else absolute. */
function dataPath(): string {
  const rel = 'data/etf_daily_adjclose_1993_2023.csv';
  if (existsSync(path.resolve(rel))) return rel;
  const shipped = path.resolve(fileURLToPath(import.meta.url), '../../..', rel);
  return existsSync(shipped) ? shipped : rel;
}

export function starter(name: string, from = 'rebalance-lab', data = 'data/etf_daily_adjclose_1993_2023.csv'): string {
  return `/**
 * ${name}: a starter experiment. Edit, then run:  npx rebalance-lab run experiments/${name}.ts
 * Every field is checked before any work starts; a mistake names the field and the fix.
 */
import { defineExperiment } from '${from}';

export default defineExperiment({
  name: '${name}',
  // Price file: wide (date,A,B,...) or long (date,asset,price). Inspect it with
  //   npx rebalance-lab data inspect data/etf_daily_adjclose_1993_2023.csv
  data: { file: ${JSON.stringify(data)} /* , start: '2010-01-01', end: '2020-12-31' */ },
  // Target weights: positive, summing to 1 (or set normalizeTargets: true).
  targets: { SPY: 0.6, TLT: 0.4 },
  // Costs per trade: proportional fee and half spread in basis points of traded notional,
  // a fixed fee per asset traded, and a minimum trade size below which nothing trades.
  costs: { feeBps: 5, halfSpreadBps: 2, fixedFee: 0, minTrade: 0 },
  // grid: every combination; random / halton: { kind: 'random', samples: 1000, seed: 1 }
  search: { kind: 'grid' },
  space: {
    // Band types and their parameters: lists, {from, to, step} ranges, or (random search)
    // distributions like { dist: 'logUniform', min: 0.01, max: 0.2 }.
    bands: {
      absolute: { width: [0.02, 0.05, 0.1] },            // |w − w*| > a
      relative: { width: { from: 0.1, to: 0.5, step: 0.1 } }, // |w − w*| > r·w*
      // hybrid: { width: [0.05], relWidth: [0.25] },     // the 5/25 rule
      // volatility: { width: [0.5, 1], lookback: [60] }, // k·σ·w*
      // drift: { width: [0.05] },                        // ½·Σ|w − w*| > d
      calendar: {},                                        // baseline: trade at every check
    },
    check: ['weekly', 'monthly'],          // daily | weekly | monthly | quarterly | yearly | N
    mode: ['target', 'edge'],              // target | edge | inner (needs depth) | partial (needs fraction)
    // depth: [0.5], fraction: [0.5], cooldown: [0, 5],
  },
  objectives: ['turnover', 'trackingError', 'maxDrawdown'],
  constraints: ['trackingError <= 0.02'],
});
`;
}

export async function initCommand(name: string, dir: string, json: boolean): Promise<string> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new UserError(`init: "${name}" is not a usable name; use letters, digits, dot, dash and underscore`);
  const file = path.resolve(dir, `${name}.${json ? 'json' : 'ts'}`);
  if (existsSync(file)) throw new UserError(`init: ${file} exists already; choose another name`);
  await mkdir(path.dirname(file), { recursive: true });
  const text = json
    ? JSON.stringify(
        {
          name,
          data: { file: dataPath() },
          targets: { SPY: 0.6, TLT: 0.4 },
          costs: { feeBps: 5, halfSpreadBps: 2 },
          search: { kind: 'grid' },
          space: {
            bands: { absolute: { width: [0.02, 0.05, 0.1] }, relative: { width: [0.1, 0.2, 0.3] }, calendar: {} },
            check: ['weekly', 'monthly'],
            mode: ['target', 'edge'],
          },
          constraints: ['trackingError <= 0.02'],
        },
        null,
        2,
      ) + '\n'
    : starter(name, importSpecifier(path.dirname(file)), dataPath());
  await writeFileAtomic(file, text);
  return file;
}
