// Pins the public types of issue 16's sessions and forms: Request cookies, FormRequest and its
// fromResponse options, JsonRequest, CookiesMiddleware.

import { expectTypeOf, test } from 'vitest';
import { CookiesMiddleware, FormRequest, JsonRequest, Request, Response, type FormData, type FromResponseOptions, type RequestCookies } from '@deferkit/crawler';

test('Request cookies: an object of values or a list of { name, value, domain?, path? }', () => {
  expectTypeOf<{ a: string; b: number }>().toMatchTypeOf<RequestCookies>();
  expectTypeOf<Array<{ name: string; value: string; path: string }>>().toMatchTypeOf<RequestCookies>();
  expectTypeOf(new Request('http://x/').cookies).toEqualTypeOf<RequestCookies>();
  // @ts-expect-error a list cookie needs a name
  new Request('http://x/', { cookies: [{ value: '1' }] });
});

test('FormRequest and fromResponse', () => {
  expectTypeOf(FormRequest.fromResponse(new Response('http://x/'))).toEqualTypeOf<FormRequest>();
  expectTypeOf<FormRequest>().toMatchTypeOf<Request>();
  expectTypeOf<[['a', '1']]>().toMatchTypeOf<FormData>();
  expectTypeOf<{ a: string[]; b: null }>().toMatchTypeOf<FormData>();
  expectTypeOf<{ formname: string; dontClick: boolean; meta: { cookiejar: number } }>().toMatchTypeOf<FromResponseOptions>();
  // @ts-expect-error clickdata values are strings or numbers
  FormRequest.fromResponse(new Response('http://x/'), { clickdata: { name: true } });
});

test('JsonRequest and CookiesMiddleware', () => {
  expectTypeOf(new JsonRequest('http://x/', { data: { a: 1 } }).replace({ data: [1] })).toEqualTypeOf<JsonRequest>();
  expectTypeOf<CookiesMiddleware['processRequest']>().parameters.toEqualTypeOf<[Request]>();
  expectTypeOf<ReturnType<CookiesMiddleware['processResponse']>>().toEqualTypeOf<Response>();
});
