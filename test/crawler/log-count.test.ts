// B5 (issue 14): log_count/<LEVEL> stats, as Scrapy 2.8's LogCounterHandler keeps them —
// checked against `scrapy runspider -s LOG_LEVEL=…` runs: records below LOG_LEVEL are not
// counted, LOG_ENABLED=False still counts, the stats dump shows the counts of the records
// before it (not itself, nor the "Spider closed" after it), nothing counts after engine_stopped.

import { describe, expect, it } from 'vitest';
import { Crawler, signals, Spider, type LogLevel, type LogRecord } from '@deferkit/crawler';
import { listSpider, REACTORS, runCrawl } from './crawl-harness.js';

function tally(records: readonly LogRecord[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) out[`log_count/${r.level}`] = (out[`log_count/${r.level}`] ?? 0) + 1;
  return out;
}

function logCounts(stats: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(stats).filter(([k]) => k.startsWith('log_count/')));
}

// A spider with no requests that logs once at each level when it opens.
class EveryLevelSpider extends Spider {
  override name = 'levels';
  override async *start(): AsyncGenerator<unknown, void, undefined> {
    for (const level of ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] as LogLevel[]) this.logger.log(level, `one ${level}`);
  }
}

describe('B5 log_count stats', () => {
  for (const reactor of REACTORS) {
    it(`B5 every record at or above LOG_LEVEL counts as log_count/<LEVEL>, records below it do not [${reactor}]`, async () => {
      const r = await runCrawl(EveryLevelSpider, { REACTOR: reactor, LOG_LEVEL: 'WARNING' });
      expect(logCounts(r.stats)).toEqual({ 'log_count/WARNING': 1, 'log_count/ERROR': 1, 'log_count/CRITICAL': 1 });
      const all = await runCrawl(EveryLevelSpider, { REACTOR: reactor, LOG_LEVEL: 'DEBUG' });
      // Every record this crawler kept, counted once (the harness sees the same records).
      expect(logCounts(all.stats)).toEqual(tally(all.logs));
      expect(all.stat('log_count/CRITICAL')).toBe(1);
      expect(all.stat('log_count/DEBUG')).toBeGreaterThanOrEqual(1);
    });
  }

  it('B5 records are counted with LOG_ENABLED false too (nothing printed, still counted)', async () => {
    const r = await runCrawl(EveryLevelSpider, { LOG_ENABLED: false, LOG_LEVEL: 'ERROR' });
    expect(logCounts(r.stats)).toEqual({ 'log_count/ERROR': 1, 'log_count/CRITICAL': 1 });
  });

  it('B5 the "Dumping Scrapy stats" dump holds the counts of the records before it, not itself nor "Spider closed" after it', async () => {
    const r = await runCrawl(listSpider([]), { LOG_LEVEL: 'INFO' });
    const at = r.logs.findIndex((l) => l.message.startsWith('Dumping Scrapy stats:\n'));
    expect(at).toBeGreaterThan(0);
    const dumped = JSON.parse(r.logs[at]!.message.slice('Dumping Scrapy stats:\n'.length)) as Record<string, unknown>;
    expect(logCounts(dumped)).toEqual(tally(r.logs.slice(0, at)));
    expect(dumped['log_count/INFO']).toBeGreaterThan(0);
    // The final stats count the dump and what came after it.
    expect(logCounts(r.stats)).toEqual(tally(r.logs));
    expect(r.logs.slice(at + 1).map((l) => l.message)).toContain('Spider closed (finished)');
  });

  it('B5 a record logged after engineStopped is not counted (Scrapy removes its counter then)', async () => {
    const r = await runCrawl(listSpider([]), { LOG_LEVEL: 'INFO' }, (crawler) => {
      crawler.signals.connect(() => crawler.getLogger('late').error('after the engine stopped'), signals.engineStopped);
    });
    expect(r.grep('ERROR after the engine stopped')).toHaveLength(1);
    expect(r.stat('log_count/ERROR')).toBeUndefined();
    // Counted until then: every record before engineStopped.
    expect(r.stat('log_count/INFO')).toBe(r.logs.filter((l) => l.level === 'INFO').length);
  });

  it("B5 only this crawler's records count: another crawler's do not (Scrapy's issue #1362 behaviour, not 2.8's root-handler leak)", () => {
    const a = new Crawler(Spider, { LOG_ENABLED: false });
    const b = new Crawler(Spider, { LOG_ENABLED: false });
    a.getLogger('x').error('in a');
    a.getLogger('x').error('in a again');
    expect(a.stats.getValue('log_count/ERROR')).toBe(2);
    expect(b.stats.getValue('log_count/ERROR')).toBeUndefined();
  });
});
