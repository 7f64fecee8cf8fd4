// One M7 run in a fresh process, plain JavaScript on the built packages (no TypeScript loader in
// the measured process) (so peak RSS is this run's): `floor`, `callback` or `promise`.
// Prints one JSON line { mode, pages, items, seconds, cpuSeconds, peakRssMiB }.

import http from 'node:http';

const [mode, port] = [process.argv[2], Number(process.argv[3])];
const base = `http://127.0.0.1:${port}`;
const CONCURRENCY = 16;

async function floor() {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const seen = new Set(['/p/0.html']);
  const queue = ['/p/0.html'];
  let pages = 0;
  let items = 0;
  let active = 0;
  await new Promise((done) => {
    const pump = () => {
      while (active < CONCURRENCY && queue.length > 0) {
        const path = queue.shift();
        active++;
        http.get(base + path, { agent }, (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const html = Buffer.concat(chunks).toString('utf8');
            pages++;
            if (/<h1>([^<]*)<\/h1>/.test(html)) items++;
            for (const m of html.matchAll(/href="([^"]+)"/g)) {
              if (!seen.has(m[1])) {
                seen.add(m[1]);
                queue.push(m[1]);
              }
            }
            active--;
            if (active === 0 && queue.length === 0) done();
            else pump();
          });
        });
      }
    };
    pump();
  });
  agent.destroy();
  return { pages, items };
}

// Loaded before the clock starts: module loading is not crawling.
const { CrawlerProcess, Spider, signals } = await import('@deferkit/crawler');

async function crawl(reactor) {
  class BenchSpider extends Spider {
    name = 'bench';
    startUrls = [`${base}/p/0.html`];
    *parse(response) {
      yield { title: response.css('h1::text').get(), price: response.css('.price::text').get() };
      for (const href of response.css('a::attr(href)').getall()) yield response.follow(href);
    }
  }
  const proc = new CrawlerProcess({ REACTOR: reactor, LOG_ENABLED: false, LOG_LEVEL: 'INFO', LOGSTATS_INTERVAL: 0, CONCURRENT_REQUESTS: CONCURRENCY, CONCURRENT_REQUESTS_PER_DOMAIN: CONCURRENCY });
  const crawler = proc.createCrawler(BenchSpider);
  let items = 0;
  crawler.signals.connect(() => void items++, signals.itemScraped);
  proc.crawl(crawler);
  await proc.start({ installSignalHandlers: false });
  return { pages: Number(crawler.stats.getValue('response_received_count', 0)), items };
}

const cpu0 = process.cpuUsage();
const t0 = performance.now();
const r = mode === 'floor' ? await floor() : await crawl(mode);
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
process.stdout.write(
  JSON.stringify({ mode, ...r, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakRssMiB: process.resourceUsage().maxRSS / 1024 }) + '\n',
);
