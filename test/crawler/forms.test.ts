// FormRequest, FormRequest.fromResponse and JsonRequest, rule by rule, as Scrapy 2.8
// (scrapy/http/request/form.py, json_request.py with lxml 4.9) builds them: expected bodies
// were checked against Scrapy's output for the same pages.

import { describe, expect, it } from 'vitest';
import { FormRequest, JsonRequest, Request, Response } from '@deferkit/crawler';

const text = (r: Request) => new TextDecoder().decode(r.body);
const html = (body: string, url = 'http://127.0.0.1/dir/page') => new Response(url, { headers: { 'Content-Type': 'text/html; charset=utf-8' }, body });

describe('FormRequest(url, { formdata })', () => {
  it('defaults to POST with an urlencoded body and the form Content-Type', () => {
    const r = new FormRequest('http://127.0.0.1/s', { formdata: { a: 'x y', b: '~*!' } });
    expect(r.method).toBe('POST');
    expect(r.headers.get('Content-Type')).toBe('application/x-www-form-urlencoded');
    // quote_plus: space as +, only letters, digits and _.-~ kept.
    expect(text(r)).toBe('a=x+y&b=~%2A%21');
  });
  it('keeps a Content-Type given by the caller', () => {
    const r = new FormRequest('http://127.0.0.1/s', { formdata: { a: '1' }, headers: { 'Content-Type': 'text/plain' } });
    expect(r.headers.get('Content-Type')).toBe('text/plain');
  });
  it('puts formdata in the query, replacing it, for GET (and any method but POST)', () => {
    expect(new FormRequest('http://127.0.0.1/s?old=1#frag', { method: 'GET', formdata: { q: 'tea' } }).url).toBe('http://127.0.0.1/s?q=tea#frag');
    const put = new FormRequest('http://127.0.0.1/s', { method: 'PUT', formdata: { q: 'tea' } });
    expect([put.method, put.url, put.body.length]).toEqual(['PUT', 'http://127.0.0.1/s?q=tea', 0]);
  });
  it('sends a list value once per item, and pairs in their order', () => {
    expect(text(new FormRequest('http://127.0.0.1/s', { formdata: { t: ['a', 'b'] } }))).toBe('t=a&t=b');
    expect(text(new FormRequest('http://127.0.0.1/s', { formdata: [['z', '1'], ['a', '2'], ['z', '3']] }))).toBe('z=1&a=2&z=3');
  });
  it('without formdata (or with an empty one) is a plain GET', () => {
    const r = new FormRequest('http://127.0.0.1/s', { formdata: {} });
    expect([r.method, r.headers.has('Content-Type')]).toEqual(['GET', false]);
  });
  it('rejects formdata that is neither an object nor a list of pairs', () => {
    expect(() => new FormRequest('http://127.0.0.1/s', { formdata: [['a']] as never })).toThrow(/formdata should be a dict or iterable of tuples/);
  });
  it('replace() keeps the class and the encoded body', () => {
    const r = new FormRequest('http://127.0.0.1/s', { formdata: { a: '1' } }).replace({ priority: 3 });
    expect(r).toBeInstanceOf(FormRequest);
    expect([r.priority, text(r)]).toEqual([3, 'a=1']);
  });
});

const LOGIN = `<form id="f0" action="/search" method="get"><input name="q" value="d"></form>
<form name="login" id="f1" action=" /session?x=1 " method="post">
  <input type="hidden" name="csrf" value="t0k">
  <input name="user"><input name="noval" type="text"><input name="empty" type="">
  <input type="checkbox" name="c1" checked><input type="checkbox" name="c2" value="no">
  <input type="radio" name="r" value="a"><input type="radio" name="r" value="b" checked>
  <input type="reset" name="rs" value="x"><input type="image" name="img" value="i">
  <select name="s1"><option value="1">one</option><option selected>two</option></select>
  <select name="s2"><option disabled value="d">d</option><option>first enabled</option></select>
  <select name="s3" multiple><option value="a" selected>A</option><option value="b">B</option><option selected>C </option></select>
  <select name="s4"></select>
  <textarea name="ta">x &lt; y</textarea>
  <input type="submit" name="go" value="Log in"><button name="b" value="bv">B</button><button type="button" name="nb">no</button>
</form>`;

describe('FormRequest.fromResponse: which fields a submission sends', () => {
  const page = html(LOGIN);
  it('hidden/text inputs, checked boxes, selected options, textareas, then the first submit button', () => {
    const r = FormRequest.fromResponse(page, { formname: 'login' });
    expect(text(r)).toBe('csrf=t0k&user=&noval=&empty=&c1=on&r=b&s1=two&s2=first+enabled&s3=a&s3=C&ta=x+%3C+y&img=i');
  });
  it('formdata replaces the form field of the same name (null drops it), and comes after the form fields', () => {
    const r = FormRequest.fromResponse(page, { formname: 'login', dontClick: true, formdata: { user: 'alice', csrf: null, extra: 'e' } });
    expect(text(r)).toBe('noval=&empty=&c1=on&r=b&s1=two&s2=first+enabled&s3=a&s3=C&ta=x+%3C+y&user=alice&extra=e');
  });
  it('dontClick sends no submit control; clickdata picks one by attributes or by nr', () => {
    expect(text(FormRequest.fromResponse(page, { formname: 'login', dontClick: true }))).not.toMatch(/img=|go=|b=bv/);
    expect(text(FormRequest.fromResponse(page, { formname: 'login', clickdata: { name: 'b' } }))).toMatch(/&b=bv$/);
    expect(text(FormRequest.fromResponse(page, { formname: 'login', clickdata: { value: 'Log in' } }))).toMatch(/&go=Log\+in$/);
    // nr counts the form's input, select and textarea elements (buttons are not among them).
    expect(text(FormRequest.fromResponse(page, { formname: 'login', clickdata: { nr: 0 } }))).toMatch(/&csrf=t0k$/);
  });
  it('clickdata matching nothing, or several elements, is an error with Scrapy\'s message', () => {
    expect(() => FormRequest.fromResponse(page, { formname: 'login', clickdata: { name: 'nope' } })).toThrow("No clickable element matching clickdata: {'name': 'nope'}");
    expect(() => FormRequest.fromResponse(page, { formname: 'login', clickdata: { type: 'radio' } })).toThrow(/^Multiple elements found .* matching the criteria in clickdata: \{'type': 'radio'\}/);
  });
  it('a formdata object naming the clicked control keeps the form value out (a list of pairs does not, as in Scrapy)', () => {
    const form = html('<form><input type=submit name=go value=x></form>');
    expect(FormRequest.fromResponse(form, { formdata: { go: 'y' } }).url).toBe('http://127.0.0.1/dir/page?go=y');
    expect(FormRequest.fromResponse(form, { formdata: [['go', 'y']] }).url).toBe('http://127.0.0.1/dir/page?go=x&go=y');
  });
});

describe('FormRequest.fromResponse: which form, where to, which method', () => {
  const page = html(LOGIN);
  it('picks by formname, then formid, then formcss (or the form around what it selects), else formnumber', () => {
    expect(FormRequest.fromResponse(page, { formname: 'login' }).method).toBe('POST');
    expect(FormRequest.fromResponse(page, { formid: 'f1' }).method).toBe('POST');
    expect(FormRequest.fromResponse(page, { formcss: 'textarea' }).method).toBe('POST');
    expect(FormRequest.fromResponse(page, { formnumber: 1 }).method).toBe('POST');
    expect(FormRequest.fromResponse(page).url).toBe('http://127.0.0.1/search?q=d');
    // An unknown name or id falls through to formnumber.
    expect(FormRequest.fromResponse(page, { formname: 'nope' }).url).toBe('http://127.0.0.1/search?q=d');
  });
  it('resolves the action (whitespace stripped) against <base href>, keeps its query for POST', () => {
    expect(FormRequest.fromResponse(page, { formname: 'login' }).url).toBe('http://127.0.0.1/session?x=1');
    const based = html('<html><head><base href="http://127.0.0.2/root/"></head><body><form action="go"></form><form></form></body></html>');
    expect(FormRequest.fromResponse(based).url).toBe('http://127.0.0.2/root/go');
    // No action: the base URL itself.
    expect(FormRequest.fromResponse(based, { formnumber: 1 }).url).toBe('http://127.0.0.2/root/');
    expect(FormRequest.fromResponse(page, { formname: 'login', url: 'other' }).url).toBe('http://127.0.0.1/dir/other');
  });
  it('uses the form method, GET when it has none or one other than GET/POST', () => {
    expect(FormRequest.fromResponse(html('<form method="put"><input name="a" value="1"></form>')).url).toBe('http://127.0.0.1/dir/page?a=1');
    expect(FormRequest.fromResponse(html('<form><input name="a" value="1"></form>'), { method: 'post' }).method).toBe('POST');
  });
  it('passes the Request options on', () => {
    const r = FormRequest.fromResponse(page, { formname: 'login', meta: { cookiejar: 2 }, priority: 5, dontFilter: true });
    expect([r instanceof FormRequest, r.meta.cookiejar, r.priority, r.dontFilter]).toEqual([true, 2, 5, true]);
  });
  it("errors with Scrapy's messages, naming the fix", () => {
    expect(() => FormRequest.fromResponse(html('<p>no form</p>'))).toThrow(/^No <form> element found in <200 http:\/\/127\.0\.0\.1\/dir\/page>/);
    expect(() => FormRequest.fromResponse(page, { formnumber: 5 })).toThrow(RangeError);
    expect(() => FormRequest.fromResponse(page, { formnumber: 5 })).toThrow(/^Form number 5 not found in <200 /);
    expect(() => FormRequest.fromResponse(page, { formcss: 'h1' })).toThrow(/^No <form> element found with h1/);
  });
  it('formxpath picks the form it selects, or the form around the element it selects', () => {
    expect(FormRequest.fromResponse(page, { formxpath: '//form[@name="login"]' }).url).toBe('http://127.0.0.1/session?x=1');
    expect(FormRequest.fromResponse(page, { formxpath: '//form[@name="login"]//input' }).url).toBe('http://127.0.0.1/session?x=1');
    expect(() => FormRequest.fromResponse(page, { formxpath: '//h1' })).toThrow(/^No <form> element found with \/\/h1/);
  });
});

describe('JsonRequest', () => {
  it('writes data as json.dumps(sort_keys=True) does, POST, with the JSON Content-Type and Accept', () => {
    const r = new JsonRequest('http://127.0.0.1/api', { data: { b: 'é', a: [1, { z: null }], c: true } });
    expect(r.method).toBe('POST');
    expect(text(r)).toBe('{"a": [1, {"z": null}], "b": "\\u00e9", "c": true}');
    expect(r.headers.get('Content-Type')).toBe('application/json');
    expect(r.headers.get('Accept')).toBe('application/json, text/javascript, */*; q=0.01');
  });
  it('dumpsKwargs change the writing; a given method or headers win', () => {
    const r = new JsonRequest('http://127.0.0.1/api', { data: { b: 1, a: 'é' }, method: 'PUT', dumpsKwargs: { sortKeys: false, ensureAscii: false, separators: [',', ':'] }, headers: { Accept: 'x/y' } });
    expect([r.method, text(r), r.headers.get('Accept')]).toEqual(['PUT', '{"b":1,"a":"é"}', 'x/y']);
    expect(text(new JsonRequest('http://x/', { data: { a: [1] }, dumpsKwargs: { indent: 2 } }))).toBe('{\n  "a": [\n    1\n  ]\n}');
  });
  it('without data: GET, no body, the JSON headers still set', () => {
    const r = new JsonRequest('http://127.0.0.1/api');
    expect([r.method, r.body.length, r.headers.get('Content-Type')]).toEqual(['GET', 0, 'application/json']);
  });
  it('replace({ data }) writes the new data with the same dumpsKwargs', () => {
    const r = new JsonRequest('http://127.0.0.1/api', { data: { a: 1 }, dumpsKwargs: { separators: [',', ':'] } }).replace({ data: { y: 2, x: 1 } });
    expect(r).toBeInstanceOf(JsonRequest);
    expect([r.method, text(r)]).toEqual(['POST', '{"x":1,"y":2}']);
  });
});
