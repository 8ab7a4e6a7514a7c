/**
 * Say what changed (issue 14): the evaluation window is not always what the data file and the
 * requested dates say. It starts later when an asset has no price yet (common start) and when
 * a lookback needs warm-up rows; it ends earlier when the requested end is after the data;
 * forward-filled prices carry an asset over dates it has no price on. Each difference becomes
 * one sentence with its reason, for stderr, the manifest and the report.
 */
import { dayNumber } from '../dates.js';
import type { DataInfo } from './types.js';

export type WindowReason = 'common-start' | 'lookback' | 'end-after-data' | 'forward-fill';

export interface WindowWarning {
  reason: WindowReason;
  message: string;
}

export interface WindowRequest {
  /** The dates the user asked for (experiment data.start/end, or --start/--end). */
  start?: string;
  end?: string;
  /** Rows skipped to warm up a lookback (the evaluation starts on dates[lookback]). */
  lookback: number;
  /** What needs the lookback, e.g. "the volatility band's 250-period lookback". */
  lookbackWhat?: string;
  /** How the user names the dates: "data.start" (experiment) or "--start" (CLI). */
  startName?: string;
  endName?: string;
}

export function windowWarnings(info: DataInfo, dates: readonly string[], req: WindowRequest): WindowWarning[] {
  const out: WindowWarning[] = [];
  const T = dates.length;
  const fileFirst = info.fileFirst ?? dates[0];
  const fileLast = info.fileLast ?? dates[T - 1];
  const wanted = req.start !== undefined && req.start > fileFirst ? req.start : fileFirst;
  // an asset whose first price comes after the wanted start moves the common start; a start on a
  // holiday or a weekend (the next trading day, a few days later) is not worth a word
  const late = info.assets.filter((a) => a.first > wanted && a.first === dates[0]);
  const someEarlier = info.assets.some((a) => a.first < dates[0]);
  const daysLater = dayNumber(dates[0]) - dayNumber(wanted);
  if (dates[0] > wanted && late.length > 0 && (someEarlier || daysLater > 7)) {
    const who = late.map((a) => a.name).join(', ');
    out.push({
      reason: 'common-start',
      message: `the window starts on ${dates[0]}, not ${wanted}: ${who} ${late.length === 1 ? 'has' : 'have'} no price before ${dates[0]} (common start of the assets)`,
    });
  }
  if (req.lookback > 0 && req.lookback < T) {
    out.push({
      reason: 'lookback',
      message: `the evaluation starts on ${dates[req.lookback]}, not ${dates[0]}: the first ${req.lookback} rows warm up ${req.lookbackWhat ?? `a lookback of ${req.lookback} periods`}`,
    });
  }
  if (req.end !== undefined && req.end > fileLast) {
    out.push({
      reason: 'end-after-data',
      message: `${req.endName ?? 'end'} ${req.end} is after the data: ${info.file} ends on ${fileLast}, so the window ends on ${dates[T - 1]}`,
    });
  }
  // an asset carried forward past its last price to the window's end
  const stale = info.assets.filter((a) => a.last < dates[T - 1]);
  if (stale.length > 0) {
    out.push({
      reason: 'forward-fill',
      message: `the window ends on ${dates[T - 1]}, but ${stale.map((a) => `${a.name}'s last price is on ${a.last}`).join(', ')}; ${stale.length === 1 ? 'it is' : 'they are'} carried forward (forward-fill)`,
    });
  }
  const filled = info.assets.filter((a) => a.filled > 0);
  const total = filled.reduce((s, a) => s + a.filled, 0);
  if (total > 0 && stale.length === 0) {
    out.push({
      reason: 'forward-fill',
      message: `${total} missing price${total === 1 ? ' was' : 's were'} forward-filled (${filled.map((a) => `${a.name} ${a.filled}`).join(', ')}; at most ${info.maxFill ?? 5} in a row)`,
    });
  }
  return out;
}
