/**
 * Open a finished run's tables as danfojs DataFrames and explore them like pandas.
 *
 *   npx rebalance-lab run experiments/quickstart.ts --run-id demo
 *   npx tsx examples/explore-results.ts reports/quickstart/demo
 *
 * `results` is results.csv (one row per configuration, then the baselines; columns in
 * docs/file-formats.md); `robustness` and `folds` are null unless the experiment asked for
 * robustness or validation. Read numbers with `.values` (float64): `.tensor` is float32.
 */
import { openRunFrames } from 'rebalance-lab';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: npx tsx examples/explore-results.ts <run folder>\n');
  process.exit(2);
}
const { results, robustness, folds } = await openRunFrames(dir);

// the five best feasible rows by score (baselines included: their ids are names)
const feasible = results.query(results['feasible'].eq(1));
feasible
  .sortValues('score')
  .head(5)
  .loc({ columns: ['id', 'band', 'width', 'check', 'mode', 'trackingError', 'costDrag', 'score'] })
  .print();

// mean tracking error and cost drag per band type and check schedule
feasible.groupby(['band', 'check']).col(['trackingError', 'costDrag']).mean().print();

// exact numbers: `.values` keeps every float64 digit
const best = feasible.sortValues('score').head(1);
console.log('best score', (best['score'].values as number[])[0]);

if (robustness) robustness.head(5).print();
if (folds) folds.loc({ columns: ['fold', 'testFirst', 'testLast', 'chosenLabel', 'outOfSample.score'] }).print();
