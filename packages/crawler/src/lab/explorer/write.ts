// Writes the chain explorer to a file, for `deferkit lab --explorer [FILE]`.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../../errors.js';
import { buildExplorerHtml } from './build.js';

/**
 * Generate the Deferred chain explorer and write it to `file`.
 *
 * @param file - where to write it (relative to the working directory).
 * @returns the line to print: where it went and how to open it.
 * @throws UsageError when the file cannot be written, naming the file and the reason.
 */
export async function writeExplorer(file: string): Promise<string> {
  const html = await buildExplorerHtml();
  const target = path.resolve(file);
  try {
    writeFileSync(target, html);
  } catch (e) {
    throw new UsageError(
      `Cannot write the chain explorer to ${target}: ${(e as Error).message}. Pass a writable path: deferkit lab --explorer FILE.`,
      'lab',
      false,
    );
  }
  return `Wrote the Deferred chain explorer to ${file} (${Math.round(html.length / 1024)} kB). Open it in a browser: ${pathToFileURL(target).href}`;
}
