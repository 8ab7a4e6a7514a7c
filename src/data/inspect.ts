/**
 * The text `data inspect` prints (design §2): what was loaded, where the window starts and why,
 * each asset's coverage, and the detected periods per year with the reason. Pure.
 */
import { PPY_MISMATCH, rowsPerCalendarYear } from './calendar.js';
import type { DataInfo } from './types.js';

/** A readable summary of a load, as a few aligned lines and a per-asset table. */
export function formatInspect(info: DataInfo): string {
  const summary: [string, string][] = [
    ['file', info.file],
    ['format', info.format],
    ['rows', `${info.rows} (${info.commonStart} .. ${info.end})`],
  ];
  if (info.fileRows !== undefined) {
    const range = info.fileFirst !== undefined ? ` (${info.fileFirst} .. ${info.fileLast ?? '?'})` : '';
    summary.push(['file rows', `${info.fileRows}${range}`]);
  }
  summary.push(['common start', `${info.commonStart} (${latestStarters(info)})`]);
  summary.push(['periods/year', `${info.periodsPerYear} (${info.periodsPerYearReason})`]);
  if (info.rowsPerCalendarYear !== undefined && Number.isFinite(info.rowsPerCalendarYear)) {
    // the same rule as the backtest warning (calendar.ts periodsPerYearWarning): spans of a year or more
    const span = rowsPerCalendarYear([info.commonStart, info.end]).calendarYears;
    const rel = info.rowsPerCalendarYear / info.periodsPerYear - 1;
    const flag =
      span < 1
        ? ', span under a year'
        : Math.abs(rel) > PPY_MISMATCH
          ? `; ${rel > 0 ? '+' : ''}${(100 * rel).toFixed(0)}% from periods/year: annualized metrics count returns/${info.periodsPerYear} years, not calendar years`
          : '';
    summary.push(['rows/cal. yr', `${info.rowsPerCalendarYear.toFixed(1)} (measured ${info.commonStart} .. ${info.end}${flag})`]);
  }
  if (info.maxFill !== undefined) summary.push(['max fill', `${info.maxFill} consecutive periods`]);
  const unused = unusedAssets(info);
  if (unused.length > 0) summary.push(['not selected', unused.join(', ')]);
  const width = Math.max(...summary.map(([k]) => k.length));
  const head = summary.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
  return [...head, '', ...assetTable(info)].join('\n') + '\n';
}

/** "first price of XLC" or "all assets start on this date". */
function latestStarters(info: DataInfo): string {
  const names = info.assets.filter((a) => a.first === info.commonStart).map((a) => a.name);
  if (names.length === info.assets.length) return 'every asset starts here';
  return `first price of ${names.join(', ')}`;
}

function unusedAssets(info: DataInfo): string[] {
  const used = new Set(info.assets.map((a) => a.name));
  return (info.availableAssets ?? []).filter((a) => !used.has(a));
}

/** Per-asset rows: first and last observed date, observations, forward-filled cells. */
function assetTable(info: DataInfo): string[] {
  const header = ['asset', 'first', 'last', 'observations', 'filled'];
  const rows = info.assets.map((a) => [a.name, a.first, a.last, String(a.observations), String(a.filled)]);
  const widths = header.map((h, c) => rows.reduce((w, r) => Math.max(w, r[c].length), h.length));
  const numeric = [false, false, false, true, true];
  const fmt = (cells: string[]): string =>
    cells
      .map((cell, c) => (numeric[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  return [fmt(header), ...rows.map(fmt)];
}
