// Where log lines go besides stderr: LOG_FILE (a file opened safely) and LOG_STDOUT (standard
// output written by the spider, turned into log records) — scrapy.utils.log's FileHandler and
// StreamLogger.

import { closeSync, constants, fstatSync, openSync, statSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from './errors.js';
import type { Logger } from './log.js';

/** A log file: lines appended with synchronous writes (in order, nothing lost at exit). @internal */
export class LogFile {
  /** The path as given. */
  readonly path: string;
  #fd: number | null;

  /** @internal */
  constructor(path: string, fd: number) {
    this.path = path;
    this.#fd = fd;
  }

  /** Append `text`; after close(), the file is opened again for appending. */
  write(text: string): void {
    if (this.#fd === null) this.#fd = openSync(this.path, 'a');
    const data = Buffer.from(text, 'utf8');
    for (let off = 0; off < data.length; ) off += writeSync(this.#fd, data, off);
  }

  /** Close the file (a later write opens it again). */
  close(): void {
    if (this.#fd !== null) {
      const fd = this.#fd;
      this.#fd = null;
      try {
        closeSync(fd);
      } catch {
        // Already closed: nothing to release.
      }
    }
  }
}

function problem(path: string, what: string): UsageError {
  return new UsageError(`LOG_FILE=${JSON.stringify(path)}: ${what}`, null, false);
}

/**
 * Open `path` for the log: appended to (`append`, LOG_FILE_APPEND) or emptied first. A
 * symbolic link is written through (it stays a link); a FIFO needs a reader already (else the
 * open would block the crawl); a device is written to and never truncated; a directory, a
 * missing parent directory, a file that cannot be written — or, when emptying, read — is a
 * usage error naming the fix. @internal
 *
 * @throws UsageError as above.
 */
export function openLogFile(path: string, append: boolean): LogFile {
  if (typeof path !== 'string' || path === '') throw problem(String(path), 'give a file path (or leave LOG_FILE unset to log to standard error).');
  let kind: 'missing' | 'file' | 'dir' | 'fifo' | 'other' = 'missing';
  try {
    const st = statSync(path); // follows a symbolic link: its target is what gets written
    kind = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isFIFO() ? 'fifo' : 'other';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw problem(path, `a part of the path before the file name is not a directory; give a path inside an existing directory.`);
    if (code !== 'ENOENT') throw problem(path, `cannot be inspected (${code ?? String(e)}); choose another LOG_FILE.`);
  }
  if (kind === 'dir') throw problem(path, 'is a directory; give a file path inside it (e.g. -s LOG_FILE=' + `${path.replace(/\/+$/, '')}/crawl.log).`);
  if (kind === 'missing') {
    try {
      if (!statSync(dirname(resolve(path))).isDirectory()) throw new Error('ENOTDIR');
    } catch {
      throw problem(path, `the directory ${dirname(resolve(path))} does not exist; create it first or choose another LOG_FILE.`);
    }
  }
  let flags = constants.O_WRONLY | constants.O_CREAT | (append ? constants.O_APPEND : 0);
  // Emptying is for a regular file only, and only one this process could read (a write never
  // replaces what it could not read back).
  if (!append && kind === 'file') {
    try {
      closeSync(openSync(path, 'r'));
    } catch {
      throw problem(path, 'exists but cannot be read, so it will not be replaced; choose another LOG_FILE or set LOG_FILE_APPEND=true to append to it.');
    }
    flags |= constants.O_TRUNC;
  }
  if (kind === 'fifo') {
    // Without a reader, a plain open() would wait for one forever.
    try {
      closeSync(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw problem(path, code === 'ENXIO' ? 'is a FIFO that no process is reading; start its reader first.' : `cannot be opened (${code ?? String(e)}).`);
    }
    flags = constants.O_WRONLY;
  }
  let fd: number;
  try {
    fd = openSync(path, flags, 0o666);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw problem(path, code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? `cannot be written (${code}); choose a path you can write to.` : `cannot be opened (${code ?? String(e)}); choose another LOG_FILE.`);
  }
  if (fstatSync(fd).isDirectory()) {
    closeSync(fd);
    throw problem(path, 'is a directory; give a file path inside it.');
  }
  return new LogFile(path, fd);
}

type Write = typeof process.stdout.write;

/** Standard output's own write, while LOG_STDOUT has replaced it (else null). */
let realWrite: Write | null = null;
/** The loggers that asked for standard output, oldest first: the oldest gets the lines. */
const stdoutLoggers: Logger[] = [];
let inRedirect = false;
let hadOwnWrite = false;

/**
 * Write to the real standard output even while LOG_STDOUT turns `process.stdout.write` into log
 * records: a `-o -` feed goes here, so `LOG_STDOUT` and a feed on standard output work together
 * (Scrapy 2.8 fails to start with both). @internal
 */
export function writeRealStdout(data: Uint8Array | string, callback: (error?: Error | null) => void): boolean {
  const write = (realWrite ?? process.stdout.write) as (data: Uint8Array | string, callback: (error?: Error | null) => void) => boolean;
  return write.call(process.stdout, data, callback);
}

/**
 * LOG_STDOUT: until the returned function is called, everything written to standard output
 * (`console.log`, `process.stdout.write`) becomes INFO records of `logger` (named `stdout`), one
 * per line of each write, trailing whitespace dropped, as Scrapy's StreamLogger does. Several
 * crawlers asking at once share one redirection; the oldest one's log gets the lines. @internal
 */
export function redirectStdout(logger: Logger): () => void {
  stdoutLoggers.push(logger);
  if (realWrite === null) {
    const original = process.stdout.write;
    realWrite = original;
    hadOwnWrite = Object.prototype.hasOwnProperty.call(process.stdout, 'write');
    const write = function (this: unknown, chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
      const cb = typeof encoding === 'function' ? encoding : callback;
      const target = stdoutLoggers[0];
      if (target === undefined || inRedirect) return original.call(process.stdout, chunk as string, encoding as BufferEncoding, callback as () => void);
      inRedirect = true;
      try {
        const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString(typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
        const trimmed = text.trimEnd();
        if (trimmed !== '') for (const line of trimmed.split(/\r\n|\r|\n/)) target.info(line.trimEnd());
      } finally {
        inRedirect = false;
      }
      if (typeof cb === 'function') process.nextTick(cb as () => void);
      return true;
    } as Write;
    process.stdout.write = write;
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const i = stdoutLoggers.indexOf(logger);
    if (i !== -1) stdoutLoggers.splice(i, 1);
    if (stdoutLoggers.length === 0 && realWrite !== null) {
      if (hadOwnWrite) process.stdout.write = realWrite;
      else delete (process.stdout as { write?: Write }).write;
      realWrite = null;
    }
  };
}
