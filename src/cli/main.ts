/**
 * The rebalance-lab command line. Every command's options are declared once here, with a
 * description and an example; user mistakes print one paragraph and exit 2 (no stack trace).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yargs, { type Argv, type Options } from 'yargs';
import type { ExperimentSpec } from '../spec/schema.js';
import { hideBin } from 'yargs/helpers';
import { isUserError, UserError } from '../errors.js';
import { VERSION } from '../results/manifest.js';

const EXIT_USER = 2;

/** The package's docs/ folder (dist/cli/ and src/cli/ are both two folders below the package root). */
const DOCS = fileURLToPath(new URL('../../docs/', import.meta.url));
const DOCS_EPILOGUE =
  `What every band, mode, cost and metric means: ${path.join(DOCS, 'definitions.md')}\n` +
  `Run folder files (results.csv, manifest.json, …): ${path.join(DOCS, 'file-formats.md')}`;

function fail(msg: string): never {
  process.stderr.write(`rebalance-lab: ${msg}\n`);
  process.exit(EXIT_USER);
}

/** "halfSpreadBps" → "half-spread-bps": an experiment field's flag name. */
type Kebab<S extends string> = S extends `${infer H}${infer T}` ? `${H extends Lowercase<H> ? H : `-${Lowercase<H>}`}${Kebab<T>}` : S;
/**
 * Flags the experiment schema requires of `backtest`: every cost and every data option (but the
 * file and assets, given by --data and --weights). A field added to the schema without its flag
 * is a type error on the table below.
 */
type SchemaFlags = Kebab<keyof ExperimentSpec['costs']> | Kebab<Exclude<keyof ExperimentSpec['data'], 'file' | 'assets'>>;

/** Backtest and data options, one typed table (flags ↔ fields cannot drift apart). */
const BACKTEST_OPTIONS = {
  data: { type: 'string', demandOption: true, describe: 'price CSV (wide date,A,B,… or long date,asset,price)' },
  weights: { type: 'string', demandOption: true, describe: 'target weights, e.g. SPY=0.6,TLT=0.4 (must sum to 1)' },
  band: {
    type: 'string',
    default: 'relative:0.25',
    describe: 'band: absolute:A | relative:R | hybrid:A,R | volatility:K,L[,MIN] | drift:D | risk:TAU,L | calendar | none',
  },
  check: { type: 'string', default: 'monthly', describe: 'check schedule: daily | weekly | monthly | quarterly | yearly | N (every N rows)' },
  to: { type: 'string', default: 'target', describe: 'rebalance mode: target | edge | inner:Q | partial:F' },
  lookback: { type: 'number', describe: 'lookback (periods) for volatility and risk bands' },
  cooldown: { type: 'number', default: 0, describe: 'periods after a trade with no trade' },
  'fee-bps': { type: 'number', default: 0, describe: 'proportional fee, basis points of traded notional' },
  'half-spread-bps': { type: 'number', default: 0, describe: 'half the bid-ask spread, basis points' },
  'fixed-fee': { type: 'number', default: 0, describe: 'fixed fee per asset traded (currency)' },
  'min-trade': { type: 'number', default: 0, describe: 'skip a rebalance whose traded notional is below this' },
  start: { type: 'string', describe: 'first date to load (YYYY-MM-DD)' },
  end: { type: 'string', describe: 'last date to load (YYYY-MM-DD)' },
  'max-fill': { type: 'number', describe: 'forward-fill at most this many missing periods (default 5)' },
  'periods-per-year': { type: 'number', describe: 'override the detected periods per year' },
  capital: { type: 'number', default: 100000, describe: 'initial capital' },
  'risk-free': { type: 'number', default: 0, describe: 'annual risk-free rate for Sharpe and Sortino' },
  normalize: { type: 'boolean', default: false, describe: 'scale the weights to sum to 1 instead of refusing them' },
  json: { type: 'boolean', default: false, describe: 'print JSON on stdout instead of a table' },
  series: { type: 'string', describe: "write the policy's daily value, weights and trades to this CSV" },
  flow: {
    type: 'string',
    array: true,
    describe: 'a cash flow AMOUNT@SCHEDULE[:START[:END]], repeatable: 1000@monthly, -2%@yearly (see docs/flows-and-taxes.md)',
  },
  'flow-mode': { type: 'string', default: 'pro-rata', describe: 'how flows are invested: pro-rata (at the targets) | rebalance (furthest from target first)' },
  'flow-growth': { type: 'number', describe: 'yearly growth of the currency amounts of --flow, e.g. 0.02' },
  'flows-file': { type: 'string', describe: 'a CSV of dated flows: date,amount rows' },
  tax: { type: 'number', describe: 'capital-gains tax rate on net realised gains, paid at each year end (average cost), e.g. 0.25' },
  'tax-aware': { type: 'boolean', default: false, describe: 'with --tax: a rebalance that would sell an asset at a gain trades only to the band edge' },
} as const satisfies Record<SchemaFlags, Options> & Record<string, Options>;

const RUN_OPTIONS = {
  workers: { type: 'string', describe: 'worker threads (default: all cores)' },
  out: { type: 'string', describe: 'parent folder of run folders (default: reports); with --resume, the folder must be inside it' },
  'run-id': { type: 'string', describe: 'name of the run folder (default: a timestamp)' },
  resume: { type: 'string', describe: 'finish the run in this folder (refused if the experiment or data changed)' },
  'batch-size': { type: 'string', describe: 'configurations per worker task (default: chosen from the size)' },
  'worker-memory-mb': { type: 'string', describe: 'heap limit per worker (MB, default 4096); a worker over it fails only its configurations' },
  shard: { type: 'string', describe: 'evaluate only the ids with id mod n = k (k/n, e.g. 0/4) into <out>/<name>/<run-id>/shard-k-of-n; then `merge`' },
  'shard-from-env': {
    type: 'string',
    describe: 'like --shard, k read from an environment variable: VAR/n (e.g. JOB_COMPLETION_INDEX/4, SLURM_ARRAY_TASK_ID/4)',
  },
  'break-lock': {
    type: 'boolean',
    default: false,
    describe: "take the run folder's lock even if another process seems to hold it (only when that process is really gone)",
  },
  report: { type: 'boolean', default: true, describe: 'write the HTML report (--no-report to skip)' },
  quiet: { type: 'boolean', default: false, describe: 'no progress or leaderboard' },
  json: { type: 'boolean', default: false, describe: 'print the run summary as JSON on stdout' },
  'dry-run': { type: 'boolean', default: false, describe: 'print the plan (configurations, estimated time, sizes) and stop; computes and writes nothing' },
  yes: { type: 'boolean', default: false, describe: 'start even above 10 million configurations or an estimated hour' },
} as const;

/**
 * Examples as an epilog, each a description line and the command on its own lines (at most
 * 78 columns, continued with a backslash), so they read cleanly in an 80-column terminal;
 * yargs' two-column example layout breaks long commands mid-word.
 */
function examples(list: [description: string, command: string][]): string {
  const out: string[] = ['Examples:'];
  for (const [desc, cmd] of list) {
    out.push(`  ${desc}`);
    // a flag and its value stay on one line
    const words: string[] = [];
    for (const w of cmd.split(' ')) {
      const prev = words.at(-1);
      if (prev?.startsWith('--') && !prev.includes(' ') && !w.startsWith('-') && w !== '&&') words[words.length - 1] = `${prev} ${w}`;
      else words.push(w);
    }
    let line = '    rebalance-lab';
    for (const w of words) {
      if (line.length + 1 + w.length > 76) {
        out.push(`${line} \\`);
        line = `      ${w}`;
      } else line += ` ${w}`;
    }
    out.push(line);
  }
  return out.join('\n');
}

/** The flags of a policy that `backtest` and `advise` share (band, schedule, mode, costs). */
interface PolicyFlagArgs {
  band?: string;
  check?: string;
  to?: string;
  lookback?: number;
  cooldown?: number;
  'fee-bps'?: number;
  'half-spread-bps'?: number;
  'fixed-fee'?: number;
  'min-trade'?: number;
}

/** Those flags as the backtest and advise commands take them (each keeps yargs' type for its command). */
function policyFlags<A extends PolicyFlagArgs>(a: A) {
  return {
    band: a.band as A['band'],
    check: a.check as A['check'],
    to: a.to as A['to'],
    lookback: a.lookback as A['lookback'],
    cooldown: a.cooldown as A['cooldown'],
    feeBps: a['fee-bps'] as A['fee-bps'],
    halfSpreadBps: a['half-spread-bps'] as A['half-spread-bps'],
    fixedFee: a['fixed-fee'] as A['fixed-fee'],
    minTrade: a['min-trade'] as A['min-trade'],
  };
}

/** Options that may be given more than once (yargs collects them into an array). */
const REPEATABLE = new Set(['flow', 'dirs', '_']);

/** An option given twice is a mistake (yargs would hand over an array): say which, not a stack trace. */
export function refuseRepeats(a: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(a)) {
    // camelCase keys are yargs' aliases of the dashed names: report each option once, by its flag
    if (!Array.isArray(v) || REPEATABLE.has(k) || /[A-Z]/.test(k)) continue;
    throw new UserError(`--${k} was given ${v.length} times (${v.map((x) => JSON.stringify(String(x))).join(', ')}); give it once`);
  }
}

export async function main(argv: string[]): Promise<void> {
  const cli = yargs(argv)
    .scriptName('rebalance-lab')
    .usage('$0 <command> [options]\n\nBacktest rebalancing threshold policies on real prices.')
    .command(
      'backtest',
      'backtest one policy, beside the calendar baseline and buy-and-hold',
      (y: Argv) =>
        y
          .options(BACKTEST_OPTIONS)
          .epilog(
            examples([
              [
                '60/40 with a ±25% relative band, checked monthly, trading to the edge:',
                'backtest --data data/etf_daily_adjclose_1993_2023.csv --weights SPY=0.6,TLT=0.4 --band relative:0.25 --check monthly --to edge --fee-bps 10',
              ],
            ]),
          ),
      async (a) => {
        const { backtestCommand, backtestJson, formatBacktest } = await import('./backtest.js');
        const r = await backtestCommand({
          data: a.data,
          weights: a.weights,
          ...policyFlags(a),
          start: a.start,
          end: a.end,
          maxFill: a['max-fill'],
          periodsPerYear: a['periods-per-year'],
          capital: a.capital,
          riskFree: a['risk-free'],
          normalize: a.normalize,
          json: a.json,
          series: a.series,
          flow: a.flow,
          flowMode: a['flow-mode'],
          flowGrowth: a['flow-growth'],
          flowsFile: a['flows-file'],
          tax: a.tax,
          taxAware: a['tax-aware'],
        });
        for (const w of r.warnings) process.stderr.write(`rebalance-lab: warning: ${w}\n`);
        process.stdout.write(a.json ? backtestJson(r) : formatBacktest(r));
      },
    )
    .command(
      'advise',
      "today's holdings and prices through a chosen policy: trade or not, and the orders",
      (y: Argv) =>
        y
          .options({
            policy: {
              type: 'string',
              describe: 'the policy: a run folder reports/<experiment>/<run>[#rank|#id=ID] (default rank 1) or a policy .json from `policy export`',
            },
            weights: { type: 'string', describe: 'or the policy by the backtest flags: target weights, e.g. SPY=0.6,TLT=0.4' },
            band: BACKTEST_OPTIONS.band,
            check: BACKTEST_OPTIONS.check,
            to: BACKTEST_OPTIONS.to,
            lookback: BACKTEST_OPTIONS.lookback,
            cooldown: BACKTEST_OPTIONS.cooldown,
            'fee-bps': BACKTEST_OPTIONS['fee-bps'],
            'half-spread-bps': BACKTEST_OPTIONS['half-spread-bps'],
            'fixed-fee': BACKTEST_OPTIONS['fixed-fee'],
            'min-trade': BACKTEST_OPTIONS['min-trade'],
            normalize: BACKTEST_OPTIONS.normalize,
            holdings: { type: 'string', demandOption: true, describe: 'units held: a CSV asset,units or A=units,B=units' },
            prices: { type: 'string', describe: "a price file (its row on --as-of) or A=price,B=price; default: the run's data file" },
            cash: { type: 'number', default: 0, describe: 'cash held besides the assets (counted in the value, no target)' },
            'as-of': { type: 'string', describe: "the date whose prices to use (YYYY-MM-DD); default: the price file's last date" },
            'lot-size': { type: 'string', describe: 'trade in whole lots: one size for all (e.g. 1) or A=1,B=0.001' },
            'max-fill': BACKTEST_OPTIONS['max-fill'],
            'periods-per-year': BACKTEST_OPTIONS['periods-per-year'],
            json: { type: 'boolean', default: false, describe: 'print { trade, orders, weights, postTradeWeights, nextCheck, … } as JSON' },
          })
          .example(
            '$0 advise --policy reports/sixty-forty/20261124-120000#1 --holdings SPY=120,TLT=300',
            "what rank 1 says about these holdings on the data's last date",
          )
          .example(
            '$0 advise --weights SPY=0.6,TLT=0.4 --band relative:0.25 --to edge --holdings holdings.csv --prices SPY=410.2,TLT=101.5 --lot-size 1',
            "the policy by flags, today's prices by hand",
          ),
      async (a) => {
        const { adviseCommand, formatAdvice, adviceJson } = await import('./advise.js');
        const r = await adviseCommand({
          policy: a.policy,
          weights: a.weights,
          ...policyFlags(a),
          normalize: a.normalize,
          holdings: a.holdings,
          prices: a.prices,
          cash: a.cash,
          asOf: a['as-of'],
          lotSize: a['lot-size'],
          maxFill: a['max-fill'],
          periodsPerYear: a['periods-per-year'],
        });
        process.stdout.write(a.json ? JSON.stringify(adviceJson(r), null, 2) + '\n' : formatAdvice(r));
      },
    )
    .command('policy', 'export a chosen policy', (y: Argv) =>
      y
        .command(
          'export <run>',
          "write a run's configuration (rank or id) as a small versioned policy JSON that `advise --policy` reads",
          (z: Argv) =>
            z
              .positional('run', { type: 'string', demandOption: true, describe: 'reports/<experiment>/<run>[#rank|#id=ID] (default rank 1)' })
              .options({ out: { type: 'string', describe: 'write to this file instead of stdout' } })
              .example('$0 policy export reports/sixty-forty/20261124-120000#1 --out policy.json', ''),
          async (a) => {
            const { policyExportCommand } = await import('./advise.js');
            const text = await policyExportCommand(a.run as string, a.out);
            if (a.out) process.stderr.write(`wrote ${a.out}\n`);
            else process.stdout.write(text);
          },
        )
        .demandCommand(1, 'name a policy subcommand: export'),
    )
    .command(
      'run <experiment>',
      "sweep an experiment's configurations on all cores, write results and a report",
      (y: Argv) =>
        y
          .positional('experiment', { type: 'string', demandOption: true, describe: 'experiment file (.ts or .json)' })
          .options(RUN_OPTIONS)
          .epilog(
            examples([
              ['The quick start:', 'run experiments/quickstart.ts'],
              ['See the plan (size, estimated time, disk) without running:', 'run experiments/sixty-forty.ts --dry-run'],
              ['Finish a stopped run:', 'run experiments/sixty-forty.ts --workers 2 --resume reports/sixty-forty/20261124-120000'],
            ]),
          ),
      async (a) => {
        const { runCommand, parseShard, parseWhole } = await import('./run.js');
        await runCommand({
          experiment: a.experiment as string,
          workers: parseWhole('--workers', a.workers),
          out: a.out,
          runId: a['run-id'],
          resume: a.resume,
          batchSize: parseWhole('--batch-size', a['batch-size']),
          noReport: !a.report,
          quiet: a.quiet,
          json: a.json,
          dryRun: a['dry-run'],
          yes: a.yes,
          shard: parseShard(a.shard, a['shard-from-env']),
          workerMemoryMb: parseWhole('--worker-memory-mb', a['worker-memory-mb']),
          breakLock: a['break-lock'],
        });
      },
    )
    .command(
      'merge <dirs..>',
      'merge shard runs (run --shard k/n) into one run: results.csv byte-identical to an unsharded run, then its report',
      (y: Argv) =>
        y
          .positional('dirs', {
            type: 'string',
            array: true,
            demandOption: true,
            describe: 'the shard folders, or the run folder holding shard-k-of-n folders',
          })
          .options({
            out: { type: 'string', describe: "the merged run folder (default: the shards' parent folder)" },
            report: RUN_OPTIONS.report,
            'break-lock': RUN_OPTIONS['break-lock'],
            quiet: RUN_OPTIONS.quiet,
            json: RUN_OPTIONS.json,
          })
          .epilog(examples([['Merge reports/sixty-forty/sweep1/shard-*-of-4 into reports/sixty-forty/sweep1:', 'merge reports/sixty-forty/sweep1']])),
      async (a) => {
        const { mergeCommand } = await import('./run.js');
        await mergeCommand({ dirs: a.dirs as string[], out: a.out, breakLock: a['break-lock'], noReport: !a.report, quiet: a.quiet, json: a.json });
      },
    )
    .command(
      'report <run>',
      "rebuild a run's report.html from its results",
      (y: Argv) =>
        y
          .positional('run', { type: 'string', demandOption: true, describe: 'run folder' })
          .epilog(examples([['Rebuild the report of a finished run:', 'report reports/quickstart/20261124-120000']])),
      async (a) => {
        const { reportCommand } = await import('./run.js');
        await reportCommand(a.run as string);
      },
    )
    .command('data', 'inspect price data', (y: Argv) =>
      y
        .command(
          'inspect <file>',
          'assets, first/last dates, rows, gaps filled, detected periods per year',
          (z: Argv) =>
            z
              .positional('file', { type: 'string', demandOption: true, describe: 'price CSV (wide date,A,B,… or long date,asset,price)' })
              .options({
                assets: { type: 'string', describe: 'comma-separated assets to select (default: every asset column)' },
                start: { type: 'string', describe: 'first date to load (YYYY-MM-DD)' },
                end: { type: 'string', describe: 'last date to load (YYYY-MM-DD)' },
                'max-fill': { type: 'number', describe: 'forward-fill at most this many missing periods (default 5)' },
                'periods-per-year': { type: 'number', describe: 'override the detected periods per year' },
                json: { type: 'boolean', default: false, describe: 'print the summary as JSON on stdout' },
              })
              .epilog(examples([['Bitcoin and ether, their common dates and gaps:', 'data inspect data/crypto_daily_close_2014_2025.csv --assets BTC,ETH']])),
          async (a) => {
            const { loadPrices } = await import('../data/load.js');
            const { formatInspect } = await import('../data/inspect.js');
            const { info } = await loadPrices(a.file as string, {
              assets: a.assets ? a.assets.split(',').map((s) => s.trim()) : undefined,
              start: a.start,
              end: a.end,
              maxFill: a['max-fill'],
              periodsPerYear: a['periods-per-year'],
            });
            process.stdout.write(a.json ? JSON.stringify(info, null, 2) + '\n' : formatInspect(info));
          },
        )
        .demandCommand(1, 'name a data subcommand: inspect'),
    )
    .command(
      'init <name>',
      'write a commented starter experiment to experiments/<name>.ts',
      (y: Argv) =>
        y
          .positional('name', {
            type: 'string',
            demandOption: true,
            describe: 'experiment name (letters, digits, dot, dash, underscore); names the file and the run folder',
          })
          .options({
            dir: { type: 'string', default: 'experiments', describe: 'folder to write the experiment file into' },
            json: { type: 'boolean', default: false, describe: 'write .json instead of .ts' },
          })
          .epilog(examples([['A starter experiment, then its plan:', 'init my-sweep && rebalance-lab run experiments/my-sweep.ts --dry-run']])),
      async (a) => {
        const { initCommand } = await import('./init.js');
        const file = await initCommand(a.name as string, a.dir, a.json);
        process.stdout.write(`wrote ${path.relative(process.cwd(), file)}; run it with: rebalance-lab run ${path.relative(process.cwd(), file)}\n`);
      },
    )
    .middleware(refuseRepeats, true)
    .demandCommand(1, 'name a command (try --help)')
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(VERSION)
    .describe('version', 'print the version of rebalance-lab')
    .epilogue(DOCS_EPILOGUE)
    .wrap(Math.min(100, process.stdout.columns || 80))
    .fail((msg, err) => {
      if (err) throw err;
      fail(`${msg}\n(see --help)`);
    });
  await cli.parseAsync();
}

export async function entry(): Promise<void> {
  try {
    await main(hideBin(process.argv));
  } catch (e) {
    if (isUserError(e)) fail(e.message);
    process.stderr.write(`rebalance-lab: internal error (please report it):\n${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  }
}
