// What the CLI itself prints (outside a crawler's log).

import { formatLogRecord, type LogLevel } from '../log.js';

/** A Scrapy-style log line on stderr from the `deferkit.cli` logger. */
export function cliLog(level: LogLevel, message: string, error?: unknown): void {
  process.stderr.write(formatLogRecord({ time: Date.now() / 1000, level, name: 'deferkit.cli', message, ...(error !== undefined ? { error } : {}) }) + '\n');
}
