// The same site as the httpcache scenario's (its /rfc pages).
export { startSite } from '../httpcache/site.mjs';
