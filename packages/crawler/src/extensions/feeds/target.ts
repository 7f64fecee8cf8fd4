// Where a feed's bytes go: the durable part of the feed exporter. A feed never destroys what a
// user had (append reads only the head and tail of the old file; a file that cannot be read is
// never replaced), never replaces a link, FIFO or device with a plain file, never publishes a
// half-written feed as a success, and can be published synchronously (a forced exit).

import * as nodeFs from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FeedWriteError } from '../../errors.js';
import type { Logger } from '../../log.js';

/**
 * The file-system calls the feed exporter makes, as one replaceable object: tests swap members
 * to make a write fail (ENOSPC, a short write) where no small file system can be mounted.
 * @internal
 */
export const feedFs = {
  openSync: nodeFs.openSync,
  open: nodeFs.open,
  closeSync: nodeFs.closeSync,
  writeSync: nodeFs.writeSync as (fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null) => number,
  readSync: nodeFs.readSync as (fd: number, buffer: Uint8Array, offset: number, length: number, position: number) => number,
  fstatSync: nodeFs.fstatSync,
  fsyncSync: nodeFs.fsyncSync,
  ftruncateSync: nodeFs.ftruncateSync,
  fchmodSync: nodeFs.fchmodSync,
  fchownSync: nodeFs.fchownSync,
  renameSync: nodeFs.renameSync,
  rmSync: nodeFs.rmSync,
  statSync: nodeFs.statSync,
  lstatSync: nodeFs.lstatSync,
  realpathSync: nodeFs.realpathSync,
  mkdirSync: nodeFs.mkdirSync,
  readdirSync: nodeFs.readdirSync,
};

/** `e` as a short text: `ENOSPC: no space left on device, write`. */
export function errorText(e: unknown): string {
  return (e as Error)?.message ?? String(e);
}

/**
 * How a feed reaches its target:
 * - `new`: no file yet; a spool file next to it is renamed into place when published.
 * - `replace`: a regular file to overwrite; the same, with the old file's mode and owner.
 * - `rewrite`: a regular file to overwrite that a rename would cut off (a hard link, or an owner
 *   the crawl cannot give the new file): the spool is copied into it when published.
 * - `append`: a regular file to add to; the new items are spooled and then written after the old
 *   content (a JSON array's closing bracket is patched in place), never reading the old content.
 * - `through`: a FIFO, a device, or a link to nothing: written through as items come.
 */
export type TargetKind = 'new' | 'replace' | 'rewrite' | 'append' | 'through';

/** What an append needs to know of the file it adds to. */
export interface AppendState {
  /** The file is empty: the feed is written as a new one (header, `[`), after nothing. */
  readonly fresh: boolean;
  /** JSON: the file is an array with at least one item (new items follow a comma). */
  readonly jsonHasItems: boolean;
  /** JSON: the file is not an array (a second array is appended after it, as Scrapy does). */
  readonly jsonNotArray: boolean;
  /** CSV: the existing header, or undefined when the file has none. */
  readonly csvHeader: string[] | undefined;
}

const HEAD_LIMIT = 1 << 20; // the longest CSV header read before giving up on it
const CHUNK = 1 << 16;
let spoolCounter = 0;

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException)?.code;
}

/** Whether a process with this pid is running (a spool file's writer). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return code(e) === 'EPERM';
  }
}

/** The cells of one CSV line (the header of a file being appended to). */
function parseCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      cells.push(cur);
      cur = '';
    } else cur += c;
  }
  cells.push(cur);
  return cells;
}

/**
 * One feed's target. Bytes go to a spool file next to the target (or straight to it, for
 * `through`); `publish()` makes them the feed. Every method is synchronous except `ready()`
 * (a FIFO opens when a reader comes), so a forced exit can still publish.
 * @internal
 */
export class FeedTarget {
  /** The file the user named. */
  readonly path: string;
  /** The file written to: `path`, or what a symbolic link at `path` points to. */
  readonly real: string;
  readonly kind: TargetKind;
  /** What an append found in the file (kind `append` only). */
  readonly append: AppendState | undefined;
  /** The spool file (not for `through`). */
  readonly spool: string;
  /** The feed's encoding (framing text is ASCII, so any encoding can write it). */
  readonly #encoding: BufferEncoding;
  /** Bytes per code unit: 2 for UTF-16, else 1 (for reading the old file's head and tail). */
  readonly #unit: 1 | 2;
  readonly #format: 'jsonl' | 'json' | 'csv';
  /** The spool's (or the through target's) descriptor; -1 until a through target opens. */
  #fd = -1;
  /** Bytes written to the spool. */
  #written = 0;
  /** Through targets: bytes waiting for the target to open. */
  #pending: Uint8Array[] | null = null;
  #opened: Promise<void> | null = null;
  /** The replaced file's mode and owner, given to the new one. */
  #old: nodeFs.Stats | null = null;
  #done = false;

  /**
   * Look at the target and open what the feed will write to.
   *
   * @throws FeedWriteError naming the fix when the target cannot be used: a directory, a file
   * the crawl may not read or write, a file whose head or tail cannot be read (it is never
   * replaced then).
   */
  constructor(path: string, options: { overwrite: boolean; format: 'jsonl' | 'json' | 'csv'; encoding: BufferEncoding; logger: Logger }) {
    const fs = feedFs;
    this.path = path;
    this.#encoding = options.encoding;
    this.#unit = options.encoding === 'utf16le' ? 2 : 1;
    this.#format = options.format;
    let link: nodeFs.Stats | null = null;
    let st: nodeFs.Stats | null = null;
    try {
      link = fs.lstatSync(path);
    } catch (e) {
      if (code(e) !== 'ENOENT') throw this.#cannot('look at', e, 'check the path and its permissions');
    }
    let real = path;
    if (link !== null && link.isSymbolicLink()) {
      try {
        st = fs.statSync(path);
        real = fs.realpathSync(path);
      } catch (e) {
        // A link to nothing: opening it creates the file it names, as Scrapy's open() does.
        if (code(e) !== 'ENOENT') throw this.#cannot('follow the link', e, 'check what it points to');
        st = null;
      }
    } else st = link;
    this.real = real;
    if (st !== null && st.isDirectory()) {
      throw new FeedWriteError(`${path} is a directory; name a file for the feed (e.g. ${join(path, 'items.' + this.#format)}).`, 'EISDIR');
    }
    const dir = dirname(real);
    this.spool = join(dir, `.${basename(real)}.${process.pid}-${++spoolCounter}.tmp`);
    if ((link !== null && st === null) || (st !== null && !st.isFile())) {
      this.kind = 'through';
      this.append = undefined;
      this.spool = '';
      this.#pending = [];
      this.#openThrough(options.overwrite ? 'w' : 'a', options.logger);
      return;
    }
    this.#reportStrays(dir, basename(real), options.logger);
    if (st === null) {
      this.kind = 'new';
      this.append = undefined;
    } else if (options.overwrite) {
      // Overwriting needs what Scrapy's open('wb') needs: the right to write the file.
      try {
        fs.closeSync(fs.openSync(real, nodeFs.constants.O_WRONLY));
      } catch (e) {
        throw this.#cannot('write to', e, 'fix its permissions, or name another file');
      }
      const sameOwner = process.getuid === undefined || process.getuid() === 0 || process.getuid() === st.uid;
      this.kind = st.nlink > 1 || !sameOwner ? 'rewrite' : 'replace';
      if (this.kind === 'replace') this.#old = st;
      this.append = undefined;
    } else {
      this.kind = 'append';
      this.append = this.#readAppendState(real, st);
      if (this.append.jsonNotArray) {
        options.logger.warning(`Feed ${path} exists but is not a JSON array; a second array is appended after it (use -O / overwrite: true to replace it).`);
      }
    }
    try {
      fs.mkdirSync(dir, { recursive: true });
      this.#fd = fs.openSync(this.spool, 'wx+', 0o666); // read back when appended or copied
    } catch (e) {
      throw this.#cannot('create a file next to', e, `make ${dir} writable, or name a feed in a writable folder`);
    }
  }

  #cannot(what: string, e: unknown, fix: string): FeedWriteError {
    return new FeedWriteError(`cannot ${what} ${this.path} (${errorText(e)}); ${fix}. The file was left as it was.`, code(e));
  }

  /** Warn of spool files an interrupted crawl (SIGKILL, a crash) left next to the target. */
  #reportStrays(dir: string, name: string, logger: Logger): void {
    let names: string[];
    try {
      names = feedFs.readdirSync(dir);
    } catch {
      return;
    }
    const prefix = `.${name}.`;
    for (const f of names) {
      if (!f.startsWith(prefix) || !f.endsWith('.tmp')) continue;
      const pid = Number(/^(\d+)-\d+$/.exec(f.slice(prefix.length, -4))?.[1]);
      if (!Number.isInteger(pid) || pid === process.pid || alive(pid)) continue;
      logger.warning(
        `${join(dir, f)} was left by an interrupted crawl (process ${pid}): it holds the items that crawl scraped but never added to ${join(dir, name)}. It is kept; delete it once you have what you need.`,
      );
    }
  }

  /**
   * The start of a file up to its first line break (a CSV header; the first non-blank
   * character), read in chunks, never more than HEAD_LIMIT bytes.
   */
  #head(fd: number, size: number): string {
    const chunks: Buffer[] = [];
    for (let read = 0; read < size && read < HEAD_LIMIT; ) {
      const chunk = Buffer.alloc(Math.min(CHUNK, size - read));
      const n = feedFs.readSync(fd, chunk, 0, chunk.length, read);
      if (n === 0) break;
      read += n;
      chunks.push(chunk.subarray(0, n));
      if (chunk.subarray(0, n).includes(0x0a)) break; // "\n" in every encoding written here
    }
    return Buffer.concat(chunks).toString(this.#encoding).replace(/^\ufeff/, '');
  }

  /**
   * The last non-blank characters of a file (a JSON array's closing bracket and what precedes
   * it), found by reading backwards in small chunks: at most `count`, last first.
   */
  #lastNonBlank(fd: number, end: number, count: number): Array<{ at: number; char: string }> {
    const unit = this.#unit;
    const found: Array<{ at: number; char: string }> = [];
    const buf = Buffer.alloc(CHUNK);
    let pos = end - (end % unit);
    while (pos > 0 && found.length < count) {
      const start = Math.max(0, pos - CHUNK);
      const n = feedFs.readSync(fd, buf, 0, pos - start, start);
      for (let i = n - unit; i >= 0 && found.length < count; i -= unit) {
        const c = unit === 2 ? buf.readUInt16LE(i) : buf[i]!;
        if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
        found.push({ at: start + i, char: String.fromCharCode(c) });
      }
      pos = start;
    }
    return found;
  }

  #firstNonBlank(fd: number, size: number): string | undefined {
    const head = this.#head(fd, Math.min(size, CHUNK)).trimStart();
    return head[0];
  }

  #readAppendState(real: string, st: nodeFs.Stats): AppendState {
    const fs = feedFs;
    let fd: number;
    try {
      // What the append needs: to write (and read the head and tail of) the file.
      fd = fs.openSync(real, this.#format === 'jsonl' ? nodeFs.constants.O_WRONLY : nodeFs.constants.O_RDWR);
    } catch (e) {
      throw this.#cannot('append to', e, 'fix its permissions, or use -O / overwrite: true to replace it');
    }
    try {
      if (st.size === 0) return { fresh: true, jsonHasItems: false, jsonNotArray: false, csvHeader: undefined };
      if (this.#format === 'csv') {
        const first = this.#head(fd, st.size).split(/\r?\n/, 1)[0] ?? '';
        return { fresh: false, jsonHasItems: false, jsonNotArray: false, csvHeader: first === '' ? undefined : parseCsvLine(first) };
      }
      if (this.#format === 'json') {
        const tail = this.#lastNonBlank(fd, st.size, 2);
        const isArray = this.#firstNonBlank(fd, st.size) === '[' && tail[0]?.char === ']';
        return { fresh: false, jsonHasItems: isArray && tail[1] !== undefined && tail[1].char !== '[', jsonNotArray: !isArray, csvHeader: undefined };
      }
      return { fresh: false, jsonHasItems: false, jsonNotArray: false, csvHeader: undefined };
    } catch (e) {
      throw this.#cannot('read the head or tail of', e, 'fix the file, or use -O / overwrite: true to replace it');
    } finally {
      fs.closeSync(fd);
    }
  }

  #openThrough(flags: 'w' | 'a', logger: Logger): void {
    this.#opened = new Promise((resolve, reject) => {
      // Asynchronous: a FIFO's open waits for a reader, and must not stop the crawl meanwhile.
      feedFs.open(this.path, flags, 0o666, (e, fd) => {
        if (e) {
          reject(this.#cannot('open', e, 'check the path and its permissions'));
          return;
        }
        this.#fd = fd;
        const pending = this.#pending ?? [];
        this.#pending = null;
        if (this.#done) {
          // Published or abandoned before it opened: nothing more goes there.
          resolve();
          return;
        }
        try {
          for (const b of pending) this.#writeAll(b);
          resolve();
        } catch (err) {
          reject(err);
        }
      });
    });
    this.#opened.catch(() => undefined);
    if (logger.isEnabledFor('DEBUG')) logger.debug(`Feed ${this.path} is not a regular file: written through as items come`);
  }

  /** Resolves once a through target is open (at once for the others). */
  ready(): Promise<void> {
    return this.#opened ?? Promise.resolve();
  }

  /** Whether the target is open (a through target may still wait for its reader). */
  get isOpen(): boolean {
    return this.#fd !== -1;
  }

  /** Write at the descriptor's offset, and count it. */
  #writeAll(data: Uint8Array): void {
    writeAllAt(this.#fd, data, null);
    this.#written += data.length;
  }

  /** `text` (ASCII framing) in the feed's encoding. */
  #encode(text: string): Uint8Array {
    return Buffer.from(text, this.#encoding);
  }

  /**
   * Add bytes to the feed.
   * @throws FeedWriteError when they cannot all be written.
   */
  write(data: Uint8Array): void {
    if (this.#pending !== null) {
      this.#pending.push(data);
      return;
    }
    this.#writeAll(data);
  }

  /**
   * Make what was written the feed, with `tail` (a JSON array's `]`) after it: rename the spool
   * into place, copy it into the file, or append it after the old content. On an append, a
   * failure restores the old file byte for byte.
   *
   * @param framing - for an append, the text that goes before the spooled items (given what the
   *   old file ends with) and after them; for the others, what goes after them.
   * @throws FeedWriteError when the feed could not be published (the target is as it was).
   */
  publish(framing: { before: string; after: string }): void {
    if (this.#done) return;
    this.#done = true;
    const fs = feedFs;
    if (this.kind === 'through') {
      if (this.#fd === -1) throw new FeedWriteError(`${this.path} was never opened (a FIFO nobody read?); its items are not written`, undefined);
      try {
        if (framing.after !== '') this.#writeAll(this.#encode(framing.after));
      } finally {
        fs.closeSync(this.#fd);
      }
      return;
    }
    try {
      if (framing.after !== '' && this.kind !== 'append') this.write(this.#encode(framing.after));
      if (this.kind === 'new' || this.kind === 'replace') {
        if (this.#old !== null) {
          fs.fchmodSync(this.#fd, this.#old.mode & 0o7777);
          if (process.getuid?.() === 0) fs.fchownSync(this.#fd, this.#old.uid, this.#old.gid);
        }
        fs.fsyncSync(this.#fd);
        fs.closeSync(this.#fd);
        this.#fd = -1;
        fs.renameSync(this.spool, this.real);
        this.#syncDir();
        return;
      }
      fs.fsyncSync(this.#fd);
      if (this.kind === 'rewrite') this.#copyInto();
      else if (this.#written > 0 || this.append?.fresh === true) this.#appendInto(framing);
    } catch (e) {
      throw e instanceof FeedWriteError ? e : new FeedWriteError(errorText(e), code(e));
    } finally {
      this.#dropSpool();
    }
  }

  /** Copy the spool's bytes into `fd` from offset `at`; returns the offset after them. */
  #copySpoolTo(fd: number, at: number): number {
    const buf = Buffer.alloc(CHUNK);
    for (let done = 0; done < this.#written; ) {
      const n = feedFs.readSync(this.#fd, buf, 0, Math.min(CHUNK, this.#written - done), done);
      if (n === 0) throw new FeedWriteError('the spool file ended early', 'EIO');
      writeAllAt(fd, buf.subarray(0, n), at);
      done += n;
      at += n;
    }
    return at;
  }

  /** rewrite: the spool copied over the old file in place (hard links and owner kept). */
  #copyInto(): void {
    const fs = feedFs;
    const fd = fs.openSync(this.real, nodeFs.constants.O_WRONLY);
    try {
      fs.ftruncateSync(fd, this.#copySpoolTo(fd, 0));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * append: the spooled items written after the old content (for a JSON array, from the last
   * item's end, over the old `]`). On failure the old bytes there are put back and the file cut
   * to its old size, so the target is as it was.
   */
  #appendInto(framing: { before: string; after: string }): void {
    const fs = feedFs;
    const fd = fs.openSync(this.real, nodeFs.constants.O_RDWR);
    try {
      const size = fs.fstatSync(fd).size;
      let at = size;
      if (this.#format === 'json' && this.append?.fresh !== true && this.append?.jsonNotArray !== true) {
        // "[…last item  ]": continue right after the last item (or the "[").
        const tail = this.#lastNonBlank(fd, size, 2);
        if (tail[0]?.char === ']' && tail[1] !== undefined) at = tail[1].at + this.#unit;
      }
      const unit = this.#unit;
      let before = framing.before;
      if (this.#format !== 'json' && this.append?.fresh !== true && size >= unit) {
        const last = Buffer.alloc(unit);
        fs.readSync(fd, last, 0, unit, size - unit);
        const c = unit === 2 ? last.readUInt16LE(0) : last[0]!;
        if (c !== 0x0a) before = (this.#format === 'csv' ? '\r\n' : '\n') + before;
      }
      const saved = Buffer.alloc(size - at);
      if (saved.length > 0) fs.readSync(fd, saved, 0, saved.length, at);
      try {
        const head = this.#encode(before);
        writeAllAt(fd, head, at);
        let pos = this.#copySpoolTo(fd, at + head.length);
        const after = this.#encode(framing.after);
        writeAllAt(fd, after, pos);
        pos += after.length;
        if (pos < size) fs.ftruncateSync(fd, pos);
        fs.fsyncSync(fd);
      } catch (e) {
        // Put the old file back as it was: its tail bytes, then its old length.
        try {
          if (saved.length > 0) writeAllAt(fd, saved, at);
          fs.ftruncateSync(fd, size);
          fs.fsyncSync(fd);
        } catch {
          /* reported below: the first error is the cause */
        }
        throw e;
      }
    } finally {
      fs.closeSync(fd);
    }
  }

  #syncDir(): void {
    // The rename is durable once the folder is flushed too (not every file system allows it).
    try {
      const fd = feedFs.openSync(dirname(this.real), 'r');
      try {
        feedFs.fsyncSync(fd);
      } finally {
        feedFs.closeSync(fd);
      }
    } catch {
      /* best effort */
    }
  }

  /** Close the descriptor (the spool's, or a through target's) and remove the spool file. */
  #dropSpool(): void {
    if (this.#fd !== -1) {
      try {
        feedFs.closeSync(this.#fd);
      } catch {
        /* already closed */
      }
    }
    this.#fd = -1;
    if (this.spool !== '') feedFs.rmSync(this.spool, { force: true });
  }

  /** Give up: drop the spool; the target keeps its previous content. */
  abandon(): void {
    if (this.#done) return;
    this.#done = true;
    this.#dropSpool();
  }
}

/** Write all of `data` at `position` (null: the file's current offset), completing short writes. */
function writeAllAt(fd: number, data: Uint8Array, position: number | null): void {
  let off = 0;
  while (off < data.length) {
    let n: number;
    try {
      n = feedFs.writeSync(fd, data, off, data.length - off, position === null ? null : position + off);
    } catch (e) {
      throw new FeedWriteError(errorText(e), code(e));
    }
    if (n <= 0) throw new FeedWriteError('the write made no progress (the device is full?)', 'ENOSPC');
    off += n;
  }
}
