// Pins the public types of RobotsTxtMiddleware / HttpProxyMiddleware and their helpers: a custom
// ROBOTSTXT_PARSER class satisfies RobotParserClass, both middlewares are ComponentClasses, and
// TunnelError is a ConnectionError.

import { expectTypeOf, test } from 'vitest';
import {
  ConnectionError,
  HttpProxyMiddleware,
  ProtegoRobotParser,
  RobotsTxtMiddleware,
  TunnelError,
  decodeRobotsTxt,
  getProxies,
  proxyBypass,
  type ComponentClass,
  type Crawler,
  type RobotParser,
  type RobotParserClass,
} from '@deferkit/crawler';

test('a custom robots.txt parser class is a RobotParserClass; the default one is too', () => {
  class AllowAll {
    static fromCrawler(_crawler: Crawler | null, _body: Uint8Array): RobotParser {
      return { allowed: () => true };
    }
  }
  expectTypeOf(AllowAll).toMatchTypeOf<RobotParserClass>();
  expectTypeOf(ProtegoRobotParser).toMatchTypeOf<RobotParserClass>();
  expectTypeOf(ProtegoRobotParser.fromCrawler(null, new Uint8Array()).allowed).returns.toEqualTypeOf<boolean>();
  expectTypeOf(decodeRobotsTxt).returns.toEqualTypeOf<string>();
});

test('both middlewares are components built from a crawler', () => {
  expectTypeOf(RobotsTxtMiddleware).toMatchTypeOf<ComponentClass>();
  expectTypeOf(HttpProxyMiddleware).toMatchTypeOf<ComponentClass>();
  expectTypeOf(RobotsTxtMiddleware.DOWNLOAD_PRIORITY).toEqualTypeOf<number>();
});

test('the proxy helpers and TunnelError', () => {
  expectTypeOf(getProxies).returns.toEqualTypeOf<Record<string, string>>();
  expectTypeOf(proxyBypass).parameters.toEqualTypeOf<[string, string | undefined]>();
  expectTypeOf<TunnelError>().toMatchTypeOf<ConnectionError>();
  expectTypeOf<TunnelError['name']>().toEqualTypeOf<'TunnelError'>();
});
