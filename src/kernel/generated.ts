/**
 * Kernels generated per (asset count N, band type, mode): the day loop AND the check-day logic
 * (band test, mode, costs, minTrade, cooldown) in one function, every holding, target and
 * static half-width in its own local, the asset loops unrolled, no closure call per check day
 * and no typed-array round trips. A kernel only simulates the portfolio: per row it writes
 * the post-trade value V_t and the drift of the end-of-day weights; the bookkeeping that does
 * not need the holdings (returns, sums, drawdown, statistics) runs afterwards in one shared
 * pass (pathPass in kernel/backtest.ts). Measured: every extra value carried
 * through the kernel's day loop (running sums, the peak) made it slower than the separate
 * pass, by spilling registers and by mispredicted branches.
 *
 * It performs exactly the operations of makeCheckDay + genericDayLoop (the readable path in
 * kernel/backtest.ts), value by value in the same order, so its results are bit-identical;
 * test/kernel/generated.test.ts compares the two on every band, mode, cooldown, minTrade and
 * fee for several N. Rules that keep it so:
 *  - Sums are written `0 + a + b + …` because the readable loops start their accumulators at 0
 *    (0 + x is not always x: −0).
 *  - Math.abs(x) stands for the readable `x < 0 ? −x : x`: they differ only on −0 (+0 instead
 *    of −0), and each such value is only compared, or added to a sum that starts at +0, where
 *    ±0 give the same result. Math.abs(x − w) stands for `x > w ? x − w : w − x`, which is the
 *    same number (fl(w − x) = −fl(x − w) exactly). These matter for speed: a data-dependent
 *    branch costs ~8 ns each time the CPU mispredicts it, and whether a weight is above or
 *    below its target is a coin flip (this one change took the bench from 37.6k to 42.2k
 *    configurations/s).
 *  - Days between check rows run in a loop of their own without any check code (fewer live
 *    values, no spills); a check row runs the same day code plus the check.
 *  - On a trade, the drift sum is recomputed from the new holdings, as the readable loop does.
 *  - The border-tie rule: a rebalance with Σ|w' − w| ≤ TRADE_EPS is no rebalance (except for the
 *    calendar baseline, whose zero-turnover checks are events); every kernel path follows it.
 */
import { TRADE_EPS } from '../policy/costs.js';
import { BANDS } from '../policy/bands.js';
import { MODE_SPECS } from '../policy/modes.js';
import type { BandType, Mode } from '../policy/types.js';

/** Up to this many assets the generated kernels run; above it the readable loop. */
export const MAX_GENERATED_N = 64;

/** Above this N the risk band's devᵀΣdev runs as a loop over a scratch array, not unrolled N². */
const MAX_UNROLLED_RISK_N = 8;

/** Band variants with distinct generated code (absolute/relative/hybrid share 'static'). */
export type KernelBand = 'none' | 'calendar' | 'static' | 'volatility' | 'drift' | 'risk';
export type KernelMode = Mode;

/** Output slots of Kernel's acc argument. */
export const K_EVENTS = 0;
export const K_TURN = 1;
export const K_COST_SUM = 2;
/** Σ C (currency) and Σ over events of the assets traded (|w'_i − w_i| > TRADE_EPS). */
export const K_COST_TOTAL = 3;
export const K_ASSET_TRADES = 4;
export const K_SLOTS = 5;

/** Slots of Kernel's prm argument (the per-configuration scalars). */
export const PRM_V0 = 0;
export const PRM_K = 1;
export const PRM_PPY = 2;
export const PRM_MODE = 3;
export const PRM_RATE = 4;
export const PRM_FIXED = 5;
export const PRM_MIN_TRADE = 6;
/** volatility band: minimum half-width (b_i = max(minWidth, k·σ·w*_i)). */
export const PRM_MIN_WIDTH = 7;
export const PRM_SLOTS = 8;

/**
 * One configuration's whole window. P: prices T×N; W: targets; b: static half-widths (static
 * bands); vol: σ table T×N (volatility); cov: Σ table T×N×N (risk); dv: N scratch (risk, large
 * N); checks: the check rows (KernelContext.checkRows, ending with the sentinel T). Writes
 * vals[t] = V_t (post-trade value) for t in [start, T) and drift[t] = ½·Σ_i|h_i·P_i,t − w*_i·V_t|
 * / |V_t| for t in (start, T), and acc[K_*]. The scalars (prm, PRM_* slots) come in a
 * Float64Array, not as arguments, so V8 always sees doubles: an integer-valued argument (a
 * capital of 100000) arrives as a small integer and made the running values tagged, boxed on
 * every day. The integers start, T, cooldown stay arguments.
 */
export type Kernel = (
  P: Float64Array,
  W: Float64Array,
  b: Float64Array,
  vol: Float64Array | null,
  cov: Float64Array | null,
  dv: Float64Array,
  checks: Int32Array,
  vals: Float64Array,
  drift: Float64Array,
  start: number,
  T: number,
  cooldown: number,
  prm: Float64Array,
  acc: Float64Array,
  flows: FlowHook | null,
) => void;

/**
 * Cash flows (kernel/flows.ts), for the kernels generated with flows only: the flow rows
 * (ascending, then T), the holdings scratch hs the flow step reads and rewrites, and the step
 * itself: step(t, row, V) applies row t's flow to hs and returns the post-flow value. Kernels
 * without flows never touch it (the SIMD kernel of issue 12 has no flows: a configuration runs
 * there only when its context has none, KernelContext.flows === null).
 */
export interface FlowHook {
  rows: Int32Array;
  hs: Float64Array;
  step: (t: number, row: number, V: number) => number;
}

const ARGS = ['P', 'W', 'b', 'vol', 'cov', 'dv', 'checks', 'vals', 'drift', 'start', 'T', 'cooldown', 'prm', 'acc', 'fx'] as const;

/** The source of the kernel for (N, band, mode); exported for tests and inspection. */
export function kernelSource(N: number, band: KernelBand, mode: KernelMode, withFlows = false): string {
  const ix = Array.from({ length: N }, (_, i) => i);
  const each = (f: (i: number) => string, sep = '\n'): string => ix.map(f).join(sep);
  const sum = (f: (i: number) => string): string => `0 + ${each(f, ' + ')}`;
  const needS = mode === 'edge' || mode === 'inner';
  const eps = String(TRADE_EPS);
  if (Number(eps) !== TRADE_EPS) throw new Error('TRADE_EPS does not round-trip through its decimal text');

  // the band test: sets trig (and s for edge/inner) from w{i}, d{i}; see makeCheckDay
  let test: string;
  switch (band) {
    case 'calendar':
      test = 'trig = true;';
      break;
    case 'static':
    case 'volatility': {
      const bw = band === 'static' ? (i: number) => `b${i}` : (i: number) => `bv${i}`;
      test = `${band === 'volatility' ? each((i) => `const bv${i} = Math.max(minW, k * vol[(row + ${i}) | 0] * W${i});`, ' ') : ''}
      ${each((i) => `const e${i} = Math.abs(d${i});`, ' ')}
      if (${each((i) => `e${i} > ${bw(i)}`, ' || ')}) {
        trig = true;
        ${needS ? `s = 1; ${each((i) => `if (e${i} > 0) { const q = ${bw(i)} / e${i}; if (q < s) s = q; }`, ' ')}` : ''}
      }`;
      break;
    }
    case 'drift':
      test = `let D = ${sum((i) => `Math.abs(d${i})`)};
      D *= 0.5;
      if (D > k) { trig = true; s = k / D; }`;
      break;
    case 'risk': {
      let q: string;
      if (N <= MAX_UNROLLED_RISK_N) {
        q = `const base = t * ${N * N};
      ${each((i) => `const c${i} = 0 + ${ix.map((j) => `cov[base + ${i * N + j}] * d${j}`).join(' + ')};`, '\n      ')}
      const q = ${sum((i) => `d${i} * c${i}`)};`;
      } else {
        q = `${each((i) => `dv[${i}] = d${i};`, ' ')}
      const base = t * ${N * N};
      let q = 0;
      for (let i = 0; i < ${N}; i++) {
        let c = 0;
        for (let j = 0; j < ${N}; j++) c += cov[base + i * ${N} + j] * dv[j];
        q += dv[i] * c;
      }`;
      }
      test = `${q}
      const te = Math.sqrt((q > 0 ? q : 0) * ppy);
      if (te > k) { trig = true; s = k / te; }`;
      break;
    }
    case 'none':
      test = '';
      break;
  }
  const scale = mode === 'target' ? '0' : mode === 'edge' ? 's' : mode === 'inner' ? 'modeParam * s' : '1 - modeParam';

  const check = `
    {
      ${withFlows ? 'cnext' : 'next'} = checks[++ci];
      if (lastTrade < 0 || t - lastTrade > cooldown) {
      ${each((i) => `const w${i} = a${i} / V; const d${i} = w${i} - W${i};`, '\n      ')}
      let trig = false, s = 0;
      ${test}
      if (trig) {
        const scale = ${scale};
        ${each((i) => `const x${i} = W${i} + scale * d${i}; const l${i} = Math.abs(x${i} - w${i});`, '\n        ')}
        const sumAbs = ${sum((i) => `l${i}`)};
        const nTraded = ${each((i) => `(l${i} > ${eps} ? 1 : 0)`, ' + ')};
        const Q = V * sumAbs;
        if (!(Q < minTrade)${band === 'calendar' ? '' : ` && !(sumAbs <= ${eps})`}) {
          const cost = Q * cRate + fixedFee * nTraded;
          costSum += cost / V;
          costTotal += cost;
          assetTrades += nTraded;
          turn += 0.5 * sumAbs;
          events += 1;
          const Vp = V - cost;
          ${each((i) => `h${i} = (x${i} * Vp) / p${i};`, ' ')}
          V = Vp;
          ds = ${sum((i) => `Math.abs(h${i} * p${i} - W${i} * V)`)};
          lastTrade = t;
        }
      }
      }
    }`;

  const day = (checkCode: string): string => `
  const row = Math.imul(t, ${N});
  ${checkCode === '' ? each((i) => `const a${i} = h${i} * P[(row + ${i}) | 0];`, ' ') : each((i) => `const p${i} = P[(row + ${i}) | 0]; const a${i} = h${i} * p${i};`, ' ')}
  V = ${sum((i) => `a${i}`)};
  let ds = ${sum((i) => `Math.abs(a${i} - W${i} * V)`)};${checkCode}
  vals[t] = V;
  drift[t] = (0.5 * ds) / (V < 0 ? -V : V);
`;

  if (withFlows) return flowSource(N, band, check, each, sum);
  return `'use strict';
const V0 = prm[${PRM_V0}], k = prm[${PRM_K}], ppy = prm[${PRM_PPY}], modeParam = prm[${PRM_MODE}];
const cRate = prm[${PRM_RATE}], fixedFee = prm[${PRM_FIXED}], minTrade = prm[${PRM_MIN_TRADE}], minW = prm[${PRM_MIN_WIDTH}];
${each((i) => `const W${i} = W[${i}];`, ' ')}
${band === 'static' ? each((i) => `const b${i} = b[${i}];`, ' ') : ''}
${each((i) => `let h${i} = (W${i} * V0) / P[start * ${N} + ${i}];`, '\n')}
let V = V0, lastTrade = -1, events = 0, turn = 0, costSum = 0, costTotal = 0, assetTrades = 0;
let ci = 0, next = checks[0];
vals[start] = V0;
${
  band === 'none'
    ? `for (let t = start + 1; t < T; t++) {${day('')}}`
    : `let t = start + 1;
for (;;) {
  // the days up to the next check row in a loop of their own (no check code in it)
  for (; t < next; t++) {${day('')}}
  if (t >= T) break;
  {${day(check)}}
  t++;
}`
}
acc[${K_EVENTS}] = events; acc[${K_TURN}] = turn; acc[${K_COST_SUM}] = costSum;
acc[${K_COST_TOTAL}] = costTotal; acc[${K_ASSET_TRADES}] = assetTrades;
`;
}

/**
 * The kernel with cash flows: the same day and check code, and on a flow row the flow step
 * (kernel/flows.ts applyFlow, through the hook) between the day's value and the check, exactly
 * where the readable day loop applies it. Generated only for configurations whose context has
 * flows, so the kernels without flows are unchanged.
 */
function flowSource(
  N: number,
  band: KernelBand,
  check: string,
  each: (f: (i: number) => string, sep?: string) => string,
  sum: (f: (i: number) => string) => string,
): string {
  const quiet = `
  const row = Math.imul(t, ${N});
  ${each((i) => `const a${i} = h${i} * P[(row + ${i}) | 0];`, ' ')}
  V = ${sum((i) => `a${i}`)};
  const ds = ${sum((i) => `Math.abs(a${i} - W${i} * V)`)};
  vals[t] = V;
  drift[t] = (0.5 * ds) / (V < 0 ? -V : V);
`;
  const event = `
  const row = Math.imul(t, ${N});
  ${each((i) => `const p${i} = P[(row + ${i}) | 0]; let a${i} = h${i} * p${i};`, ' ')}
  V = ${sum((i) => `a${i}`)};
  if (t === fnext) {
    fnext = frows[++fi];
    ${each((i) => `hs[${i}] = h${i};`, ' ')}
    V = fstep(t, row, V);
    ${each((i) => `h${i} = hs[${i}]; a${i} = h${i} * p${i};`, ' ')}
  }
  let ds = ${sum((i) => `Math.abs(a${i} - W${i} * V)`)};
  if (t === cnext) ${band === 'none' ? '{ cnext = checks[++ci]; }' : check}
  vals[t] = V;
  drift[t] = (0.5 * ds) / (V < 0 ? -V : V);
`;
  return `'use strict';
const V0 = prm[${PRM_V0}], k = prm[${PRM_K}], ppy = prm[${PRM_PPY}], modeParam = prm[${PRM_MODE}];
const cRate = prm[${PRM_RATE}], fixedFee = prm[${PRM_FIXED}], minTrade = prm[${PRM_MIN_TRADE}], minW = prm[${PRM_MIN_WIDTH}];
const frows = fx.rows, hs = fx.hs, fstep = fx.step;
${each((i) => `const W${i} = W[${i}];`, ' ')}
${band === 'static' ? each((i) => `const b${i} = b[${i}];`, ' ') : ''}
${each((i) => `let h${i} = (W${i} * V0) / P[start * ${N} + ${i}];`, '\n')}
let V = V0, lastTrade = -1, events = 0, turn = 0, costSum = 0, costTotal = 0, assetTrades = 0;
let ci = 0, cnext = ${band === 'none' ? 'T' : 'checks[0]'}, fi = 0, fnext = frows[0];
vals[start] = V0;
let t = start + 1;
for (;;) {
  const next = cnext < fnext ? cnext : fnext;
  for (; t < next; t++) {${quiet}}
  if (t >= T) break;
  {${event}}
  t++;
}
acc[${K_EVENTS}] = events; acc[${K_TURN}] = turn; acc[${K_COST_SUM}] = costSum;
acc[${K_COST_TOTAL}] = costTotal; acc[${K_ASSET_TRADES}] = assetTrades;
`;
}

const cache = new Map<number, Kernel>();
const KERNEL_BAND: { readonly [K in BandType]: KernelBand } = {
  none: 'none',
  calendar: 'calendar',
  absolute: 'static',
  relative: 'static',
  hybrid: 'static',
  volatility: 'volatility',
  drift: 'drift',
  risk: 'risk',
};

/**
 * The generated kernel for (N, band type, mode), built once per thread and warmed up (see
 * warmKernel). Band types that share a source (absolute/relative/hybrid) still get distinct
 * functions, so each one's type feedback stays monomorphic.
 */
export function kernelFor(N: number, band: BandType, mode: Mode, withFlows = false): Kernel {
  const key = ((N * 8 + BANDS[band].code) * 4 + MODE_SPECS[mode].code) * 2 + (withFlows ? 1 : 0);
  let f = cache.get(key);
  if (!f) {
    if (!(Number.isInteger(N) && N >= 1 && N <= MAX_GENERATED_N)) throw new RangeError(`no generated kernel for ${N} assets`);
    // new Function is the point here: a kernel specialised to N, band and mode. The source is
    // built only from the integer N and fixed enums, never from user input.
    f = new Function(...ARGS, kernelSource(N, KERNEL_BAND[band], mode, withFlows)) as Kernel;
    warmKernel(f, N, withFlows);
    cache.set(key, f);
  }
  return f;
}

/**
 * Run a new kernel on a small synthetic window (60 short calls in which every branch — check
 * and non-check days, breach or not, minTrade skip or trade, cooldown — sees traffic) before
 * its first real call (~4 ms for N = 5, ~30 ms for N = 32, once per kernel and thread). Without it V8 first optimised
 * the kernel on-stack in the middle of its first long window, with no type feedback for the
 * code before the loop; that code then deoptimised, and every later call entered the loop
 * through the on-stack-replacement code, about 3× slower (seen in about half of the processes).
 * Short calls make V8 optimise the whole function normally, with complete feedback. The
 * results of a kernel do not depend on any earlier call.
 */
function warmKernel(f: Kernel, N: number, withFlows: boolean): void {
  const T = 40;
  const start = 4;
  let seed = 0x2545f491;
  const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  const P = new Float64Array(T * N);
  for (let i = 0; i < N; i++) P[i] = 50 + 100 * rnd();
  for (let t = 1; t < T; t++) for (let i = 0; i < N; i++) P[t * N + i] = P[(t - 1) * N + i] * (1 + (rnd() - 0.5) * 0.2);
  const W = new Float64Array(N).fill(1 / N);
  const b = new Float64Array(N).fill(0.02);
  const vol = new Float64Array(T * N);
  for (let x = 0; x < vol.length; x++) vol[x] = 0.1 + 0.4 * rnd();
  const cov = new Float64Array(T * N * N);
  for (let t = 0; t < T; t++) for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) cov[(t * N + i) * N + j] = i === j ? 1e-4 * (1 + rnd()) : 2e-5 * rnd();
  const dv = new Float64Array(N);
  const days: number[] = [];
  for (let t = start + 1; t < T - 1; t++) days.push(t);
  const everyDay = Int32Array.from([...days, T]);
  const someDays = Int32Array.from([...days.filter((t) => t % 3 === 0), T]);
  const vals = new Float64Array(T);
  const drift = new Float64Array(T);
  const prm = new Float64Array(PRM_SLOTS);
  const acc = new Float64Array(K_SLOTS);
  // with flows: a 1% contribution every fourth row, taken pro rata (the step's own numbers do not matter here)
  const hs = new Float64Array(N);
  const fx: FlowHook | null = withFlows
    ? {
        rows: Int32Array.from([...days.filter((t) => t % 4 === 0), T]),
        hs,
        step: (_t: number, row: number, V: number): number => {
          for (let i = 0; i < N; i++) hs[i] += (W[i] * 0.01 * V) / P[row + i];
          return V * 1.01;
        },
      }
    : null;
  const widths = [0.005, 0.02, 0.2, 50];
  const minTrades = [0, 1000, 1e12];
  for (let call = 0; call < 60; call++) {
    prm[PRM_V0] = 100_000;
    prm[PRM_K] = widths[call % 4];
    prm[PRM_PPY] = 252;
    prm[PRM_MODE] = 0.5;
    prm[PRM_RATE] = 0.001;
    prm[PRM_FIXED] = 1;
    prm[PRM_MIN_TRADE] = minTrades[call % 3];
    prm[PRM_MIN_WIDTH] = call % 2 === 0 ? 0 : 0.01;
    b.fill(widths[call % 4]);
    f(P, W, b, vol, cov, dv, call % 5 === 0 ? someDays : everyDay, vals, drift, start, T, call % 7 === 0 ? 2 : 0, prm, acc, fx);
  }
}
