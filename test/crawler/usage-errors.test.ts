// Issue 14 C2 and issue 13: a user error is one line naming the fix, exit code 2, no stack —
// from the CLI (bad -s values, the lab's bad arguments) and, as a UsageError (a TypeError),
// from the API. A spider file that does not parse shows file:line:col, the message and the
// code frame, without internal frames.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Crawler, Spider } from '@deferkit/crawler';
import { installReactor, isReactorInstalled, uninstallReactor } from '@deferkit/reactor';
import { UsageError } from '../../packages/crawler/src/errors.js';
import { UsageError as CliUsageError } from '../../packages/crawler/src/cli/args.js';
import { UsageError as LabUsageError } from '../../packages/crawler/src/lab/cli.js';
import { UsageError as PublicUsageError } from '@deferkit/crawler';
import { FIXTURES, runCli, tempDir } from './cli-harness.js';

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir('deferkit-usage-');
});
afterAll(() => tmp.cleanup());

const spider = join(FIXTURES, 'settings-spider.ts');
const STACK = /^ {4}at /m;

/** The error `fn` throws. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** `e` is a UsageError (a TypeError) with exactly `message`. */
function expectUsageError(e: unknown, message: string): void {
  expect(e).toBeInstanceOf(UsageError);
  expect(e).toBeInstanceOf(TypeError);
  expect((e as Error).message).toBe(message);
}

/** Exit 2, nothing on stdout, exactly `line` on stderr, no stack frame. */
async function expectOneLine(args: string[], line: string): Promise<void> {
  const r = await runCli(args);
  expect(r.stderr).not.toMatch(STACK);
  expect(r.stderr).toBe(`${line}\n`);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
}

describe.concurrent('C2 the CLI', () => {
  it('C2 -s LOG_LEVEL=LOUD is a one-line usage error with exit 2', async () => {
    await expectOneLine(
      ['runspider', spider, '-s', 'LOG_LEVEL=LOUD'],
      'deferkit runspider: error: LOG_LEVEL="LOUD" is not a log level: use one of DEBUG, INFO, WARNING, ERROR, CRITICAL (e.g. -s LOG_LEVEL=INFO).',
    );
  });

  it('C2 -s CONCURRENT_REQUESTS=abc is a one-line usage error with exit 2', async () => {
    await expectOneLine(
      ['runspider', spider, '-s', 'CONCURRENT_REQUESTS=abc'],
      'deferkit runspider: error: CONCURRENT_REQUESTS="abc" is not valid: CONCURRENT_REQUESTS must be a whole number ≥ 0 (0 means no global limit).',
    );
  });

  it('C2 (issue 13) -s DOWNLOAD_MAXSIZE=-5 no longer turns the size limit off: a one-line usage error with exit 2', async () => {
    await expectOneLine(
      ['runspider', spider, '-s', 'DOWNLOAD_MAXSIZE=-5'],
      'deferkit runspider: error: DOWNLOAD_MAXSIZE=-5 is not valid: DOWNLOAD_MAXSIZE must be a size in bytes ≥ 0 (0 means no limit).',
    );
  });

  it("C2 a bad value in the spider's customSettings is the same one-line usage error with exit 2", async () => {
    const file = join(tmp.dir, 'bad-custom.ts');
    writeFileSync(
      file,
      "import { Spider } from '@deferkit/crawler';\nexport default class Bad extends Spider {\n  static override customSettings = { RETRY_TIMES: -1 };\n  override name = 'bad';\n}\n",
    );
    await expectOneLine(['runspider', file], 'deferkit runspider: error: RETRY_TIMES=-1 is not valid: RETRY_TIMES must be a whole number ≥ 0.');
  });

  it('C2 deferkit lab --scenario nope is a usage error with exit 2 and no stack', async () => {
    const r = await runCli(['lab', '--scenario', 'nope']);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.stderr).not.toContain('unexpected error');
    expect(r.stderr).toMatch(/^deferkit lab: error: Unknown scenario 'nope'\. Scenarios: pipeline-await-deferred, .+\.\nRun 'deferkit lab --help' for usage\.\n$/);
    expect(r.code).toBe(2);
  });

  it('C2 a syntax error in a TypeScript spider shows file:line:col, the message and the code frame, no internal frames', async () => {
    const file = join(tmp.dir, 'syntax.ts');
    writeFileSync(file, "import { Spider } from '@deferkit/crawler';\nexport default class X extends Spider {\n  parse(r) { return r.css('a')) }\n}\n");
    const r = await runCli(['runspider', file]);
    expect(r.stderr).not.toMatch(STACK);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(new RegExp(`\\[deferkit\\.cli\\] ERROR: Could not load the spider file ${file}:$`));
    expect(lines.slice(1)).toEqual([
      'TransformError: Transform failed with 1 error:',
      `${file}:3:30: ERROR: Expected ";" but found ")"`,
      "  3 |   parse(r) { return r.css('a')) }",
      '    |                               ^',
    ]);
    expect(r.code).toBe(1);
  });

  it('C2 a syntax error in a JavaScript spider shows file:line, the code frame and the message, no internal frames', async () => {
    const file = join(tmp.dir, 'syntax.mjs');
    writeFileSync(file, "export default class X {\n  parse(r) { return r.css('a')) }\n}\n");
    const r = await runCli(['runspider', file]);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.stderr).toContain(`${file}:2\n  parse(r) { return r.css('a')) }\n`);
    expect(r.stderr).toContain("SyntaxError: Unexpected token ')'");
    expect(r.code).toBe(1);
  });
});

describe('C2 the API', () => {
  it('C2 there is one UsageError class: the CLI, the lab and the settings checks throw the same one, a TypeError', () => {
    expect(CliUsageError).toBe(UsageError);
    expect(PublicUsageError).toBe(UsageError); // exported from the package root
    expect(LabUsageError).toBe(UsageError);
    expect(new UsageError('x')).toBeInstanceOf(TypeError);
  });

  it('C2 new Crawler() with LOG_LEVEL=LOUD throws a UsageError naming the setting, the value and the fix', () => {
    class S extends Spider {
      override name = 's';
    }
    expectUsageError(
      thrown(() => new Crawler(S, { LOG_LEVEL: 'LOUD' })),
      'LOG_LEVEL="LOUD" is not a log level: use one of DEBUG, INFO, WARNING, ERROR, CRITICAL (e.g. -s LOG_LEVEL=INFO).',
    );
    // Lowercase names are accepted (deferkit is lenient where Python's logging is not).
    expect(() => new Crawler(S, { LOG_LEVEL: 'info' })).not.toThrow();
  });

  it('C2 (issue 13) numeric settings are checked: negative sizes, delays and retries, concurrency below 1 (0 for CONCURRENT_REQUESTS: no global limit) or not whole', () => {
    class S extends Spider {
      override name = 's';
    }
    const cases: Array<[string, unknown, string]> = [
      ['DOWNLOAD_MAXSIZE', -5, 'a size in bytes ≥ 0 (0 means no limit)'],
      ['DOWNLOAD_WARNSIZE', -1, 'a size in bytes ≥ 0 (0 means no warning)'],
      ['DOWNLOAD_DELAY', -0.5, 'a delay in seconds ≥ 0'],
      ['DOWNLOAD_TIMEOUT', -1, 'a timeout in seconds ≥ 0 (0 means none)'],
      ['CONCURRENT_REQUESTS', -1, 'a whole number ≥ 0 (0 means no global limit)'],
      ['CONCURRENT_REQUESTS_PER_DOMAIN', 0, 'a whole number ≥ 1'],
      ['CONCURRENT_REQUESTS_PER_DOMAIN', 2.5, 'a whole number ≥ 1'],
      ['CONCURRENT_ITEMS', 'many', 'a whole number ≥ 1'],
      ['RETRY_TIMES', -1, 'a whole number ≥ 0'],
    ];
    for (const [name, value, what] of cases) {
      expectUsageError(
        thrown(() => new Crawler(S, { [name]: value })),
        `${name}=${JSON.stringify(value)} is not valid: ${name} must be ${what}.`,
      );
    }
    // Scrapy's "off" values stay valid.
    expect(() => new Crawler(S, { DOWNLOAD_MAXSIZE: 0, DOWNLOAD_WARNSIZE: 0, DOWNLOAD_DELAY: 0, RETRY_TIMES: 0, CONCURRENT_REQUESTS: '4' })).not.toThrow();
  });

  it("C2 a bad value set by the spider instance's customSettings fails crawl() with the UsageError", async () => {
    class S extends Spider {
      override name = 's';
      override customSettings = { DOWNLOAD_DELAY: -1 };
    }
    if (isReactorInstalled()) uninstallReactor();
    installReactor('callback');
    try {
      const crawler = new Crawler(S, { REACTOR: 'callback', LOG_ENABLED: false });
      const error = await crawler.crawl().asFuture().then(
        () => undefined,
        (e: unknown) => e,
      );
      expectUsageError(error, 'DOWNLOAD_DELAY=-1 is not valid: DOWNLOAD_DELAY must be a delay in seconds ≥ 0.');
    } finally {
      uninstallReactor();
    }
  });
});
