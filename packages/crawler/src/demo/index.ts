// @deferkit/crawler/demo: the embedded demo bookstore.

export { demoBooks, startDemoSite } from './site.js';
export type { DemoBook, DemoSite, DemoSiteOptions } from './site.js';
