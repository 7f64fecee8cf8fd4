// Declared items: a class with the fields it supports (scrapy.Item, scrapy.Field).

import type { Processor } from './processors.js';

/** What a field declares: its loader processors and any other metadata (a serializer, …). */
export interface FieldMeta {
  /** The ItemLoader input processor of this field. */
  inputProcessor?: Processor;
  /** The ItemLoader output processor of this field. */
  outputProcessor?: Processor;
  /** Anything else (Scrapy fields are free-form dicts). */
  [key: string]: unknown;
}

/**
 * Declare a field of an {@link Item} class, with optional metadata (`inputProcessor`,
 * `outputProcessor` for ItemLoader, anything else you like).
 *
 * Mirrors Scrapy's `scrapy.Field`.
 *
 * @param meta - the field's metadata.
 * @returns the metadata (a copy).
 * @example
 * ```ts
 * import { Field, TakeFirst } from '@deferkit/crawler';
 *
 * console.log(Object.keys(Field({ outputProcessor: TakeFirst() })));
 * // prints: [ 'outputProcessor' ]
 * ```
 */
export function Field(meta: FieldMeta = {}): FieldMeta {
  return { ...meta };
}

/** An Item subclass. */
export type ItemClass<T extends Item = Item> = (new (values?: Record<string, unknown>) => T) & { fields: Readonly<Record<string, FieldMeta>> };

/**
 * A declared item: a class whose `static fields` name the fields it supports. Setting any other
 * property throws (`Product does not support field: colour`), so a typo in a field name fails
 * where it is made instead of producing a silently wrong item. Declare the fields' types with
 * `declare` properties to get typed items (`declare` adds no run-time property).
 *
 * Mirrors Scrapy's `scrapy.Item`.
 *
 * @example
 * ```ts
 * import { Field, Item } from '@deferkit/crawler';
 *
 * class Product extends Item {
 *   static override fields = { name: Field(), price: Field() };
 *   declare name?: string;
 *   declare price?: number;
 * }
 * const p = new Product({ name: 'Lamp' });
 * p.price = 12;
 * console.log(p.name, p.price, JSON.stringify(p));
 * try {
 *   (p as unknown as Record<string, unknown>).colour = 'red';
 * } catch (e) {
 *   console.log((e as Error).message);
 * }
 * // prints: Lamp 12 {"name":"Lamp","price":12}
 * //         Product does not support field: colour (declare it in Product.fields)
 * ```
 */
export class Item {
  /** The supported fields and their metadata. */
  static fields: Readonly<Record<string, FieldMeta>> = {};

  /**
   * @param values - initial field values.
   * @throws TypeError for a field the class does not declare.
   */
  constructor(values: Record<string, unknown> = {}) {
    const cls = new.target as unknown as ItemClass;
    const check = (prop: string | symbol): void => {
      if (typeof prop === 'string' && !Object.prototype.hasOwnProperty.call(cls.fields, prop)) {
        throw new TypeError(`${cls.name} does not support field: ${prop} (declare it in ${cls.name}.fields)`);
      }
    };
    const proxy = new Proxy(this, {
      set(target, prop, value, receiver) {
        check(prop);
        return Reflect.set(target, prop, value, receiver);
      },
      defineProperty(target, prop, descriptor) {
        check(prop);
        return Reflect.defineProperty(target, prop, descriptor);
      },
    });
    for (const [k, v] of Object.entries(values)) (proxy as unknown as Record<string, unknown>)[k] = v;
    return proxy;
  }
}
