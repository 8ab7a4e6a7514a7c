/** The report (design §8): one self-contained, offline report.html per run. */
export type { ReportInput, ReportRow, ReportSeries } from './types.js';
export { buildReport, writeReport, prepareReport, renderHtml, type ReportModel, type ReportOptions } from './html.js';
export type { ChartDef } from './charts/common.js';
