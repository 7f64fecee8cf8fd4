// Settings with Scrapy's priorities (the Scrapy reference (docs/rules.md) §2.13 rule 7), their typed getters,
// and how the command line turns into settings (-s / -o / -O / -L / --nolog / -a).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Crawler, DEFAULT_SETTINGS, Settings, SETTINGS_PRIORITIES, Spider } from '@deferkit/crawler';
import { feedFromOutput, parseSettingValue, suggestSetting, UsageError } from '../../packages/crawler/src/cli/args.js';
import { parseDemoSiteArgs } from '../../packages/crawler/src/cli/demoSite.js';
import { checkSpiderFile, parseRunspiderArgs } from '../../packages/crawler/src/cli/runspiderArgs.js';

describe('priorities', () => {
  it("are Scrapy's SETTINGS_PRIORITIES: default 0 < command 10 < addon 15 < project 20 < spider 30 < cmdline 40", () => {
    expect(SETTINGS_PRIORITIES).toEqual({ default: 0, command: 10, addon: 15, project: 20, spider: 30, cmdline: 40 });
  });

  it('a weaker source never overrides a stronger one; an equal or stronger one does', () => {
    const s = new Settings({ DOWNLOAD_DELAY: 1 }); // project
    expect(s.getPriority('DOWNLOAD_DELAY')).toBe(20);
    s.set('DOWNLOAD_DELAY', 9, 'default');
    s.set('DOWNLOAD_DELAY', 8, 'command');
    expect(s.get('DOWNLOAD_DELAY')).toBe(1);
    s.set('DOWNLOAD_DELAY', 2, 'project');
    expect(s.get('DOWNLOAD_DELAY')).toBe(2);
    s.set('DOWNLOAD_DELAY', 3, 'cmdline');
    s.set('DOWNLOAD_DELAY', 4, 'spider');
    expect([s.get('DOWNLOAD_DELAY'), s.getPriority('DOWNLOAD_DELAY')]).toEqual([3, 40]);
    s.set('DOWNLOAD_DELAY', 5, 45); // numeric priorities work too
    expect([s.get('DOWNLOAD_DELAY'), s.getPriority('DOWNLOAD_DELAY')]).toEqual([5, 45]);
    expect(() => s.set('X', 1, 'nope' as never)).toThrow("Unknown settings priority 'nope'; use one of default, command, addon, project, spider, cmdline or a number.");
  });

  it('a Crawler layers defaults < project < spider customSettings < command line', () => {
    class PrioritySpider extends Spider {
      static override customSettings = { CONCURRENT_REQUESTS: 3, DOWNLOAD_DELAY: 0.5, RETRY_TIMES: 7 };
    }
    const settings = new Settings({ CONCURRENT_REQUESTS: 2, DOWNLOAD_DELAY: 0.1, DEPTH_LIMIT: 4 }, 'project');
    settings.set('CONCURRENT_REQUESTS', 9, 'cmdline');
    const crawler = new Crawler(PrioritySpider, settings);
    const seen = (name: string) => [crawler.settings.get(name), crawler.settings.getPriority(name)];
    expect(seen('CONCURRENT_REQUESTS')).toEqual([9, 40]); // command line beats customSettings
    expect(seen('DOWNLOAD_DELAY')).toEqual([0.5, 30]); // customSettings beat the project
    expect(seen('RETRY_TIMES')).toEqual([7, 30]); // customSettings beat the default
    expect(seen('DEPTH_LIMIT')).toEqual([4, 20]); // project beats the default
    expect(seen('DOWNLOAD_TIMEOUT')).toEqual([180, 0]); // the default
    // A plain object is project-level: customSettings still win over it.
    const plain = new Crawler(PrioritySpider, { CONCURRENT_REQUESTS: 2 });
    expect([plain.settings.get('CONCURRENT_REQUESTS'), plain.settings.getPriority('CONCURRENT_REQUESTS')]).toEqual([3, 30]);
  });

  it('overridden() lists what differs from the defaults; copy() and update(Settings) keep priorities', () => {
    const s = new Settings(DEFAULT_SETTINGS, 'default');
    s.set('LOG_LEVEL', 'INFO', 'cmdline');
    s.set('FEEDS', { 'a.jsonl': { format: 'jsonl' } }, 'project');
    expect(s.overridden()).toEqual({ LOG_LEVEL: 'INFO', FEEDS: { 'a.jsonl': { format: 'jsonl' } } });
    const c = s.copy();
    expect([c.getPriority('LOG_LEVEL'), c.getPriority('FEEDS'), c.getPriority('REACTOR')]).toEqual([40, 20, 0]);
    c.set('LOG_LEVEL', 'DEBUG', 'spider'); // weaker than cmdline: ignored in the copy too
    expect(c.get('LOG_LEVEL')).toBe('INFO');
    const target = new Settings({ LOG_LEVEL: 'WARNING' }, 'spider');
    target.update(s);
    expect([target.get('LOG_LEVEL'), target.getPriority('LOG_LEVEL')]).toEqual(['INFO', 40]);
    expect(s.maxPriority()).toBe(40);
    expect(new Settings().maxPriority()).toBe(0);
  });

  it('delete() respects priorities; a frozen Settings refuses changes with a message naming the fix', () => {
    const s = new Settings({ A: 1 }, 'spider');
    s.delete('A', 'project');
    expect(s.has('A')).toBe(true);
    s.delete('A', 'cmdline');
    expect(s.has('A')).toBe(false);
    s.set('B', 1);
    s.freeze();
    expect(s.frozen).toBe(true);
    expect(() => s.set('B', 2, 'cmdline')).toThrow(TypeError);
    expect(() => s.set('B', 2, 'cmdline')).toThrow('Settings are frozen (the crawl has started); set B before creating the crawler, in customSettings or with -s.');
    expect(() => s.delete('B', 'cmdline')).toThrow('Settings are frozen');
    expect(s.get('B')).toBe(1);
  });
});

describe('typed getters', () => {
  const s = new Settings({
    T: 'True',
    F: 'false',
    ONE: '1',
    N: '4',
    FL: '0.25',
    BAD: 'many',
    LIST: 'a, b,c',
    ARR: [500, 502],
    DICT: '{"out.jsonl": {"format": "jsonl"}}',
    BADDICT: '{nope',
    ARRDICT: '[1]',
  });
  it('getBool / getInt / getFloat accept Scrapy-style text and reject the rest', () => {
    expect([s.getBool('T'), s.getBool('F'), s.getBool('ONE'), s.getBool('MISSING', true)]).toEqual([true, false, true, true]);
    expect(() => s.getBool('BAD')).toThrow('Setting BAD must be a boolean (true/false, 1/0), got "many".');
    expect([s.getInt('N'), s.getInt('FL'), s.getFloat('FL'), s.getInt('MISSING', 7)]).toEqual([4, 0, 0.25, 7]);
    expect(() => s.getInt('BAD')).toThrow('Setting BAD must be a number, got "many".');
    expect(() => s.getFloat('BAD')).toThrow('Setting BAD must be a number');
  });
  it('getList splits comma-separated text; getDict parses JSON objects and names the setting when it cannot', () => {
    expect(s.getList('LIST')).toEqual(['a', 'b', 'c']);
    expect(s.getList('ARR')).toEqual([500, 502]);
    expect(s.getDict('DICT')).toEqual({ 'out.jsonl': { format: 'jsonl' } });
    expect(() => s.getDict('BADDICT')).toThrow(/^Setting BADDICT must be an object or a JSON object string, got "\{nope" \(/);
    expect(() => s.getDict('ARRDICT')).toThrow('Setting ARRDICT must be an object or a JSON object string, got "[1]".');
  });
});

describe('-s values', () => {
  it('numbers, booleans, null and JSON are parsed; anything else stays text', () => {
    const cases: Array<[string, unknown]> = [
      ['4', 4],
      ['-2', -2],
      ['0.5', 0.5],
      ['1e3', 1000],
      ['true', true],
      ['True', true],
      ['FALSE', false],
      ['null', null],
      ['None', null],
      ['callback', 'callback'],
      ['INFO', 'INFO'],
      ['500,502', '500,502'],
      ['{"a.jsonl": {"format": "jsonl"}}', { 'a.jsonl': { format: 'jsonl' } }],
      ['[1, "x"]', [1, 'x']],
      ['"0042"', '0042'],
      ['', ''],
      ['http://127.0.0.1:8080/?a=1', 'http://127.0.0.1:8080/?a=1'],
    ];
    expect(cases.map(([text]) => parseSettingValue(text))).toEqual(cases.map(([, v]) => v));
  });
  it('text that starts like JSON but is not is a usage error showing how to quote it', () => {
    let err: unknown;
    try {
      parseSettingValue('{"a": ', 'FEEDS');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/^-s FEEDS: the value looks like JSON but does not parse \(.+\)\. Quote it for the shell, e\.g\. -s 'FEEDS=\{"out\.jsonl": \{"format": "jsonl"\}\}'\.$/);
  });
  it('a near-miss of a built-in setting gets a "did you mean"; custom names do not', () => {
    expect(suggestSetting('CONCURENT_REQUESTS')).toBe('CONCURRENT_REQUESTS');
    expect(suggestSetting('DOWNLOAD_DELAYS')).toBe('DOWNLOAD_DELAY');
    expect(suggestSetting('CONCURRENT_REQUESTS')).toBeUndefined();
    expect(suggestSetting('MY_PIPELINE_DSN')).toBeUndefined();
  });
});

describe('runspider command line', () => {
  it('-s/-o/-L/--nolog become settings at cmdline priority; -a spider arguments stay text', () => {
    const opts = parseRunspiderArgs([
      'spider.ts',
      '-s', 'CONCURRENT_REQUESTS=4',
      '--set=REACTOR=callback',
      '-sDOWNLOAD_DELAY=0.5',
      '-o', 'out/items.jl',
      '--output', 'b.json',
      '-o', 'c.csv',
      '-o', 'd.log:jsonl',
      '-L', 'info',
      '--nolog',
      '-a', 'base=http://127.0.0.1:8080/?q=a=b',
      '-acount=3',
      '--demo',
    ]);
    expect(opts.file).toBe('spider.ts');
    expect(opts.demo).toBe(true);
    expect(opts.args).toEqual({ base: 'http://127.0.0.1:8080/?q=a=b', count: '3' });
    const s = opts.settings;
    expect(s.toObject()).toEqual({
      CONCURRENT_REQUESTS: 4,
      REACTOR: 'callback',
      DOWNLOAD_DELAY: 0.5,
      FEEDS: {
        'out/items.jl': { format: 'jsonl', overwrite: false },
        'b.json': { format: 'json', overwrite: false },
        'c.csv': { format: 'csv', overwrite: false },
        'd.log': { format: 'jsonl', overwrite: false },
      },
      LOG_LEVEL: 'INFO',
      LOG_ENABLED: false,
    });
    for (const name of Object.keys(s.toObject())) expect(s.getPriority(name)).toBe(40);
  });

  it('-O overwrites; -o merges with -s FEEDS', () => {
    expect(parseRunspiderArgs(['s.ts', '-O', 'x.jsonl']).settings.get('FEEDS')).toEqual({ 'x.jsonl': { format: 'jsonl', overwrite: true } });
    expect(parseRunspiderArgs(['s.ts', '-s', 'FEEDS={"a.csv": {"format": "csv", "fields": ["t"]}}', '-o', 'b.jsonl']).settings.get('FEEDS')).toEqual({
      'a.csv': { format: 'csv', fields: ['t'] },
      'b.jsonl': { format: 'jsonl', overwrite: false },
    });
  });

  it('feed formats come from the extension (.jsonl/.jl → jsonl, .json → json, .csv → csv) or a :FORMAT suffix', () => {
    expect(['a.jsonl', 'a.JL', 'a.json', 'a.csv', 'a.txt:csv', 'a:json', 'C:\\out\\a.json'].map((f) => feedFromOutput(f, false))).toEqual([
      ['a.jsonl', { format: 'jsonl', overwrite: false }],
      ['a.JL', { format: 'jsonl', overwrite: false }],
      ['a.json', { format: 'json', overwrite: false }],
      ['a.csv', { format: 'csv', overwrite: false }],
      ['a.txt', { format: 'csv', overwrite: false }],
      ['a', { format: 'json', overwrite: false }],
      ['C:\\out\\a.json', { format: 'json', overwrite: false }],
    ]);
  });

  it("- is standard output, as in Scrapy: -o -:jsonl is the feed 'stdout:'; a bare - asks for the format", () => {
    expect(feedFromOutput('-:jsonl', false)).toEqual(['stdout:', { format: 'jsonl', overwrite: false }]);
    expect(feedFromOutput('-:csv', true)).toEqual(['stdout:', { format: 'csv', overwrite: true }]);
    expect(() => feedFromOutput('-', false)).toThrow(new UsageError('-o -: name the format of standard output, e.g. -o -:jsonl (or :json, :csv).', 'runspider'));
  });

  it('mistakes are UsageErrors whose message names the fix', () => {
    const message = (argv: string[]): string => {
      try {
        parseRunspiderArgs(argv);
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        return (e as Error).message;
      }
      throw new Error(`no error for ${argv.join(' ')}`);
    };
    expect(message([])).toBe('missing the spider file: deferkit runspider <spider.ts|.js> [options].');
    expect(message(['a.ts', 'b.ts'])).toBe('runspider runs one spider file, got 2: a.ts b.ts.');
    expect(message(['a.ts', '-o', 'x.jsonl', '-O', 'y.jsonl'])).toBe('use only one of -o/--output (append) and -O/--overwrite-output (replace).');
    expect(message(['a.ts', '-o', 'x'])).toBe("-o x: cannot tell the feed format from the extension '(none)'. Use .jsonl (or .jl), .json or .csv, or name the format: -o x:jsonl.");
    expect(message(['a.ts', '-s', 'NOEQUALS'])).toBe("-s expects NAME=VALUE, got 'NOEQUALS' (e.g. -s CONCURRENT_REQUESTS=4).");
    expect(message(['a.ts', '-a', '=x'])).toBe("-a expects NAME=VALUE, got '=x' (e.g. -a base=http://127.0.0.1:8080).");
    expect(message(['a.ts', '-L', 'LOUD'])).toBe('-L LOUD: the log level must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL.');
    expect(message(['a.ts', '-o'])).toBe('option -o needs a value.');
    expect(message(['a.ts', '--demo=yes'])).toBe("option --demo takes no value (got '--demo=yes').");
    expect(message(['a.ts', '-x'])).toMatch(/^unknown option '-x'\. Options of runspider: --demo, --help, /);
  });

  it('the spider file must exist and be an ES module runspider can load', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deferkit-settings-'));
    try {
      writeFileSync(join(dir, 'spider.py'), 'import scrapy\n');
      writeFileSync(join(dir, 'spider.mts'), 'export {};\n');
      expect(() => checkSpiderFile(join(dir, 'spider.py'))).toThrow(`Unsupported spider file '${join(dir, 'spider.py')}': runspider runs .ts, .mts, .tsx, .js and .mjs files (ES modules).`);
      expect(() => checkSpiderFile(join(dir, 'missing.ts'))).toThrow(`File not found: ${join(dir, 'missing.ts')}`);
      expect(() => checkSpiderFile(dir)).toThrow(`File not found: ${dir}`);
      expect(checkSpiderFile(join(dir, 'spider.mts'))).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('demo-site takes --port/-p and --host, and rejects anything else', () => {
    expect(parseDemoSiteArgs([])).toEqual({ port: 8080, host: '127.0.0.1', help: false });
    expect(parseDemoSiteArgs(['-p', '0', '--host=localhost'])).toEqual({ port: 0, host: 'localhost', help: false });
    expect(() => parseDemoSiteArgs(['--port', '70000'])).toThrow('--port 70000: a port is a whole number from 0 to 65535 (0 picks a free one).');
    expect(() => parseDemoSiteArgs(['8080'])).toThrow("demo-site takes no arguments, got '8080' (did you mean --port 8080?).");
  });
});
