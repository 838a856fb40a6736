// The engine's entry for the reports the tool writes (HTML, Markdown, and the rank/gap tables of the CLI).

export { htmlReport, cachedThumbnails } from '../analysis/htmlReport';
export type { TuningSummary } from '../analysis/htmlReport';
export { markdownReport } from '../analysis/markdownReport';
export { gapReport, rankReport, reportHeader } from '../analysis/report';
