// What AutoThrottle, MemoryUsage and the logging settings cost, measured by hand (not part of
// `npm run bench`): node --import tsx --conditions=@deferkit/source bench/components.throttlelog.ts
// Prints ns per operation, the median of 5 rounds.

import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoThrottle, compileLogFormat, Crawler, formatLogRecord, Request, Response, signals, Spider, type LogRecord } from '@deferkit/crawler';
import { installReactor } from '@deferkit/reactor';
import { ExecutionEngine } from '../packages/crawler/src/core/Engine.js';
import { Slot } from '../packages/crawler/src/downloader/Downloader.js';

function measure(name: string, n: number, fn: (i: number) => void): void {
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn(i);
    rounds.push(Number(process.hrtime.bigint() - t0) / n);
  }
  rounds.sort((a, b) => a - b);
  console.log(`${name.padEnd(64)} ${rounds[2]!.toFixed(1).padStart(8)} ns/op`);
}

class Quiet extends Spider {
  override name = 'quiet';
  override parse(): void {}
}

const reactor = installReactor('callback');

// The responseDownloaded signal with and without AutoThrottle's handler on it.
for (const enabled of [false, true]) {
  const crawler = new Crawler(Quiet, { AUTOTHROTTLE_ENABLED: enabled, LOG_ENABLED: false, REACTOR: 'callback' });
  if (enabled) new AutoThrottle(crawler);
  crawler.engine = new ExecutionEngine(crawler);
  crawler.signals.send(signals.spiderOpened, { spider: null });
  crawler.engine.downloader.slots.set('example.com', new Slot(8, 1, false));
  const request = new Request('http://example.com/', { meta: { download_slot: 'example.com', download_latency: 0.05 } });
  const response = new Response(request.url, { status: 200, body: Buffer.from('x'), request });
  measure(`responseDownloaded signal, AutoThrottle ${enabled ? 'on' : 'off'}`, 200_000, () => {
    crawler.signals.send(signals.responseDownloaded, { response, request, spider: null });
  });
}

// meta.download_latency: two reactor.seconds() and a meta write per download (always on).
const meta: Record<string, unknown> = {};
measure('download_latency (2 × reactor.seconds() + meta write)', 1_000_000, () => {
  const t = reactor.seconds();
  meta.download_latency = reactor.seconds() - t;
});

// MemoryUsage: one process.resourceUsage() per check (per interval, not per request).
measure('MemoryUsage check: process.resourceUsage().maxRSS', 100_000, () => {
  void process.resourceUsage().maxRSS;
});

// Formatting one record: the default format, and a custom LOG_FORMAT / LOG_DATEFORMAT.
const record: LogRecord = { time: Date.now() / 1000, level: 'DEBUG', name: 'scrapy.core.engine', message: 'Crawled (200) <GET http://example.com/> (referer: None)' };
const custom = compileLogFormat('%(asctime)s.%(msecs)03d|%(levelname)-8s|%(name)s|%(levelno)02d|%(message)s', '%d.%m.%Y %H-%M-%S', true);
measure('format a record: default (formatLogRecord)', 200_000, () => void formatLogRecord(record));
measure('format a record: custom LOG_FORMAT + LOG_DATEFORMAT + LOG_SHORT_NAMES', 200_000, () => void custom(record));

// Writing one line: LOG_FILE's synchronous append.
const dir = mkdtempSync(join(tmpdir(), 'deferkit-bench-log-'));
const fd = openSync(join(dir, 'log.txt'), 'a');
const line = Buffer.from(formatLogRecord(record) + '\n');
measure('LOG_FILE: one line, writeSync append', 100_000, () => void writeSync(fd, line));
closeSync(fd);
rmSync(dir, { recursive: true, force: true });
