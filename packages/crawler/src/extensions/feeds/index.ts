// The feed exporter (FEEDS), by concern: options.ts (what a feed is), uri.ts (%(name)s/%(time)s
// and the file a URI names), codecs.ts (encodings), pythonJson.ts and csv.ts (how values are
// written), itemExporters.ts (an item as a format's text), storages.ts and target.ts (where the
// bytes go; target.ts is the durable part), FeedSlot.ts (one open feed) and FeedExporter.ts (the
// extension).

export { FeedExporter } from './FeedExporter.js';
export { STDOUT_URI } from './uri.js';
export type { FeedFormat, FeedOptions } from './options.js';
