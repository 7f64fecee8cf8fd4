// `deferkit check` (issue 18): spider contracts read from callbacks' doc comments, run as the
// real CLI against a loopback site. The spider files are written per test with the site's URL in
// their @url lines (a doc comment is text: it cannot read a variable).

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli as runCliRaw, tempDir } from './cli-harness.js';
import { startCliSite, type CliSite } from './cli-site.js';

const LONG = { timeout: 180_000 };
const runCli = (args: string[], options: Parameters<typeof runCliRaw>[1] = {}) => runCliRaw(args, { timeout: 150_000, ...options });

let site: CliSite;
let tmp: ReturnType<typeof tempDir>;
let count = 0;
beforeAll(async () => {
  site = await startCliSite();
  tmp = tempDir('deferkit-check-');
});
afterAll(async () => {
  await site.close();
  tmp.cleanup();
});

/** A spider whose contracts all hold on the site's home page (1 title item, 2 links). */
const passing = (base: string, name = 'passing'): string => `import { Spider, type Response } from '@deferkit/crawler';

export default class PassingSpider extends Spider {
  override name = '${name}';

  /**
   * The home page: one item and a request per link.
   * @url ${base}/
   * @returns items 1 1
   * @returns requests 2 2
   * @scrapes title
   */
  override *parse(response: Response) {
    yield { title: response.css('title::text').get() };
    for (const href of response.css('a::attr(href)').getall()) yield response.follow(href);
  }

  /**
   * Keyword arguments come from @cb_kwargs.
   * @url ${base}/json
   * @cb_kwargs {"page": 7}
   * @returns items 1
   * @scrapes page answer
   */
  async parseJson(response: Response, kwargs: { page: number }) {
    return { page: kwargs.page, answer: (response.json() as { answer: number }).answer };
  }

  /**
   * Not a contract: JSDoc's own @returns.
   * @returns the number one
   */
  helper() {
    return 1;
  }
}
`;

/** A spider with a failing @scrapes, a failing @returns, and a download that fails. */
const failing = (base: string): string => `import { Spider, type Response } from '@deferkit/crawler';

export default class FailingSpider extends Spider {
  override name = 'failing';

  /**
   * @url ${base}/
   * @scrapes title price
   */
  override parse(response: Response) {
    return [{ title: response.css('title::text').get() }];
  }

  /**
   * @url ${base}/
   * @returns requests 5
   */
  parseFew(response: Response) {
    return response.css('a::attr(href)').getall().map((h) => response.follow(h));
  }

  /**
   * @url http://127.0.0.1:1/
   * @returns items 0
   */
  parseDown() {
    return [];
  }
}
`;

function spiderFile(text: string): { dir: string; file: string } {
  const dir = join(tmp.dir, `t${++count}`);
  mkdirSync(dir);
  const file = join(dir, 'spider.ts');
  writeFileSync(file, text);
  return { dir, file };
}

describe.concurrent('deferkit check', LONG, () => {
  it('contracts that hold: a dot each, "Ran 5 contracts", OK, exit 0 (JSDoc @returns text is no contract)', async () => {
    const { dir, file } = spiderFile(passing(site.url));
    const r = await runCli(['check', file], { cwd: dir });
    expect(r.code).toBe(0);
    const lines = r.stderr.split('\n');
    expect(lines[0]).toBe('.....');
    expect(r.stderr).toMatch(/\nRan 5 contracts in \d+\.\d{3}s\n\nOK\n$/);
  });

  it('failures and errors: F and E marks, each reported with its message, FAILED (failures=2, errors=1), exit 1', async () => {
    const { dir, file } = spiderFile(failing(site.url));
    const r = await runCli(['check', file], { cwd: dir });
    expect(r.code).toBe(1);
    expect([...r.stderr.split('\n')[0]!].sort().join('')).toBe('EFF');
    expect(r.stderr).toContain('FAIL: [failing] parse (@scrapes post-hook)');
    expect(r.stderr).toContain('ContractFail: Missing fields: price');
    expect(r.stderr).toContain('FAIL: [failing] parseFew (@returns post-hook)');
    expect(r.stderr).toContain('ContractFail: Returned 2 requests, expected 5..inf');
    expect(r.stderr).toContain('ERROR: [failing] parseDown (errback)');
    // The download that failed ran no contract.
    expect(r.stderr).toMatch(/\nRan 2 contracts in \d+\.\d{3}s\n\nFAILED \(failures=2, errors=1\)\n$/);
  });

  it('-v prints one line per contract with its outcome', async () => {
    const { dir, file } = spiderFile(failing(site.url));
    const r = await runCli(['check', '-v', file], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[failing] parse (@scrapes post-hook) ... FAIL\n');
    expect(r.stderr).toContain('[failing] parseDown (errback) ... ERROR\n');
  });

  it('-l lists the contracted methods of each spider, sorted, without running them', async () => {
    const { dir, file } = spiderFile(passing('http://127.0.0.1:1'));
    const r = await runCli(['check', '-l', file], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('passing\n  * parse\n  * parseJson\n');
  });

  it('inside a project: no arguments checks every spider in spiders/; a spider name checks that one', async () => {
    const project = join(tmp.dir, `proj${++count}`);
    mkdirSync(join(project, 'spiders'), { recursive: true });
    writeFileSync(join(project, 'deferkit.config.ts'), "export default { BOT_NAME: 'checkbot' };\n");
    writeFileSync(join(project, 'spiders', 'one.ts'), passing(site.url, 'one'));
    writeFileSync(join(project, 'spiders', 'two.ts'), passing(site.url, 'two'));
    const [all, one, unknown] = await Promise.all([
      runCli(['check', '-l'], { cwd: project }),
      runCli(['check', 'two'], { cwd: project }),
      runCli(['check', 'three'], { cwd: project }),
    ]);
    expect(all.stdout).toBe('one\n  * parse\n  * parseJson\ntwo\n  * parse\n  * parseJson\n');
    expect(one.code).toBe(0);
    expect(one.stderr).toContain('Ran 5 contracts');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Spider not found: three. Spiders: one, two.');
  });

  it('outside a project without arguments: a usage error naming the fix', async () => {
    const dir = join(tmp.dir, `empty${++count}`);
    mkdirSync(dir);
    const r = await runCli(['check'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('name the spider files to check');
  });
});
