/**
 * Parsing the compact policy forms: --band relative:0.25, --to inner:0.5, --check monthly|20.
 * Shared by the CLI and the library's backtest() (which names its fields policy.band, …).
 */
import { didYouMean, UserError } from '../errors.js';
import { BANDS } from './bands.js';
import { DOMAINS } from './domains.js';
import { isNamedSchedule } from './schedule.js';
import { BAND_TYPES, MODES, NAMED_SCHEDULES, type BandType, type CheckEvery, type Mode, type Policy } from './types.js';

function number(text: string, what: string): number {
  const x = Number(text);
  if (text.trim() === '' || !Number.isFinite(x)) throw new UserError(`${what}: "${text}" is not a number`);
  return x;
}

/** "relative:0.25", "hybrid:0.05,0.25", "volatility:1.5,60[,MIN]", "risk:0.02,60", "calendar", "none". */
/** `flag` names the input in messages: the CLI's --band, or the library's policy.band. */
export function parseBand(text: string, lookbackFlag?: number, flag = '--band'): Pick<Policy, 'band' | 'width' | 'relWidth' | 'lookback' | 'minWidth'> {
  const [name, args = ''] = text.split(':', 2) as [string, string?];
  if (!(BAND_TYPES as readonly string[]).includes(name))
    throw new UserError(`${flag}: unknown band type "${name}"${didYouMean(name, BAND_TYPES)}; use one of ${BAND_TYPES.join(', ')} (e.g. --band relative:0.25)`);
  const band = name as BandType;
  const spec = BANDS[band];
  if (spec.scope === 'always' || spec.scope === 'never') return { band, width: 0 };
  const parts = args.split(',').filter((s) => s !== '');
  if (parts.length === 0)
    throw new UserError(
      `${flag} ${text}: give the ${band} width, e.g. --band ${band}:${band === 'volatility' ? '1.5,60' : band === 'hybrid' ? '0.05,0.25' : '0.05'}`,
    );
  const width = number(parts[0], `${flag} ${text}`);
  if (!spec.widthOk(width)) throw new UserError(`${flag} ${text}: width ${width} is outside ${spec.widthDomain} (${spec.widthMeaning})`);
  const out: Pick<Policy, 'band' | 'width' | 'relWidth' | 'lookback' | 'minWidth'> = { band, width };
  if (spec.usesRelWidth) {
    if (parts.length < 2) throw new UserError(`${flag} ${text}: hybrid needs two numbers, the absolute and the relative width, e.g. hybrid:0.05,0.25`);
    const r = number(parts[1], `${flag} ${text}`);
    if (!DOMAINS.relWidth.ok(r)) throw new UserError(`${flag} ${text}: relative width ${r} must be in ${DOMAINS.relWidth.text}`);
    out.relWidth = r;
  }
  if (spec.usesLookback) {
    const L = parts.length >= 2 ? number(parts[1], `${flag} ${text}`) : lookbackFlag;
    if (L === undefined) throw new UserError(`${flag} ${text}: ${band} needs a lookback, e.g. --band ${band}:${parts[0]},60 or --lookback 60`);
    if (!DOMAINS.lookback.ok(L)) throw new UserError(`${flag} ${text}: lookback ${L} must be ${DOMAINS.lookback.text}`);
    out.lookback = L;
  }
  if (band === 'volatility' && parts.length >= 3) {
    // volatility:K,LOOKBACK,MIN: b_i = max(MIN, k·σ_i·w*_i), MIN in weight points
    const m = number(parts[2], `${flag} ${text}`);
    if (!(m >= 0 && m <= 1)) throw new UserError(`${flag} ${text}: minimum width ${m} must be in [0, 1] (weight points, e.g. 0.005)`);
    out.minWidth = m;
  }
  return out;
}

/** "target", "edge", "inner:0.5", "partial:0.5". */
export function parseMode(text: string, flag = '--to'): Pick<Policy, 'mode' | 'depth' | 'fraction'> {
  const [name, arg] = text.split(':', 2) as [string, string?];
  if (!(MODES as readonly string[]).includes(name))
    throw new UserError(`${flag}: unknown rebalance mode "${name}"${didYouMean(name, MODES)}; use target, edge, inner:Q or partial:F`);
  const mode = name as Mode;
  if (mode === 'inner') {
    const q = number(arg ?? '0.5', `${flag} ${text}`);
    if (!DOMAINS.depth.ok(q)) throw new UserError(`${flag} ${text}: depth ${q} must be between 0 and 1 (0 is target, 1 is edge)`);
    return { mode, depth: q };
  }
  if (mode === 'partial') {
    const f = number(arg ?? '0.5', `${flag} ${text}`);
    if (!DOMAINS.fraction.ok(f)) throw new UserError(`${flag} ${text}: fraction ${f} must be in ${DOMAINS.fraction.text}`);
    return { mode, fraction: f };
  }
  return { mode };
}

export function parseCheck(text: string, flag = '--check'): CheckEvery {
  if (isNamedSchedule(text)) return text;
  const n = Number(text);
  if (Number.isInteger(n) && n >= 1) return n;
  throw new UserError(
    `${flag}: "${text}" is not a schedule${didYouMean(text, NAMED_SCHEDULES)}; use ${NAMED_SCHEDULES.join(', ')} or a whole number of periods`,
  );
}
