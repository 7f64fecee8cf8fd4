// The lab: scenarios, runner and output formats (used by `deferkit lab`).

export { runLab } from './runLab.js';
export type { ColumnResult, LabReport, RunLabOptions, ScenarioReport } from './runLab.js';
export { COLUMNS, SCENARIOS } from './scenarios.js';
export type { Column, Scenario, ScenarioOutcome } from './scenarios.js';
export { toJson, toMarkdown, toText } from './format.js';
export { Timeline, type TimelineStep, type Turn } from './timeline.js';
export { TracingEventLoop } from './TracingEventLoop.js';
export { main as labMain, LAB_USAGE, UsageError } from './cli.js';
export { toHtml, timelineSvg, isErrorStep, type HtmlOptions } from './html/page.js';
export { scenarioSources } from './html/source.js';
export { SCRAPY_OBSERVED, type ObservedRun } from './html/scrapyObserved.js';
export { DEFAULT_HTML_FILE, unknownNameError } from './cli.js';
export { collectWarnings, wrap, TEXT_LEGEND, type TextOptions } from './format.js';
