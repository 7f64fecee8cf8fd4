// No dual-package hazard for @deferkit/crawler: a real crawl run by the ESM build's
// CrawlerProcess takes its Settings, Spider base class, Requests, a downloader middleware's
// Response and an item pipeline's Deferred from the CJS builds, in one process. The builds run
// in a plain node child (vitest would resolve the packages to their TypeScript sources).

import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runFixture } from './builds.js';

let report: Record<string, unknown>;

beforeAll(() => {
  ensureBuilt(['deferred', 'reactor', 'interop', 'crawler']);
  report = runFixture('test/packaging/fixtures/dual-crawler-child.mjs');
}, 360_000);

describe('ESM and CJS builds of @deferkit/crawler in one process', () => {
  it('are two copies whose Requests each recognise (isRequest)', () => {
    expect(report.distinct).toBe(true);
    expect(report.isRequestAcross).toEqual([true, true]);
  });

  it("instanceof holds across copies for Request, Response, Headers, Settings, Spider and the crawler's errors", () => {
    expect(Object.entries(report.instances as Record<string, boolean>).filter(([, ok]) => !ok)).toEqual([]);
    expect(Object.keys(report.instances as object)).toHaveLength(11);
  });

  it('without blurring classes: not across unrelated classes, not into subclasses, not for look-alikes', () => {
    expect(report.notInstances).toEqual({ dropItemIsIgnoreRequest: false, responseIsSubclass: false, ownResponseIsSubclass: false, plainObject: false });
  });

  it("Settings.update() copies the other copy's Settings with values and priorities", () => {
    expect(report.settingsCopy).toEqual([false, 0, 2, 30]);
  });

  it('the ESM CrawlerProcess takes a CJS Settings object with its values', () => {
    expect(report.settingsKept).toBe(true);
  });

  it('a spider on the CJS Spider class, yielding CJS Requests, crawls every page', () => {
    expect(report.finishReason).toBe('finished');
    expect(report.errors).toEqual([]);
    // The start page and four book pages come from the site; /about from the middleware.
    expect(report.responses).toBe(6);
  });

  it("a CJS downloader middleware's Response is a response to the ESM engine, and a CJS pipeline's Deferred is waited for", () => {
    expect(report.items).toEqual([
      'about:About (canned):true',
      'book:The Broken Deferred 2:true',
      'book:The Crimson Promise 1:true',
      'book:The Endless Reactor 4:true',
      'book:The Golden Voyage 3:true',
    ]);
  });
});
