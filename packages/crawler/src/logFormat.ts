// LOG_FORMAT / LOG_DATEFORMAT: Python logging's %-style record format and time.strftime dates,
// compiled once into a function (scrapy.utils.log._get_handler's logging.Formatter).

import { UsageError } from './errors.js';
import { formatLogRecord, LOG_LEVELS, type LogRecord } from './log.js';

/** Scrapy's LOG_FORMAT default. */
export const DEFAULT_LOG_FORMAT = '%(asctime)s [%(name)s] %(levelname)s: %(message)s';
/** Scrapy's LOG_DATEFORMAT default. */
export const DEFAULT_LOG_DATEFORMAT = '%Y-%m-%d %H:%M:%S';

/** When this module was loaded: Python's `relativeCreated` counts from logging's import. */
const LOADED = Date.now();

const pad = (n: number, w = 2, c = '0'): string => String(n).padStart(w, c);
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** strftime directives of LOG_DATEFORMAT, in the C locale, local time. */
const DATE_DIRECTIVES: Readonly<Record<string, (d: Date) => string>> = {
  a: (d) => DAYS[d.getDay()]!.slice(0, 3),
  A: (d) => DAYS[d.getDay()]!,
  b: (d) => MONTHS[d.getMonth()]!.slice(0, 3),
  B: (d) => MONTHS[d.getMonth()]!,
  d: (d) => pad(d.getDate()),
  e: (d) => pad(d.getDate(), 2, ' '),
  F: (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`,
  H: (d) => pad(d.getHours()),
  I: (d) => pad(d.getHours() % 12 === 0 ? 12 : d.getHours() % 12),
  j: (d) => pad(Math.round((Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) - Date.UTC(d.getFullYear(), 0, 1)) / 86_400_000) + 1, 3),
  m: (d) => pad(d.getMonth() + 1),
  M: (d) => pad(d.getMinutes()),
  p: (d) => (d.getHours() < 12 ? 'AM' : 'PM'),
  s: (d) => String(Math.floor(d.getTime() / 1000)),
  S: (d) => pad(d.getSeconds()),
  T: (d) => `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`,
  y: (d) => pad(d.getFullYear() % 100),
  Y: (d) => String(d.getFullYear()),
  z: (d) => {
    const off = -d.getTimezoneOffset();
    const a = Math.abs(off);
    return `${off < 0 ? '-' : '+'}${pad(Math.trunc(a / 60))}${pad(a % 60)}`;
  },
  '%': () => '%',
};

/**
 * Compile a `LOG_DATEFORMAT` (`time.strftime` directives) into a function of a Date.
 *
 * @throws UsageError for a directive outside the supported ones (listed in the message).
 */
function compileDateFormat(datefmt: string): (d: Date) => string {
  const parts: Array<string | ((d: Date) => string)> = [];
  let lit = '';
  for (let i = 0; i < datefmt.length; i++) {
    const c = datefmt[i]!;
    if (c !== '%') {
      lit += c;
      continue;
    }
    const k = datefmt[++i];
    const fn = k === undefined ? undefined : DATE_DIRECTIVES[k];
    if (fn === undefined) {
      throw new UsageError(
        `LOG_DATEFORMAT=${JSON.stringify(datefmt)}: ${k === undefined ? 'a lone % at the end' : `%${k}`} is not supported; ` +
          `use strftime directives among ${Object.keys(DATE_DIRECTIVES).map((x) => `%${x}`).join(' ')} (e.g. -s LOG_DATEFORMAT=%Y-%m-%dT%H:%M:%S).`,
        null,
        false,
      );
    }
    if (k === '%') lit += '%';
    else {
      if (lit !== '') parts.push(lit);
      lit = '';
      parts.push(fn);
    }
  }
  if (lit !== '') parts.push(lit);
  return (d) => {
    let out = '';
    for (const p of parts) out += typeof p === 'string' ? p : p(d);
    return out;
  };
}

type Field = (r: LogRecord, asctime: () => string) => string | number;

/** The LogRecord attributes LOG_FORMAT may name (Python's names). */
const FIELDS: Readonly<Record<string, Field>> = {
  asctime: (_r, asctime) => asctime(),
  created: (r) => r.time,
  msecs: (r) => Math.trunc((r.time * 1000) % 1000),
  relativeCreated: (r) => r.time * 1000 - LOADED,
  name: (r) => r.name,
  levelname: (r) => r.level,
  levelno: (r) => LOG_LEVELS[r.level],
  message: (r) => r.message,
  process: () => process.pid,
  processName: () => 'MainProcess',
  threadName: () => 'MainThread',
};

/** Python's `%` conversion of one value: flags (`-0+ `), width, precision, type `s d i f`. */
function convert(value: string | number, flags: string, width: number, precision: number | null, type: string): string {
  let text: string;
  if (type === 's') {
    text = String(value);
    if (precision !== null) text = text.slice(0, precision);
  } else {
    const n = Number(value);
    const neg = type === 'f' ? n < 0 || Object.is(n, -0) : Math.trunc(n) < 0;
    const body = type === 'f' ? Math.abs(n).toFixed(precision ?? 6) : String(Math.abs(Math.trunc(n)));
    const sign = neg ? '-' : flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '';
    if (flags.includes('0') && !flags.includes('-')) return sign + body.padStart(width - sign.length, '0');
    text = sign + body;
  }
  return flags.includes('-') ? text.padEnd(width) : text.padStart(width);
}

const SPEC = /%(?:\(([^)]*)\)([-0+ #]*)(\d*)(?:\.(\d+))?([a-zA-Z%])?|(%)|(.?))/gs;

/**
 * Compile LOG_FORMAT / LOG_DATEFORMAT / LOG_SHORT_NAMES into a function that renders one
 * record as Python's `logging.Formatter(fmt, datefmt)` would: `%(field)s`-style fields with
 * Python's flags, width and precision (`%(levelname)-8s`, `%(msecs)03d`, `%(created).3f`), `%%`
 * for a percent sign, and the error's stack on the following lines. The fields are those of
 * Python's LogRecord that exist for a deferkit record: `asctime` (LOG_DATEFORMAT; `null` gives
 * Python's default `%Y-%m-%d %H:%M:%S,mmm`), `created`, `msecs`, `relativeCreated`, `name`,
 * `levelname`, `levelno`, `message`, `process`, `processName` and `threadName`. With
 * `shortNames` (LOG_SHORT_NAMES) a `scrapy.*` logger name shows as `scrapy`.
 *
 * Mirrors Python's `logging.Formatter` as Scrapy's `_get_handler` sets it up (and Scrapy's
 * `TopLevelFormatter` for LOG_SHORT_NAMES).
 *
 * @param format - LOG_FORMAT.
 * @param datefmt - LOG_DATEFORMAT (strftime directives `%a %A %b %B %d %e %F %H %I %j %m %M %p %s %S %T %y %Y %z %%`), or null.
 * @param shortNames - LOG_SHORT_NAMES.
 * @throws UsageError naming the supported fields or directives, for one that is not (a
 *   call-site field such as `%(lineno)d`, a conversion other than `s d i f`, a `%` outside a field).
 *
 * @example
 * ```ts
 * import { compileLogFormat } from '@deferkit/crawler';
 *
 * const format = compileLogFormat('%(levelname)-7s|%(name)s|%(message)s', '%H:%M', true);
 * console.log(format({ time: 0, level: 'INFO', name: 'scrapy.core.engine', message: 'Spider opened' }));
 * // prints: INFO   |scrapy|Spider opened
 * ```
 */
export function compileLogFormat(format: string, datefmt: string | null = DEFAULT_LOG_DATEFORMAT, shortNames = false): (record: LogRecord) => string {
  if (typeof format !== 'string' || format === '') {
    throw new UsageError(`LOG_FORMAT=${JSON.stringify(format)} is not valid: give a Python logging format such as ${JSON.stringify(DEFAULT_LOG_FORMAT)}.`, null, false);
  }
  if (datefmt !== null && typeof datefmt !== 'string') {
    throw new UsageError(`LOG_DATEFORMAT=${JSON.stringify(datefmt)} is not valid: give strftime directives such as ${JSON.stringify(DEFAULT_LOG_DATEFORMAT)}.`, null, false);
  }
  if (format === DEFAULT_LOG_FORMAT && datefmt === DEFAULT_LOG_DATEFORMAT && !shortNames) return formatLogRecord;
  const date = compileDateFormat(datefmt ?? '%Y-%m-%d %H:%M:%S');
  const withMsecs = datefmt === null;
  const fieldList = Object.keys(FIELDS).join(', ');
  const parts: Array<string | ((r: LogRecord, asctime: () => string) => string)> = [];
  let fields = 0;
  let last = 0;
  for (const m of format.matchAll(SPEC)) {
    if (m.index > last) parts.push(format.slice(last, m.index));
    last = m.index + m[0].length;
    const [whole, key, flags = '', width = '', precision, type, percent, stray] = m;
    if (key === undefined) {
      if (percent !== undefined) {
        parts.push('%');
        continue;
      }
      throw new UsageError(
        `LOG_FORMAT=${JSON.stringify(format)}: ${JSON.stringify(whole === '%' ? '%' : `%${stray}`)} is not a field; ` +
          `write fields as %(name)s and a percent sign as %%. Supported fields: ${fieldList}.`,
        null,
        false,
      );
    }
    const field = FIELDS[key];
    if (field === undefined) {
      throw new UsageError(
        `LOG_FORMAT=${JSON.stringify(format)}: the field %(${key}) is not supported` +
          (['filename', 'lineno', 'funcName', 'module', 'pathname', 'thread', 'exc_info', 'stack_info'].includes(key) ? ' (deferkit records carry no call site or thread)' : '') +
          `; use ${fieldList}.`,
        null,
        false,
      );
    }
    if (type === undefined || !'sdif'.includes(type)) {
      throw new UsageError(
        `LOG_FORMAT=${JSON.stringify(format)}: %(${key}) needs a conversion type s, d, i or f after it (e.g. %(${key})s).`,
        null,
        false,
      );
    }
    if (key === 'asctime' || key === 'name' || key === 'levelname' || key === 'message' || key === 'processName' || key === 'threadName') {
      if (type !== 's') {
        throw new UsageError(`LOG_FORMAT=${JSON.stringify(format)}: %(${key}) is text; write it as %(${key})s.`, null, false);
      }
    }
    fields++;
    const w = width === '' ? 0 : Number(width);
    const p = precision === undefined ? null : Number(precision);
    const rename = key === 'name' && shortNames;
    parts.push((r, asctime) => {
      let v = field(r, asctime);
      if (rename && typeof v === 'string' && v.startsWith('scrapy.')) v = 'scrapy';
      return convert(v, flags, w, p, type);
    });
  }
  if (last < format.length) parts.push(format.slice(last));
  if (fields === 0) {
    throw new UsageError(`LOG_FORMAT=${JSON.stringify(format)} names no field: Python's logging refuses it. Use fields such as %(message)s (supported: ${fieldList}).`, null, false);
  }
  // strftime has no finer unit than the second: one rendering per second of log.
  let cachedSecond = NaN;
  let cachedDate = '';
  return (r) => {
    let stamp: string | undefined;
    const asctime = (): string => {
      if (stamp === undefined) {
        const second = Math.floor(r.time);
        if (second !== cachedSecond) {
          cachedSecond = second;
          cachedDate = date(new Date(second * 1000));
        }
        stamp = withMsecs ? `${cachedDate},${pad(Math.trunc((r.time * 1000) % 1000), 3)}` : cachedDate;
      }
      return stamp;
    };
    let line = '';
    for (const p of parts) line += typeof p === 'string' ? p : p(r, asctime);
    if (r.error !== undefined) {
      const e = r.error as { stack?: unknown };
      line += '\n' + (typeof e?.stack === 'string' ? e.stack : String(r.error));
    }
    return line;
  };
}
