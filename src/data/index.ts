/** The data edge's public API: load and validate price files, calendar helpers, inspect text. */
export type { DataInfo, LoadOptions, PriceMatrix } from './types.js';
export { UserError, isUserError } from './errors.js';
export { loadPrices, DEFAULT_MAX_FILL } from './load.js';
export { formatInspect } from './inspect.js';
export { DEFAULT_MAX_FILE_BYTES, MAX_FILE_ENV } from './text.js';
export {
  detectPeriodsPerYear,
  isoWeekKey,
  monthKey,
  quarterKey,
  yearKey,
  periodKey,
  periodEnds,
  isIsoDate,
  isoDateProblem,
  isoWeekday,
  dayNumber,
  medianGapDays,
  type CalendarPeriod,
  type PeriodsPerYear,
} from './calendar.js';
