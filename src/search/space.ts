/**
 * The parameter space (design §6): configuration ids 0..size−1, each decoded to one Config
 * on demand, never materialised. Grid ids are a mixed-radix number over the conditional
 * structure below; random and halton ids are draws that depend only on (seed, id).
 *
 * Structure (slowest-varying first): band type → its parameters (width, relWidth, lookback)
 * → check schedule → mode → its parameter (depth for inner, fraction for partial) → cooldown
 * → searched costs. Parameters that do not apply are absent, and equivalent configurations
 * are merged: `none` is one configuration (it never checks nor trades); `calendar` has no
 * band to trade to, so edge and inner are the same as target and collapse into it.
 */
import { article, UserError } from '../errors.js';
import { BANDS } from '../policy/bands.js';
import { DOMAINS } from '../policy/domains.js';
import type { FlowMode } from '../policy/flows.js';
import { COST_KEYS, type BandType, type CheckEvery, type Config, type Costs, type Mode } from '../policy/types.js';
import { MAX_CONFIGS, type NumDim, type SearchSpec, type SpaceSpec } from '../spec/schema.js';
import { halton, HaltonDraws, UniformDraws, uniform } from './rng.js';

export const PARAMS = [
  'band',
  'width',
  'relWidth',
  'lookback',
  'check',
  'mode',
  'depth',
  'fraction',
  'cooldown',
  'feeBps',
  'halfSpreadBps',
  'fixedFee',
  'minTrade',
  'minWidth',
  'flowMode',
] as const;
export type ParamName = (typeof PARAMS)[number];

/** A compiled numeric dimension: a finite list, or a distribution (random/halton only). */
interface Dim {
  readonly path: string;
  readonly values: readonly number[] | null;
  readonly sample: (u: number) => number;
}

interface ModeOption {
  readonly mode: Mode;
  readonly dim: Dim | null; // depth or fraction
}

interface Family {
  readonly band: BandType;
  readonly dims: { key: 'width' | 'relWidth' | 'lookback' | 'minWidth'; dim: Dim }[];
  readonly modes: readonly ModeOption[];
  /** none: a single configuration. */
  readonly single: boolean;
  /** Grid: configurations in this family, and its first id. */
  count: number;
  first: number;
}

/** The grid's limit: the sweep's (MAX_CONFIGS, also the cap of sampled searches). */
const MAX_GRID = MAX_CONFIGS;

function fail(file: string, path: string, msg: string): never {
  throw new UserError(`${file}: ${path}: ${msg}`);
}

type Check = (x: number) => string | null;

function compileDim(file: string, path: string, d: NumDim, ok: Check, kind: SearchSpec['kind'], integer = false): Dim {
  const checkValue = (x: number, where: string): number => {
    const why = ok(x);
    if (why) fail(file, where, `${why}, got ${x}`);
    return x;
  };
  // a value listed twice in a grid would give two ids for one configuration (design §6)
  const noRepeats = (values: readonly number[], where: (i: number) => string): void => {
    if (kind !== 'grid') return;
    const seen = new Set<number>();
    values.forEach((x, i) => {
      if (seen.has(x)) fail(file, where(i), `gives the value ${x} twice, which would repeat configurations; drop the repeat`);
      seen.add(x);
    });
  };
  if (typeof d === 'number') d = [d];
  if (Array.isArray(d)) {
    const values = d.map((x, i) => checkValue(x, `${path}[${i}]`));
    noRepeats(values, (i) => `${path}[${i}]`);
    return { path, values, sample: (u) => values[Math.min(values.length - 1, Math.floor(u * values.length))] };
  }
  if ('step' in d) {
    if (d.to < d.from) fail(file, `${path}.to`, `must be ≥ from (${d.from}), got ${d.to}`);
    const n = Math.floor((d.to - d.from) / d.step + 1e-9) + 1;
    if (n > 1_000_000) fail(file, `${path}.step`, `gives ${n} values; use a larger step`);
    const values: number[] = [];
    for (let i = 0; i < n; i++) values.push(Number((d.from + i * d.step).toPrecision(12)));
    // every value, not only the ends: an integer parameter may step over fractions (10, 12.5, 15)
    values.forEach((x, i) => checkValue(x, i === 0 ? `${path}.from` : i === n - 1 ? `${path}.to` : `${path}.step`));
    noRepeats(values, () => `${path}.step`);
    return { path, values, sample: (u) => values[Math.min(n - 1, Math.floor(u * n))] };
  }
  if (kind === 'grid' && d.dist !== 'choice') {
    fail(
      file,
      path,
      `${article(d.dist)} ${d.dist} distribution cannot be enumerated by a grid; list values, give {from, to, step}, or use search.kind "random"`,
    );
  }
  if (integer && (d.dist === 'uniform' || d.dist === 'logUniform')) {
    fail(file, path, `${article(d.dist)} ${d.dist} distribution draws fractional values, but this parameter is a whole number; use {dist: "int", min, max}`);
  }
  switch (d.dist) {
    case 'choice': {
      const values = d.values.map((x, i) => checkValue(x, `${path}.values[${i}]`));
      noRepeats(values, (i) => `${path}.values[${i}]`);
      return { path, values, sample: (u) => values[Math.min(values.length - 1, Math.floor(u * values.length))] };
    }
    case 'uniform': {
      if (!(d.max > d.min)) fail(file, `${path}.max`, `must be > min (${d.min}), got ${d.max}`);
      checkValue(d.min, `${path}.min`);
      checkValue(d.max, `${path}.max`);
      const { min, max } = d;
      return { path, values: null, sample: (u) => min + u * (max - min) };
    }
    case 'logUniform': {
      if (!(d.max > d.min)) fail(file, `${path}.max`, `must be > min (${d.min}), got ${d.max}`);
      checkValue(d.min, `${path}.min`);
      checkValue(d.max, `${path}.max`);
      const a = Math.log(d.min);
      const b = Math.log(d.max);
      return { path, values: null, sample: (u) => Math.exp(a + u * (b - a)) };
    }
    case 'int': {
      if (d.max < d.min) fail(file, `${path}.max`, `must be ≥ min (${d.min}), got ${d.max}`);
      checkValue(d.min, `${path}.min`);
      checkValue(d.max, `${path}.max`);
      const { min, max } = d;
      return { path, values: null, sample: (u) => min + Math.min(max - min, Math.floor(u * (max - min + 1))) };
    }
  }
}

// the domains are policy/domains.ts's; only the wording of the messages is here
const between01 = (x: number): string | null => (DOMAINS.depth.ok(x) ? null : 'expected a number between 0 and 1 (exclusive)');
const fractionOk = (x: number): string | null => (DOMAINS.fraction.ok(x) ? null : `expected a number in ${DOMAINS.fraction.text}`);
const lookbackOk = (x: number): string | null => (DOMAINS.lookback.ok(x) ? null : `expected ${DOMAINS.lookback.text}`);
const cooldownOk = (x: number): string | null => (DOMAINS.cooldown.ok(x) ? null : `expected ${DOMAINS.cooldown.text}`);
const costOk = (x: number): string | null => (DOMAINS.cost.ok(x) ? null : `expected a number ${DOMAINS.cost.text}`);
const bpsOk = (x: number): string | null => (DOMAINS.bps.ok(x) ? null : `expected basis points ${DOMAINS.bps.text.replace(' basis points', '')}`);

export interface SpaceDefaults {
  costs: Costs;
}

/** A compiled space: size, decode(id), and what was searched. */
export class ParameterSpace {
  readonly size: number;
  readonly kind: SearchSpec['kind'];
  readonly seed: number;
  /** Parameters that take more than one value (for reports). */
  readonly searched: ParamName[];
  /** The largest lookback anywhere in the space (the warm-up). */
  readonly maxLookback: number;
  /** Check schedules in the space (for the calendar baselines). */
  readonly checks: readonly CheckEvery[];
  private readonly families: Family[];
  private readonly common: { key: 'cooldown' | (typeof COST_KEYS)[number]; dim: Dim }[];
  /**
   * space.flowMode (cash flows): the whole space once per flow mode, slowest-varying of all
   * (grid id = k·baseSize + base id), so a space without it is unchanged; null when not given.
   */
  private readonly flowModes: readonly FlowMode[] | null;
  private readonly baseSize: number;

  constructor(space: SpaceSpec, search: SearchSpec, defaults: SpaceDefaults, file = 'experiment') {
    this.kind = search.kind;
    this.seed = search.kind === 'grid' ? 0 : search.seed;
    const kind = search.kind;
    const checks = (Array.isArray(space.check) ? space.check : [space.check]) as CheckEvery[];
    this.checks = [...new Set(checks)];
    // every 1 period is every row, i.e. daily: the same schedule under two names
    if (new Set(checks.map((c) => (c === 1 ? 'daily' : c))).size !== checks.length)
      fail(file, 'space.check', `lists a schedule twice${checks.includes(1) && checks.includes('daily') ? ' (every 1 period is "daily")' : ''}`);
    const modes = [...new Set(Array.isArray(space.mode) ? space.mode : [space.mode])] as Mode[];
    const modeDim = (m: Mode): Dim | null => {
      if (m === 'inner') {
        if (space.depth === undefined) fail(file, 'space.depth', 'mode "inner" needs a depth q in (0,1), e.g. depth: [0.5]');
        return compileDim(file, 'space.depth', space.depth, between01, kind);
      }
      if (m === 'partial') {
        if (space.fraction === undefined) fail(file, 'space.fraction', 'mode "partial" needs a fraction f in (0,1], e.g. fraction: [0.5]');
        return compileDim(file, 'space.fraction', space.fraction, fractionOk, kind);
      }
      return null;
    };
    const allModes: ModeOption[] = modes.map((m) => ({ mode: m, dim: modeDim(m) }));
    // calendar: edge and inner trade to target (no band), so they collapse into target.
    const calendarModes: ModeOption[] = [];
    if (modes.some((m) => m === 'target' || m === 'edge' || m === 'inner')) calendarModes.push({ mode: 'target', dim: null });
    for (const o of allModes) if (o.mode === 'partial') calendarModes.push(o);
    // partial with f = 1 trades all the way to target (w' = w*): where target is searched too, it is merged into it.
    const mergeFull = (opts: ModeOption[]): ModeOption[] => {
      if (kind !== 'grid' || !opts.some((o) => o.mode === 'target')) return opts;
      const out: ModeOption[] = [];
      for (const o of opts) {
        if (o.mode !== 'partial' || !o.dim) {
          out.push(o);
          continue;
        }
        const values = o.dim.values!.filter((x) => x !== 1);
        const n = values.length;
        if (n > 0) out.push({ mode: o.mode, dim: { path: o.dim.path, values, sample: (u) => values[Math.min(n - 1, Math.floor(u * n))] } });
      }
      return out;
    };
    const bandModes = mergeFull(allModes);
    const calModes = mergeFull(calendarModes);

    this.families = [];
    let maxLookback = 0;
    for (const band of Object.keys(BANDS) as BandType[]) {
      const spec = (space.bands as Record<string, Record<string, NumDim> | undefined>)[band];
      if (spec === undefined) continue;
      const bandSpec = BANDS[band];
      const dims: Family['dims'] = [];
      const base = `space.bands.${band}`;
      if (bandSpec.scope === 'asset' || bandSpec.scope === 'portfolio') {
        const widthOk: Check = (x) => (bandSpec.widthOk(x) ? null : `expected ${article(band)} ${band} width in ${bandSpec.widthDomain}`);
        dims.push({ key: 'width', dim: compileDim(file, `${base}.width`, spec.width, widthOk, kind) });
      }
      if (bandSpec.usesRelWidth) {
        const ok: Check = (x) => (DOMAINS.relWidth.ok(x) ? null : `expected a relative width in ${DOMAINS.relWidth.text}`);
        dims.push({ key: 'relWidth', dim: compileDim(file, `${base}.relWidth`, spec.relWidth, ok, kind) });
      }
      if (bandSpec.usesLookback) {
        const d = compileDim(file, `${base}.lookback`, spec.lookback, lookbackOk, kind, true);
        dims.push({ key: 'lookback', dim: d });
        maxLookback = Math.max(maxLookback, ...dimMax(d, spec.lookback));
      }
      if (band === 'volatility' && spec.minWidth !== undefined) {
        const ok: Check = (x) => (x >= 0 && x <= 1 ? null : 'expected a minimum width in [0, 1] (weight points)');
        dims.push({ key: 'minWidth', dim: compileDim(file, `${base}.minWidth`, spec.minWidth, ok, kind) });
      }
      this.families.push({
        band,
        dims,
        modes: band === 'calendar' ? calModes : bandModes,
        single: band === 'none',
        count: 0,
        first: 0,
      });
    }
    this.maxLookback = maxLookback;
    this.common = [];
    if (space.cooldown !== undefined) this.common.push({ key: 'cooldown', dim: compileDim(file, 'space.cooldown', space.cooldown, cooldownOk, kind, true) });
    for (const k of COST_KEYS) {
      const d = space[k];
      if (d !== undefined) this.common.push({ key: k, dim: compileDim(file, `space.${k}`, d, k === 'feeBps' || k === 'halfSpreadBps' ? bpsOk : costOk, kind) });
    }
    this.defaults = defaults;
    const costKeys = Object.keys(defaults.costs);
    this.plainCosts =
      costKeys.length === COST_KEYS.length &&
      Object.getOwnPropertySymbols(defaults.costs).length === 0 &&
      COST_KEYS.every((k, i) => costKeys[i] === k && Object.getOwnPropertyDescriptor(defaults.costs, k)?.value !== undefined);
    this.draws = search.kind === 'halton' ? new HaltonDraws(this.seed) : new UniformDraws(this.seed);
    this.flowModes = space.flowMode === undefined ? null : [...new Set(Array.isArray(space.flowMode) ? space.flowMode : [space.flowMode])];
    const nFlow = this.flowModes?.length ?? 1;

    if (search.kind === 'grid') {
      let total = 0;
      for (const f of this.families) {
        f.first = total;
        f.count = f.single ? 1 : this.familyCount(f);
        total += f.count;
      }
      this.baseSize = total;
      total *= nFlow;
      if (total > MAX_GRID)
        fail(
          file,
          'space',
          `the grid has ${total.toLocaleString('en')} configurations (limit ${MAX_GRID.toLocaleString('en')}); use coarser steps or search.kind "random" with samples`,
        );
      this.size = total;
    } else {
      this.size = search.samples;
      this.baseSize = search.samples;
    }
    const searched = new Set<ParamName>();
    if (this.families.length > 1) searched.add('band');
    for (const f of this.families) for (const { key, dim } of f.dims) if (dim.values === null || dim.values.length > 1) searched.add(key);
    if (this.checks.length > 1) searched.add('check');
    if (modes.length > 1) searched.add('mode');
    for (const o of [...bandModes, ...calModes])
      if (o.dim && (o.dim.values === null || o.dim.values.length > 1)) searched.add(o.mode === 'inner' ? 'depth' : 'fraction');
    for (const { key, dim } of this.common) if (dim.values === null || dim.values.length > 1) searched.add(key);
    if (nFlow > 1) searched.add('flowMode');
    this.searched = PARAMS.filter((p) => searched.has(p));
  }

  private readonly defaults: SpaceDefaults;
  /** The default costs are exactly the four cost fields, in COST_KEYS order (then `base` spells the spread out). */
  private readonly plainCosts: boolean;
  /** The random/halton draws of one id at a time (drawConfig). */
  private readonly draws: UniformDraws | HaltonDraws;

  private modeCount(f: Family): number {
    let n = 0;
    for (const o of f.modes) n += o.dim ? o.dim.values!.length : 1;
    return n;
  }

  private familyCount(f: Family): number {
    let n = this.checks.length * this.modeCount(f);
    for (const { dim } of f.dims) n *= dim.values!.length;
    for (const { dim } of this.common) n *= dim.values!.length;
    return n;
  }

  private base(f: Family): Config {
    const k = this.defaults.costs;
    // the same object as the spread below, written out (a spread per configuration is slow)
    if (this.plainCosts)
      return {
        band: f.band,
        width: 0,
        check: this.checks[0],
        mode: 'target',
        cooldown: 0,
        feeBps: k.feeBps,
        halfSpreadBps: k.halfSpreadBps,
        fixedFee: k.fixedFee,
        minTrade: k.minTrade,
      };
    return {
      band: f.band,
      width: 0,
      check: this.checks[0],
      mode: 'target',
      cooldown: 0,
      ...k,
    };
  }

  /** Configuration `id` (0 ≤ id < size). */
  config(id: number): Config {
    if (!(Number.isInteger(id) && id >= 0 && id < this.size)) throw new RangeError(`configuration id ${id} outside 0..${this.size - 1}`);
    const fm = this.flowModes;
    if (fm === null) return this.kind === 'grid' ? this.gridConfig(id) : this.drawConfig(id);
    if (this.kind !== 'grid') {
      const u = this.kind === 'halton' ? halton(this.seed, id, FLOW_SLOT) : uniform(this.seed, id, FLOW_SLOT);
      return { ...this.drawConfig(id), flowMode: fm[Math.min(fm.length - 1, Math.floor(u * fm.length))] };
    }
    const k = Math.floor(id / this.baseSize);
    return { ...this.gridConfig(id - k * this.baseSize), flowMode: fm[k] };
  }

  /**
   * The band type and mode of configuration `id` (those of `config(id)`), into `out`: for random
   * and halton searches from their two draws alone, without building the Config.
   */
  bandMode(id: number, out: { band: BandType; mode: Mode }): void {
    if (this.kind === 'grid' || !(Number.isInteger(id) && id >= 0 && id < this.size)) {
      const c = this.config(id);
      out.band = c.band;
      out.mode = c.mode;
      return;
    }
    const d = this.draws;
    d.at(id);
    const f = pick(this.families, d.u(0));
    out.band = f.band;
    out.mode = f.single ? 'target' : pick(f.modes, d.u(5)).mode;
  }

  private gridConfig(id: number): Config {
    let lo = 0;
    let hi = this.families.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.families[mid].first <= id) lo = mid;
      else hi = mid - 1;
    }
    const f = this.families[lo];
    const c = this.base(f);
    if (f.single) return c;
    let r = id - f.first;
    // fastest-varying last: peel off common dims from the end
    for (let j = this.common.length - 1; j >= 0; j--) {
      const { key, dim } = this.common[j];
      const n = dim.values!.length;
      c[key] = dim.values![r % n];
      r = Math.floor(r / n);
    }
    const nm = this.modeCount(f);
    let m = r % nm;
    r = Math.floor(r / nm);
    for (const o of f.modes) {
      const n = o.dim ? o.dim.values!.length : 1;
      if (m < n) {
        setMode(c, o, o.dim ? o.dim.values![m] : NaN);
        break;
      }
      m -= n;
    }
    c.check = this.checks[r % this.checks.length];
    r = Math.floor(r / this.checks.length);
    for (let j = f.dims.length - 1; j >= 0; j--) {
      const { key, dim } = f.dims[j];
      const n = dim.values!.length;
      c[key] = dim.values![r % n];
      r = Math.floor(r / n);
    }
    return c;
  }

  /**
   * Random / halton: slot j of draw id is u(seed, id, j). Fixed slots: 0 band type,
   * 1–3 width, relWidth, lookback, 4 check, 5 mode, 6 depth/fraction, 7… cooldown and costs.
   */
  private drawConfig(id: number): Config {
    const d = this.draws;
    d.at(id);
    const f = pick(this.families, d.u(0));
    const c = this.base(f);
    if (f.single) return c;
    for (const { key, dim } of f.dims) c[key] = dim.sample(d.u(DIM_SLOT[key]));
    c.check = pick(this.checks, d.u(4));
    const o = pick(f.modes, d.u(5));
    setMode(c, o, o.dim ? o.dim.sample(d.u(6)) : NaN);
    const common = this.common;
    for (let j = 0; j < common.length; j++) c[common[j].key] = common[j].dim.sample(d.u(7 + j));
    return c;
  }
}

/** Random/halton slots of the band parameters; minWidth (added later) takes the last Halton dimension, so earlier draws are unchanged. */
const DIM_SLOT = { width: 1, relWidth: 2, lookback: 3, minWidth: 24 } as const;

/** xs[⌊x·n⌋] for a draw x in [0, 1). */
function pick<T>(xs: readonly T[], x: number): T {
  return xs[Math.min(xs.length - 1, Math.floor(x * xs.length))];
}

/** The random/halton slot of space.flowMode (after every other slot). */
const FLOW_SLOT = 16;

function setMode(c: Config, o: ModeOption, x: number): void {
  c.mode = o.mode;
  if (o.mode === 'inner') c.depth = x;
  else if (o.mode === 'partial') c.fraction = x;
}

function dimMax(d: Dim, src: NumDim | undefined): number[] {
  if (d.values) return [...d.values];
  if (src && typeof src === 'object' && !Array.isArray(src) && 'max' in src) return [src.max];
  return [0];
}

const orNull = <T>(v: T | undefined): T | null => (v === undefined ? null : v);

/**
 * Each parameter's value for a results row (null where it does not apply), one function per
 * parameter so each reads a fixed field (results.csv asks for 15 of them per configuration).
 */
export const PARAM_VALUE: { readonly [P in ParamName]: (c: Config) => string | number | null } = {
  band: (c) => c.band,
  width: (c) => (c.band === 'none' || c.band === 'calendar' ? null : c.width),
  relWidth: (c) => orNull(c.relWidth),
  lookback: (c) => orNull(c.lookback),
  check: (c) => (c.band === 'none' ? null : c.check),
  mode: (c) => (c.band === 'none' ? null : c.mode),
  depth: (c) => orNull(c.depth),
  fraction: (c) => orNull(c.fraction),
  cooldown: (c) => (c.band === 'none' ? null : (c.cooldown ?? 0)),
  feeBps: (c) => orNull(c.feeBps),
  halfSpreadBps: (c) => orNull(c.halfSpreadBps),
  fixedFee: (c) => orNull(c.fixedFee),
  minTrade: (c) => orNull(c.minTrade),
  minWidth: (c) => orNull(c.minWidth),
  flowMode: (c) => orNull(c.flowMode),
};

/** The value of a parameter for a results row (null where it does not apply). */
export function paramValue(c: Config, p: ParamName): string | number | null {
  return PARAM_VALUE[p](c);
}
