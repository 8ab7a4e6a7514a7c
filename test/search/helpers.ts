/**
 * Helpers for the search suites: build a ParameterSpace from what a user would write, check
 * that a Config is valid (design §3), reduce a Config to the canonical form of what it does,
 * and a second, deliberately plain enumeration of a grid (nested loops in the documented
 * order) to compare the mixed-radix decoder of src/search/space.ts against.
 */
import type { z } from 'zod';
import { ParameterSpace } from '../../src/search/space.js';
import { Search, Space, type NumDim, type SpaceSpec } from '../../src/spec/schema.js';
import { BANDS } from '../../src/policy/bands.js';
import { MODES, NAMED_SCHEDULES, ZERO_COSTS, type BandType, type Config, type Costs, type Mode } from '../../src/policy/types.js';

export type SpaceInput = z.input<typeof Space>;
export type SearchInput = z.input<typeof Search>;

/** The file name the spaces below are compiled for (it must show up in error messages). */
export const FILE = 'exp.ts';

export function makeSpace(space: SpaceInput, search: SearchInput = { kind: 'grid' }, costs: Costs = ZERO_COSTS): ParameterSpace {
  return new ParameterSpace(Space.parse(space), Search.parse(search), { costs }, FILE);
}

export function allConfigs(s: ParameterSpace): Config[] {
  const out: Config[] = [];
  for (let id = 0; id < s.size; id++) out.push(s.config(id));
  return out;
}

/** The problems of a configuration (empty when it is valid), from design §3 written out again. */
export function configProblems(c: Config): string[] {
  const p: string[] = [];
  const has = (k: keyof Config): boolean => c[k] !== undefined;
  if (!(c.band in BANDS)) return [`unknown band ${String(c.band)}`];
  const band: BandType = c.band;
  const w = c.width;
  switch (band) {
    case 'none':
    case 'calendar':
      if (w !== 0) p.push(`${band} carries width ${w}`);
      break;
    case 'absolute':
    case 'hybrid':
    case 'drift':
    case 'risk':
      if (!(w > 0 && w <= 1)) p.push(`${band} width ${w} not in (0,1]`);
      break;
    case 'relative':
      if (!(w > 0 && w <= 10)) p.push(`relative width ${w} not in (0,10]`);
      break;
    case 'volatility':
      if (!(w > 0 && w <= 100)) p.push(`volatility width ${w} not in (0,100]`);
      break;
  }
  if (band === 'hybrid') {
    if (!(c.relWidth !== undefined && c.relWidth > 0 && c.relWidth <= 10)) p.push(`hybrid relWidth ${c.relWidth}`);
  } else if (has('relWidth')) p.push(`${band} carries relWidth`);
  if (band === 'volatility' || band === 'risk') {
    if (!(c.lookback !== undefined && Number.isInteger(c.lookback) && c.lookback >= 2)) p.push(`lookback ${c.lookback}`);
  } else if (has('lookback')) p.push(`${band} carries lookback`);
  const okCheck =
    (typeof c.check === 'string' && (NAMED_SCHEDULES as readonly string[]).includes(c.check)) ||
    (typeof c.check === 'number' && Number.isInteger(c.check) && c.check > 0);
  if (!okCheck) p.push(`check ${String(c.check)}`);
  if (!(MODES as readonly Mode[]).includes(c.mode)) p.push(`mode ${c.mode}`);
  if (c.mode === 'inner') {
    if (!(c.depth !== undefined && c.depth > 0 && c.depth < 1)) p.push(`depth ${c.depth}`);
  } else if (has('depth')) p.push(`mode ${c.mode} carries depth`);
  if (c.mode === 'partial') {
    if (!(c.fraction !== undefined && c.fraction > 0 && c.fraction <= 1)) p.push(`fraction ${c.fraction}`);
  } else if (has('fraction')) p.push(`mode ${c.mode} carries fraction`);
  if (band === 'calendar' && (c.mode === 'edge' || c.mode === 'inner')) p.push('calendar with a band-relative mode');
  const cd = c.cooldown ?? 0;
  if (!(Number.isInteger(cd) && cd >= 0)) p.push(`cooldown ${cd}`);
  for (const k of ['feeBps', 'halfSpreadBps', 'fixedFee', 'minTrade'] as const) {
    if (!(Number.isFinite(c[k]) && c[k] >= 0)) p.push(`${k} ${c[k]}`);
  }
  return p;
}

/**
 * What a configuration does, as canonical JSON: fields that do not apply are dropped, and
 * configurations that the backtest (design §3, NOTES-interpretations.md) cannot tell apart
 * map to one form:
 *  - none never checks nor trades: only its band matters;
 *  - calendar has no band, so edge and inner trade to target (NOTES 5: s = 0);
 *  - partial with f = 1 moves all the way to target: w' = w + 1·(w* − w) = w*;
 *  - an every-1-period check is a check on every row, i.e. daily (NOTES 2).
 * (Not merged, because they depend on more than the configuration: two cooldowns below an
 * integer check period n, e.g. cooldown 0 and 3 with check 5, also behave alike.)
 */
export function canonical(c: Config): string {
  if (c.band === 'none') return JSON.stringify({ band: 'none' });
  const o: Record<string, unknown> = {
    band: c.band,
    check: c.check === 1 ? 'daily' : c.check,
    mode: c.mode,
    cooldown: c.cooldown ?? 0,
    feeBps: c.feeBps,
    halfSpreadBps: c.halfSpreadBps,
    fixedFee: c.fixedFee,
    minTrade: c.minTrade,
  };
  if (c.band !== 'calendar') o.width = c.width;
  if (c.band === 'hybrid') o.relWidth = c.relWidth;
  if (c.band === 'volatility' || c.band === 'risk') o.lookback = c.lookback;
  if (c.mode === 'inner') o.depth = c.depth;
  if (c.mode === 'partial') o.fraction = c.fraction;
  if (c.band === 'calendar' && (c.mode === 'edge' || c.mode === 'inner')) {
    o.mode = 'target';
    delete o.depth;
  }
  if (c.mode === 'partial' && c.fraction === 1) {
    o.mode = 'target';
    delete o.fraction;
  }
  return JSON.stringify(o, Object.keys(o).sort());
}

/** {from, to, step} written out again: from + i·step while ≤ to (within a step fraction), rounded to 10 decimals. */
export function plainRange(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let i = 0; from + i * step <= to + step * 1e-6; i++) out.push(Number((from + i * step).toFixed(10)));
  return out;
}

function plainValues(d: NumDim): number[] {
  if (typeof d === 'number') return [d];
  if (Array.isArray(d)) return [...d];
  if ('step' in d) return plainRange(d.from, d.to, d.step);
  if (d.dist === 'choice') return [...d.values];
  throw new Error(`plainGrid: ${d.dist} cannot be listed`);
}

const BAND_ORDER: readonly BandType[] = ['none', 'calendar', 'absolute', 'relative', 'hybrid', 'volatility', 'drift', 'risk'];

/**
 * The grid by nested loops, slowest first: band (BAND_ORDER) → width → relWidth → lookback →
 * check → mode (in the listed order; calendar: target first, standing for target/edge/inner,
 * then partial) → depth/fraction → cooldown → feeBps → halfSpreadBps → fixedFee → minTrade.
 * Partial with f = 1 is left out where target is among the modes (it is target).
 */
export function plainGrid(s: SpaceSpec, costs: Costs): Config[] {
  const checks = Array.isArray(s.check) ? s.check : [s.check];
  const modes = [...new Set(Array.isArray(s.mode) ? s.mode : [s.mode])];
  const out: Config[] = [];
  type ModeChoice = { mode: Mode; depth?: number; fraction?: number };
  const modeChoices = (band: BandType): ModeChoice[] => {
    const list: Mode[] =
      band === 'calendar' ? [...(modes.some((m) => m !== 'partial') ? (['target'] as Mode[]) : []), ...modes.filter((m) => m === 'partial')] : modes;
    const res: ModeChoice[] = [];
    for (const m of list) {
      if (m === 'inner') for (const q of plainValues(s.depth!)) res.push({ mode: m, depth: q });
      else if (m === 'partial') {
        for (const f of plainValues(s.fraction!)) if (!(f === 1 && list.includes('target'))) res.push({ mode: m, fraction: f });
      } else res.push({ mode: m });
    }
    return res;
  };
  const opt = (d: NumDim | undefined, dflt: number): number[] => (d === undefined ? [dflt] : plainValues(d));
  for (const band of BAND_ORDER) {
    const spec = (s.bands as Record<string, Record<string, NumDim> | undefined>)[band];
    if (spec === undefined) continue;
    if (band === 'none') {
      out.push({ band, width: 0, check: checks[0], mode: 'target', cooldown: 0, ...costs });
      continue;
    }
    const widths = band === 'calendar' ? [0] : plainValues(spec.width);
    const rels: (number | undefined)[] = band === 'hybrid' ? plainValues(spec.relWidth) : [undefined];
    const looks: (number | undefined)[] = band === 'volatility' || band === 'risk' ? plainValues(spec.lookback) : [undefined];
    for (const width of widths)
      for (const relWidth of rels)
        for (const lookback of looks)
          for (const check of checks)
            for (const mc of modeChoices(band))
              for (const cooldown of opt(s.cooldown, 0))
                for (const feeBps of opt(s.feeBps, costs.feeBps))
                  for (const halfSpreadBps of opt(s.halfSpreadBps, costs.halfSpreadBps))
                    for (const fixedFee of opt(s.fixedFee, costs.fixedFee))
                      for (const minTrade of opt(s.minTrade, costs.minTrade)) {
                        const c: Config = { band, width, check, mode: mc.mode, cooldown, feeBps, halfSpreadBps, fixedFee, minTrade };
                        if (relWidth !== undefined) c.relWidth = relWidth;
                        if (lookback !== undefined) c.lookback = lookback;
                        if (mc.depth !== undefined) c.depth = mc.depth;
                        if (mc.fraction !== undefined) c.fraction = mc.fraction;
                        out.push(c);
                      }
  }
  return out;
}

/** A small counter-free PRNG for the tests' own randomness (mulberry32), independent of src/search/rng.ts. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Run fn and return the UserError it throws (fails the test when it throws nothing). */
export function userErrorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    if (e instanceof Error && e.name === 'UserError') return e;
    throw e;
  }
  throw new Error('expected a UserError, but nothing was thrown');
}
