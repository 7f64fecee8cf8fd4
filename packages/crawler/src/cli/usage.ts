// Help texts of the deferkit CLI's own commands (`deferkit --help` is made from the command
// table: commands.ts).

/** `deferkit runspider --help`. */
export const RUNSPIDER_USAGE = `Usage: deferkit runspider <spider.ts|.mts|.js|.mjs> [options]

Runs the file's default export, or else its only exported Spider subclass.

Options:
  -a NAME=VALUE              spider argument: becomes a property of the spider (repeatable)
  -o, --output FILE          append scraped items to FILE (repeatable); the format comes from
                             the extension (.jsonl/.jl: jsonl, .json: json, .csv: csv) or from
                             a suffix: -o items.txt:jsonl; - is standard output: -o -:jsonl
  -O, --overwrite-output FILE
                             like -o, but replace FILE instead of appending
  -s, --set KEY=VALUE        set a setting at command-line priority (repeatable); values are
                             parsed: numbers, true/false, null, JSON ({...}, [...]), else text
  -L, --loglevel LEVEL       LOG_LEVEL: DEBUG (default), INFO, WARNING, ERROR, CRITICAL
      --nolog                no log output (LOG_ENABLED=false)
      --demo                 start the embedded demo site, pass -a base=<its url>, and stop it
                             after the crawl
  -h, --help                 show this help

Settings priorities: defaults < project < the spider's customSettings < -s/-o/-L.
Ctrl-C stops gracefully (in-flight requests finish, feeds close, stats print); a second
Ctrl-C forces.

Examples:
  deferkit runspider examples/spiders/books.ts --demo -o books.jsonl
  deferkit runspider spider.ts -a base=http://127.0.0.1:8080 -O out.csv -s CONCURRENT_REQUESTS=4
  deferkit runspider spider.ts -s REACTOR=callback -s 'FEEDS={"out/%(name)s.json": {"format": "json"}}'
`;

/** `deferkit demo-site --help`. */
export const DEMO_SITE_USAGE = `Usage: deferkit demo-site [--port PORT] [--host HOST]

Serves the embedded demo bookstore (listing pages, book pages, /slow?ms=N, /status/N,
/redirect?to=PATH, /api/books.json) until Ctrl-C.

Options:
  -p, --port PORT            port (default 8080; 0 picks a free one)
      --host HOST            address to listen on (default 127.0.0.1)
  -h, --help                 show this help
`;

/** `deferkit lab --help` in short (the lab prints its own, longer one). */
export const LAB_USAGE = `Usage: deferkit lab [scenario] [options]

Runs the coroutine/reactor lab; 'deferkit lab --help' lists its scenarios and options.
`;
