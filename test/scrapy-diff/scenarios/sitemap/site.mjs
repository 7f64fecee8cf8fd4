// The sitemap scenario crawls the crawlspider scenario's site (its robots.txt and sitemaps).
export { startSite } from '../crawlspider/site.mjs';
