// file:// downloads: the bytes of a local file, as Scrapy's FileDownloadHandler serves them
// (`deferkit shell ./page.html`, spiders over a local mirror).

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { NotSupported } from '../errors.js';
import type { Request } from '../Request.js';
import { Response } from '../Response.js';

/**
 * Downloads `file:` URLs: reads the file and answers a 200 Response with its bytes and no
 * headers (whether it is text is then told from the bytes, as for a response without a
 * Content-Type). A missing or unreadable file fails the download with Node's error (`ENOENT`,
 * `EISDIR`, `EACCES`), as Scrapy's handler lets `OSError` through.
 *
 * Mirrors Scrapy's `FileDownloadHandler`.
 *
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { pathToFileURL } from 'node:url';
 * import { Request } from '@deferkit/crawler';
 * import { FileDownloadHandler } from '@deferkit/crawler/engine';
 *
 * const path = join(tmpdir(), `deferkit-file-${process.pid}.html`);
 * writeFileSync(path, '<title>Local</title>');
 * const response = await new FileDownloadHandler().download(new Request(pathToFileURL(path).href));
 * console.log(response.status, response.css('title::text').get());
 * // prints: 200 Local
 * ```
 */
export class FileDownloadHandler {
  /**
   * Read the file `request.url` names.
   *
   * @param request - a `file:` request.
   * @returns a 200 Response with the file's bytes.
   * @throws NotSupported for a URL that is not a local `file:` URL; Node's file error otherwise.
   */
  async download(request: Request): Promise<Response> {
    let path: string;
    try {
      path = fileURLToPath(request.url);
    } catch (e) {
      throw new NotSupported(`Cannot download ${request}: ${(e as Error).message} (write a local file as file:///absolute/path).`);
    }
    const body = await readFile(path);
    return new Response(request.url, { status: 200, body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength) });
  }
}
