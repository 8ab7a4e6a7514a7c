/** The report (design §8): one self-contained, offline report.html per run. */
export { buildReport, writeReport, prepareReport, renderHtml, type ReportModel } from './html.js';
