// Where a feed's bytes go: a file (FileFeedStorage, through the durable FeedTarget of
// target.ts) or standard output (StdoutFeedStorage, here).

import { writeRealStdout } from '../../logSinks.js';

/** Scrapy's storage class name, used in the feedexport stats. @internal */
export function storageName(stdout: boolean): string {
  return stdout ? 'StdoutFeedStorage' : 'FileFeedStorage';
}

/**
 * Standard output as a feed's storage: bytes written as items come. A reader that goes away
 * (`| head`) makes writes fail with EPIPE: `onError` gets it (without a listener that 'error'
 * event would end the process). @internal
 */
export class StdoutFeedStorage {
  readonly #onError: (e: Error) => void;
  /** The last write to standard output, settled when it has been handed to the OS. */
  #flushed: Promise<void> = Promise.resolve();

  /** @param onError - called with a write error (or the stream's 'error'). */
  constructor(onError: (e: Error) => void) {
    this.#onError = onError;
    process.stdout.on('error', onError);
  }

  write(data: Buffer): void {
    this.#flushed = new Promise((resolve) => {
      writeRealStdout(data, (e) => {
        if (e) this.#onError(e);
        resolve();
      });
    });
  }

  /** Settled when everything written has been handed over. */
  flushed(): Promise<void> {
    return this.#flushed;
  }

  /** Stop listening for standard output's errors. */
  close(): void {
    process.stdout.off('error', this.#onError);
  }
}
