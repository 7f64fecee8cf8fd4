// Logging: Scrapy-style lines, per-crawler handlers, counts per level (log_count/<LEVEL>).

/** Log levels, as Python's logging. */
export const LOG_LEVELS = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50 } as const;
/** A log level name. */
export type LogLevel = keyof typeof LOG_LEVELS;

/** One log event. */
export interface LogRecord {
  /** Seconds since the epoch. */
  readonly time: number;
  /** The level. */
  readonly level: LogLevel;
  /** The logger name, e.g. `scrapy.core.engine` (Scrapy's names are kept, for grep-ability). */
  readonly name: string;
  /** The message. */
  readonly message: string;
  /** An error whose stack goes with the message. */
  readonly error?: unknown;
}

/** Receives log records. */
export type LogHandler = (record: LogRecord) => void;

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** `2026-11-22 03:41:09 [scrapy.core.engine] INFO: Spider opened`, plus the error's stack. */
export function formatLogRecord(r: LogRecord): string {
  const d = new Date(r.time * 1000);
  const stamp = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  let line = `${stamp} [${r.name}] ${r.level}: ${r.message}`;
  if (r.error !== undefined) {
    const e = r.error as { stack?: unknown };
    line += '\n' + (typeof e?.stack === 'string' ? e.stack : String(r.error));
  }
  return line;
}

/**
 * A named logger that hands records to a crawler's handlers.
 *
 * Mirrors Python's `logging.Logger` as Scrapy uses it (`spider.logger`, `logger.warning(...)`).
 */
export class Logger {
  /** The logger name. */
  readonly name: string;
  readonly #emit: (record: LogRecord) => void;
  readonly #threshold: () => number;

  /** @internal */
  constructor(name: string, emit: (record: LogRecord) => void, threshold: () => number = () => 0) {
    this.name = name;
    this.#emit = emit;
    this.#threshold = threshold;
  }

  /** Whether a record at `level` would be kept (LOG_LEVEL); check it before building costly messages. */
  isEnabledFor(level: LogLevel): boolean {
    return LOG_LEVELS[level] >= this.#threshold();
  }

  /** Log at `level`. */
  log(level: LogLevel, message: string, error?: unknown): void {
    this.#emit({ time: Date.now() / 1000, level, name: this.name, message, ...(error !== undefined ? { error } : {}) });
  }
  /** DEBUG. */
  debug(message: string): void {
    this.log('DEBUG', message);
  }
  /** INFO. */
  info(message: string): void {
    this.log('INFO', message);
  }
  /** WARNING. */
  warning(message: string, error?: unknown): void {
    this.log('WARNING', message, error);
  }
  /** ERROR, with an optional error whose stack is printed. */
  error(message: string, error?: unknown): void {
    this.log('ERROR', message, error);
  }
  /** CRITICAL. */
  critical(message: string, error?: unknown): void {
    this.log('CRITICAL', message, error);
  }
}

/** Where a LogHub writes its formatted lines: LOG_FILE's file. @internal */
export interface LogLineSink {
  readonly path: string;
  write(text: string): void;
  close(): void;
}

/**
 * Where a crawler's log records go: the counter, every handler, and the LOG_FILE file, else
 * stderr when LOG_ENABLED, formatted by `format` (LOG_FORMAT) (records below LOG_LEVEL are
 * dropped before any of them). @internal
 */
export class LogHub {
  readonly handlers: LogHandler[] = [];
  threshold: number = LOG_LEVELS.DEBUG;
  toStderr = true;
  /** LOG_FILE, open; null: standard error (when toStderr). */
  file: LogLineSink | null = null;
  /** LOG_FORMAT / LOG_DATEFORMAT / LOG_SHORT_NAMES, compiled. */
  format: (record: LogRecord) => string = formatLogRecord;
  /**
   * Counts each kept record (the crawler's `log_count/<LEVEL>` stats, Scrapy's
   * LogCounterHandler); called before the handlers, whether or not LOG_ENABLED. Null: not counting.
   */
  count: ((level: LogLevel) => void) | null = null;

  emit = (record: LogRecord): void => {
    if (LOG_LEVELS[record.level] < this.threshold) return;
    this.count?.(record.level);
    for (const h of this.handlers) {
      try {
        h(record);
      } catch {
        /* a broken handler must not break the crawl */
      }
    }
    if (this.file !== null) {
      try {
        this.file.write(this.format(record) + '\n');
        return;
      } catch (e) {
        // A full disk, a vanished FIFO reader: the log goes on, on standard error, saying so.
        const path = this.file.path;
        this.file = null;
        this.toStderr = true;
        process.stderr.write(
          formatLogRecord({ time: Date.now() / 1000, level: 'ERROR', name: 'scrapy.utils.log', message: `Could not write to LOG_FILE ${path}: logging to standard error from now on`, error: e }) + '\n',
        );
      }
    }
    if (this.toStderr) process.stderr.write(this.format(record) + '\n');
  };

  readonly #loggers = new Map<string, Logger>();

  logger(name: string): Logger {
    let l = this.#loggers.get(name);
    if (l === undefined) {
      l = new Logger(name, this.emit, () => this.threshold);
      this.#loggers.set(name, l);
    }
    return l;
  }
}
