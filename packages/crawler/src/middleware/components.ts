// Building ordered component lists (middlewares, pipelines, extensions) from settings, as
// Scrapy's build_component_list + MiddlewareManager.from_crawler do.

import type { Crawler } from '../Crawler.js';
import { NotConfigured } from '../errors.js';
import { componentName } from '../utils/misc.js';

/** A component class: built with `fromCrawler(crawler)` if it has one, else `new C(crawler)`. */
export type ComponentClass<T = object> = (new (crawler: Crawler) => T) & { fromCrawler?: (crawler: Crawler) => T };

/** A component entry of a setting: a class, an instance, or a built-in's name. */
export type ComponentSpec = ComponentClass | object | string;

/**
 * The value of component settings such as `SPIDER_MIDDLEWARES` and `ITEM_PIPELINES`: a list of
 * `[component, order]` pairs, or an object keyed by built-in names (to reorder them, or disable
 * them with `null`).
 */
export type ComponentSetting = Array<readonly [ComponentSpec, number | null]> | Record<string, number | null>;

/**
 * Instantiate the components of `baseSetting` + `setting`, in ascending order; a component
 * whose constructor throws NotConfigured is skipped. @internal
 */
export function buildComponents(
  crawler: Crawler,
  setting: string,
  baseSetting: string | null,
  builtins: Record<string, ComponentClass>,
): object[] {
  const entries = new Map<ComponentSpec, number | null>();
  const add = (spec: ComponentSpec, order: number | null): void => {
    // A built-in named by string and by class is one entry.
    const key = typeof spec === 'string' && builtins[spec] !== undefined ? builtins[spec]! : spec;
    entries.set(key, order);
  };
  const collect = (value: unknown, name: string): void => {
    if (value === undefined || value === null) return;
    if (Array.isArray(value)) {
      for (const pair of value) {
        if (!Array.isArray(pair) || pair.length !== 2) {
          throw new TypeError(`${name} must be a list of [component, order] pairs, got ${JSON.stringify(pair)}.`);
        }
        add(pair[0] as ComponentSpec, pair[1] as number | null);
      }
    } else if (typeof value === 'object') {
      for (const [k, v] of Object.entries(value as Record<string, number | null>)) add(k, v);
    } else {
      throw new TypeError(`${name} must be a list of [component, order] pairs or an object of built-in names, got ${typeof value}.`);
    }
  };
  if (baseSetting !== null) collect(crawler.settings.get(baseSetting), baseSetting);
  collect(crawler.settings.get(setting), setting);

  const ordered = [...entries].filter(([, order]) => order !== null && order !== undefined) as Array<[ComponentSpec, number]>;
  ordered.sort((a, b) => a[1] - b[1]);
  const out: object[] = [];
  const logger = crawler.getLogger('scrapy.middleware');
  for (const [spec, order] of ordered) {
    let cls: unknown = spec;
    if (typeof spec === 'string') {
      cls = builtins[spec];
      if (cls === undefined) {
        throw new TypeError(`${setting}: unknown component '${spec}'. Built-in names are: ${Object.keys(builtins).join(', ') || 'none'}; pass your own class or instance as [MyComponent, ${order}].`);
      }
    }
    try {
      if (typeof cls === 'function') {
        const C = cls as ComponentClass;
        out.push(typeof C.fromCrawler === 'function' ? C.fromCrawler(crawler) : new C(crawler));
      } else if (cls !== null && typeof cls === 'object') {
        out.push(cls);
      } else {
        throw new TypeError(`${setting}: a component must be a class or an object, got ${typeof cls}.`);
      }
    } catch (e) {
      if (e instanceof NotConfigured) {
        if (e.message) logger.warning(`Disabled ${componentName(cls)}: ${e.message}`);
        continue;
      }
      throw e;
    }
  }
  return out;
}
