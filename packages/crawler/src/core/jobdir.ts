// JOBDIR files: checked before use, read strictly (a file that cannot be read stops the crawl,
// never a silent fresh start), written durably (a temporary file next to the target, fsynced,
// renamed over it, the folder fsynced) without turning a symlink or a FIFO into a plain file.

import * as fs from 'node:fs';
import { dirname, join } from 'node:path';
import { UsageError } from '../errors.js';

const errText = (e: unknown): string => (e as NodeJS.ErrnoException)?.code ?? (e as Error)?.message ?? String(e);

/**
 * The JOBDIR folder, made if missing. A path that is not a folder, or a folder this process
 * cannot read and write, is a UsageError (exit 2) naming the fix.
 *
 * @internal
 */
export function openJobDir(dir: string): string {
  let st: fs.Stats | null = null;
  try {
    st = fs.statSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new UsageError(`JOBDIR ${dir} cannot be read (${errText(e)}): give a folder this user can read and write.`, null, false);
  }
  if (st !== null && !st.isDirectory()) throw new UsageError(`JOBDIR ${dir} is not a folder: give a folder path (it is made if missing), not a file.`, null, false);
  try {
    if (st === null) fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.R_OK | fs.constants.W_OK | fs.constants.X_OK);
  } catch (e) {
    throw new UsageError(`JOBDIR ${dir} cannot be used (${errText(e)}): give a folder this user can read and write.`, null, false);
  }
  return dir;
}

/**
 * Where a JOBDIR file really is: the path itself, or a symlink's target (so a rewrite replaces
 * the target, and the link stays a link); `null` when there is no file yet. Anything but a
 * regular file (a FIFO, a folder, a device) is a UsageError: it cannot be read back or replaced.
 *
 * @internal
 */
export function realFile(path: string, what: string): string | null {
  let st: fs.Stats;
  try {
    st = fs.statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      // A dangling symlink: write where it points.
      try {
        if (fs.lstatSync(path).isSymbolicLink()) return null;
      } catch {
        /* no file */
      }
      return null;
    }
    throw new UsageError(`JOBDIR ${what} ${path} cannot be read (${errText(e)}); fix its permissions, or remove the JOBDIR to start afresh.`, null, false);
  }
  if (!st.isFile()) throw new UsageError(`JOBDIR ${what} ${path} is not a regular file; remove or rename it (it cannot hold the crawl state).`, null, false);
  return fs.realpathSync(path);
}

/**
 * The text of a JOBDIR file, or `null` when there is none. A file that exists but cannot be read
 * is a UsageError.
 *
 * @internal
 */
export function readText(path: string, what: string): string | null {
  const real = realFile(path, what);
  if (real === null) return null;
  try {
    return fs.readFileSync(real, 'utf8');
  } catch (e) {
    throw new UsageError(`JOBDIR ${what} ${path} cannot be read (${errText(e)}); fix its permissions, or remove the JOBDIR to start afresh.`, null, false);
  }
}

function fsyncDir(dir: string): void {
  // The rename is durable once the folder is flushed too (not every file system allows it).
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    /* best effort */
  }
}

/**
 * Replace a JOBDIR file's content durably: written to a temporary file beside the real file
 * (a symlink's target), fsynced, renamed over it (keeping its mode), the folder fsynced. On
 * failure the old file is untouched and the temporary one removed.
 *
 * @internal
 */
export function writeDurably(path: string, data: string, what: string): void {
  let real = realFile(path, what);
  let mode: number | undefined;
  if (real !== null) mode = fs.statSync(real).mode & 0o7777;
  else {
    try {
      if (fs.lstatSync(path).isSymbolicLink()) real = join(dirname(path), fs.readlinkSync(path));
    } catch {
      /* no link */
    }
    real ??= path;
  }
  const tmp = `${real}.tmp-${process.pid}`;
  let fd = -1;
  try {
    fd = fs.openSync(tmp, 'w', mode ?? 0o644);
    const buf = Buffer.from(data, 'utf8');
    for (let off = 0; off < buf.length; ) off += fs.writeSync(fd, buf, off, buf.length - off);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = -1;
    fs.renameSync(tmp, real);
    fsyncDir(dirname(real));
  } catch (e) {
    if (fd !== -1) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw new Error(`Could not write JOBDIR ${what} ${path} (${errText(e)}); the previous one is kept. Free space or fix permissions, then stop and resume again.`);
  }
}

/**
 * Append lines to a JOBDIR file (made if missing; a symlink is followed) and fsync it.
 *
 * @internal
 */
export function appendDurably(path: string, data: string, what: string): void {
  realFile(path, what);
  let fd = -1;
  try {
    fd = fs.openSync(path, 'a');
    const buf = Buffer.from(data, 'utf8');
    for (let off = 0; off < buf.length; ) off += fs.writeSync(fd, buf, off, buf.length - off);
    fs.fsyncSync(fd);
  } catch (e) {
    throw new Error(`Could not append to JOBDIR ${what} ${path} (${errText(e)}). Free space or fix permissions, then stop and resume again.`);
  } finally {
    if (fd !== -1) fs.closeSync(fd);
  }
}
