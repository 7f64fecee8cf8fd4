// FormRequest (with fromResponse) and JsonRequest: Requests built from form data or JSON data
// (scrapy.http.request.form, scrapy.http.request.json_request).

import type { AnyNode, Element } from 'domhandler';
import { Request, type RequestInit } from './Request.js';
import type { Response } from './Response.js';
import { loadHtml, type Selector } from './Selector.js';

/**
 * Form fields: `{ name: value }` (a list value sends the name once per value) or a list of
 * `[name, value]` pairs. A `null`/`undefined` value leaves the field out.
 */
export type FormData = Record<string, string | readonly string[] | null | undefined> | ReadonlyArray<readonly [string, string | readonly string[] | null | undefined]>;

/** Options of {@link FormRequest}: the Request options and `formdata`. */
export interface FormRequestInit extends RequestInit {
  /**
   * The fields to send, urlencoded (UTF-8): as the body of a POST (with `Content-Type:
   * application/x-www-form-urlencoded` unless set), else as the URL's query (replacing it).
   * Given and not empty, the method defaults to POST.
   */
  formdata?: FormData | null;
}

/** Options of {@link FormRequest.fromResponse}: which form, which values, and the Request options. */
export interface FromResponseOptions extends FormRequestInit {
  /** The form whose `name` attribute is this (ignored when no form has it). */
  formname?: string;
  /** The form whose `id` attribute is this (ignored when no form has it). */
  formid?: string;
  /** The index of the form in the page (default 0), used when no other option picked one. */
  formnumber?: number;
  /** A CSS selector: the first element it selects, or the form around it. */
  formcss?: string;
  /**
   * An XPath expression: the first node it selects, or the form around it. Needs XPath
   * selectors (a `response.xpath` method), which deferkit does not have yet: use `formcss`.
   */
  formxpath?: string;
  /**
   * Which submit control is "clicked": attributes it must have (`{ name: 'go' }`, `{ value:
   * 'Save' }`), or `{ nr: n }`, the n-th input/select/textarea of the form. Default: the first
   * submit button.
   */
  clickdata?: Record<string, string | number>;
  /** Send no submit control's value (Scrapy's `dont_click`). */
  dontClick?: boolean;
  /** Where to send the form, resolved against the page's base URL (default: the form's `action`). */
  url?: string;
}

/** Python's `urllib.parse.quote_plus` of a UTF-8 string: only letters, digits and `_.-~` stay as they are. */
function quotePlus(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** `pairs` (a value may be a list) as `application/x-www-form-urlencoded`, as Scrapy's `_urlencode`. */
function urlencode(pairs: Iterable<readonly [string, unknown]>): string {
  const out: string[] = [];
  for (const [k, vs] of pairs) {
    for (const v of Array.isArray(vs) ? vs : [vs]) out.push(`${quotePlus(String(k))}=${quotePlus(String(v))}`);
  }
  return out.join('&');
}

/** `formdata` as a list of entries, checked. */
function entriesOf(formdata: FormData): Array<readonly [string, unknown]> {
  if (Array.isArray(formdata)) {
    for (const pair of formdata) {
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw new TypeError(`formdata should be a dict or iterable of tuples: got ${JSON.stringify(pair)} in the list; give { name: value } or [[name, value], …].`);
      }
    }
    return formdata as Array<readonly [string, unknown]>;
  }
  if (formdata === null || typeof formdata !== 'object') {
    throw new TypeError(`formdata should be a dict or iterable of tuples, got ${typeof formdata}; give { name: value } or [[name, value], …].`);
  }
  return Object.entries(formdata);
}

function isEmpty(formdata: FormData | null | undefined): boolean {
  if (formdata === null || formdata === undefined) return true;
  return Array.isArray(formdata) ? formdata.length === 0 : Object.keys(formdata).length === 0;
}

/**
 * A Request that sends form fields, urlencoded: in the body of a POST (the default method when
 * `formdata` is given), in the URL's query for any other method. `FormRequest.fromResponse()`
 * fills the fields from a form of a page, as a browser submitting it would.
 *
 * Mirrors Scrapy's `scrapy.FormRequest`.
 *
 * @example
 * ```ts
 * import { FormRequest } from '@deferkit/crawler';
 *
 * const post = new FormRequest('http://127.0.0.1/search', { formdata: { q: 'a light', page: '2' } });
 * console.log(post.method, post.headers.get('Content-Type'), new TextDecoder().decode(post.body));
 * // prints: POST application/x-www-form-urlencoded q=a+light&page=2
 * const get = new FormRequest('http://127.0.0.1/search?old=1', { method: 'GET', formdata: [['q', 'tea'], ['q', 'milk']] });
 * console.log(get.url);
 * // prints: http://127.0.0.1/search?q=tea&q=milk
 * ```
 */
export class FormRequest extends Request {
  /** The methods a form may have; fromResponse turns any other into GET, as browsers do. */
  static readonly validFormMethods: readonly string[] = ['GET', 'POST'];

  /**
   * @param url - an absolute URL.
   * @param init - the Request options and `formdata`.
   * @throws TypeError when `formdata` is neither an object nor a list of `[name, value]` pairs.
   */
  constructor(url: string, init: FormRequestInit = {}) {
    const { formdata, ...rest } = init;
    if (isEmpty(formdata)) {
      super(url, rest);
      return;
    }
    const query = urlencode(entriesOf(formdata!));
    const method = (rest.method ?? 'POST').toUpperCase();
    if (method === 'POST') {
      super(url, { ...rest, method, body: query });
      this.headers.setDefault('Content-Type', 'application/x-www-form-urlencoded');
    } else {
      const u = new URL(url);
      // urlunsplit with the query replaced: an empty query leaves no '?'.
      u.search = query === '' ? '' : `?${query}`;
      super(u.href, { ...rest, method });
    }
  }

  /**
   * A FormRequest that submits a form of `response`, as a browser would: the form's fields with
   * their values (hidden and text inputs, checked checkboxes and radio buttons, the selected
   * options, textareas), the first submit button (unless `dontClick`, or `clickdata` picks
   * another), then `formdata`, which overrides fields of the same name (a `null` value drops
   * the field). Sent to the form's `action` (resolved against the page's `<base href>` or URL)
   * with the form's method (GET when it has none, or another than GET or POST).
   *
   * The form: the first with `formname` as its name, else with `formid` as its id, else the
   * first element `formcss` (or `formxpath`) selects or the form around it, else form number
   * `formnumber` (default 0).
   *
   * Mirrors Scrapy's `FormRequest.from_response`.
   *
   * @param response - a page with a form.
   * @param options - which form, which values, and the Request options (`callback`, `meta`, …).
   * @throws Error `No <form> element found in <200 …>` when the page has no form, and `No
   *   <form> element found with …` when `formcss`/`formxpath` selects nothing in a form;
   *   RangeError `Form number N not found in <200 …>`; Error for a `clickdata` that matches no
   *   element or several; TypeError for `formxpath` on a response without `xpath()`.
   * @example
   * ```ts
   * import { FormRequest, Response } from '@deferkit/crawler';
   *
   * const page = new Response('http://127.0.0.1/login', {
   *   headers: { 'Content-Type': 'text/html' },
   *   body: `<form action="/session" method="post">
   *            <input type="hidden" name="csrf" value="t0k3n">
   *            <input name="user"> <input type="password" name="pass">
   *            <input type="submit" name="go" value="Log in">
   *          </form>`,
   * });
   * const login = FormRequest.fromResponse(page, { formdata: { user: 'alice', pass: 'secret' } });
   * console.log(login.method, login.url);
   * console.log(new TextDecoder().decode(login.body));
   * // prints: POST http://127.0.0.1/session
   * //         csrf=t0k3n&go=Log+in&user=alice&pass=secret
   * ```
   */
  static fromResponse(response: Response, options: FromResponseOptions = {}): FormRequest {
    const { formname, formid, formnumber = 0, formcss, formxpath, clickdata, dontClick = false, formdata, url, method, ...init } = options;
    const form = findForm(response, formname, formid, formnumber, formcss, formxpath);
    const fields = formFields(form, formdata ?? null, dontClick, clickdata);
    const action = form.attribs.action;
    const target = url !== undefined ? response.urljoin(url) : action === undefined ? response.urljoin('') : response.urljoin(stripHtml5Whitespace(action));
    let m = (method ?? form.attribs.method ?? 'GET').toUpperCase();
    if (!FormRequest.validFormMethods.includes(m)) m = 'GET';
    return new this(target, { ...init, method: m, formdata: fields as FormData });
  }
}

/** w3lib's `strip_html5_whitespace`: space, tab, LF, FF, CR at both ends. */
function stripHtml5Whitespace(s: string): string {
  return s.replace(/^[ \t\n\f\r]+|[ \t\n\f\r]+$/g, '');
}

function isElement(node: AnyNode): node is Element {
  return node.type === 'tag' || node.type === 'script' || node.type === 'style';
}

/** The elements below `root`, in document order. */
function descendants(root: Element): Element[] {
  const out: Element[] = [];
  const walk = (parent: Element): void => {
    for (const child of parent.children) {
      if (isElement(child)) {
        out.push(child);
        walk(child);
      }
    }
  };
  walk(root);
  return out;
}

/** The text before the element's first child element (lxml's `.text`). */
function leadingText(el: Element): string {
  let s = '';
  for (const c of el.children) {
    if (c.type === 'text') s += c.data;
    else if (isElement(c)) break;
  }
  return s;
}

/** All the text inside the element. */
function innerText(el: Element): string {
  let s = '';
  for (const c of el.children) {
    if (c.type === 'text') s += c.data;
    else if (isElement(c)) s += innerText(c);
  }
  return s;
}

/**
 * A textarea's value. htmlparser2 keeps its content raw (character references undecoded);
 * lxml decodes them and keeps markup inside as text: so the references are decoded here, the
 * markup left as it is.
 */
function textareaValue(el: Element): string {
  const raw = innerText(el);
  if (!raw.includes('&')) return raw;
  const decoded = loadHtml(`<p>${raw.replace(/</g, '&lt;')}</p>`).document;
  let s = '';
  const walk = (n: AnyNode): void => {
    if (n.type === 'text') s += n.data;
    else if ('children' in n) for (const c of n.children) walk(c);
  };
  walk(decoded);
  return s;
}

function formAround(sel: Selector | undefined): Element | null {
  let node: AnyNode | null = sel?.node ?? null;
  while (node !== null) {
    if (isElement(node) && node.name === 'form') return node;
    node = node.parent as AnyNode | null;
  }
  return null;
}

function findForm(response: Response, formname: string | undefined, formid: string | undefined, formnumber: number, formcss: string | undefined, formxpath: string | undefined): Element {
  const forms = response.css('form').map((s) => s.node as Element);
  if (forms.length === 0) {
    throw new Error(`No <form> element found in ${response}: FormRequest.fromResponse needs a page with a form (check the response, e.g. its status and response.text).`);
  }
  if (formname !== undefined) {
    const f = forms.find((el) => el.attribs.name === formname);
    if (f !== undefined) return f;
  }
  if (formid !== undefined) {
    const f = forms.find((el) => el.attribs.id === formid);
    if (f !== undefined) return f;
  }
  // formcss first: Scrapy turns it into the formxpath it then uses.
  if (formcss !== undefined) {
    const f = formAround(response.css(formcss).find((s) => s.node !== null));
    if (f === null) throw new Error(`No <form> element found with ${formcss}: the CSS selector must select a form or an element inside one.`);
    return f;
  }
  if (formxpath !== undefined) {
    const xpath = (response as unknown as { xpath?: (q: string) => Selector[] }).xpath;
    if (typeof xpath !== 'function') {
      throw new TypeError(
        `FormRequest.fromResponse({ formxpath }) needs a response with xpath() (a TextResponse or HtmlResponse): select the form with formcss (a CSS selector), formname, formid or formnumber instead.`,
      );
    }
    const f = formAround(xpath.call(response, formxpath)[0]);
    if (f === null) throw new Error(`No <form> element found with ${formxpath}: the XPath must select a form or an element inside one.`);
    return f;
  }
  const f = forms[formnumber];
  if (!Number.isInteger(formnumber) || f === undefined) {
    throw new RangeError(`Form number ${formnumber} not found in ${response}: the page has ${forms.length} form(s), numbered from 0.`);
  }
  return f;
}

const NOT_SENT_TYPE = /^(?:submit|image|reset)$/i;
const CHECKABLE = /^(?:checkbox|radio)$/i;

/** The name and value(s) a field sends (lxml's `.value` as Scrapy's `_value` reads it); name null: none. */
function fieldValue(el: Element): [string | undefined, string | string[] | null] {
  const name = el.attribs.name;
  if (el.name === 'textarea') return [name, textareaValue(el)];
  if (el.name === 'select') {
    const options = descendants(el).filter((o) => o.name === 'option');
    const optionValue = (o: Element): string => o.attribs.value ?? leadingText(o).trim();
    if (el.attribs.multiple !== undefined) {
      return [name, options.filter((o) => o.attribs.selected !== undefined).map((o) => (o.attribs.value || leadingText(o) || '').trim())];
    }
    const chosen = [...options].reverse().find((o) => o.attribs.selected !== undefined) ?? options.find((o) => o.attribs.disabled === undefined);
    if (chosen !== undefined) return [name, optionValue(chosen)];
    // Browsers send the first option of a select whose options are all disabled, none when it has none.
    return options.length > 0 ? [name, optionValue(options[0]!)] : [undefined, null];
  }
  const type = el.attribs.type ?? 'text';
  if (CHECKABLE.test(type)) return [name, el.attribs.value || 'on'];
  return [name, el.attribs.value ?? null];
}

/** Python's `repr()` of clickdata, for the error messages. */
function reprDict(d: Record<string, unknown>): string {
  const r = (v: unknown): string => (typeof v === 'string' ? `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : String(v));
  return `{${Object.entries(d).map(([k, v]) => `${r(k)}: ${r(v)}`).join(', ')}}`;
}

/** The submit control that is "clicked": `[name, value]`, or null when the form has none. */
function clicked(form: Element, all: Element[], clickdata: Record<string, string | number> | undefined): [string | undefined, string] | null {
  const pick = (el: Element): [string | undefined, string] => [el.attribs.name, el.attribs.value || ''];
  const clickables = all.filter(
    (el) => (el.name === 'input' && /^(submit|image)$/i.test(el.attribs.type ?? '')) || (el.name === 'button' && (el.attribs.type === undefined || /^submit$/i.test(el.attribs.type))),
  );
  if (clickables.length === 0) return null;
  if (clickdata === undefined || clickdata === null) return pick(clickables[0]!);
  const nr = clickdata.nr;
  if (nr !== undefined && nr !== null) {
    const el = all.filter((e) => e.name === 'input' || e.name === 'select' || e.name === 'textarea')[Number(nr)];
    if (el !== undefined) return pick(el);
  }
  // Any element of the form with all those attributes (nr included, when it picked nothing).
  const matches = all.filter((el) => Object.entries(clickdata).every(([k, v]) => el.attribs[k] === String(v)));
  if (matches.length === 1) return pick(matches[0]!);
  if (matches.length > 1) {
    throw new Error(`Multiple elements found (${matches.map((m) => `<${m.name}>`).join(', ')}) matching the criteria in clickdata: ${reprDict(clickdata)}; add attributes (name, value, id) to clickdata until one element matches.`);
  }
  throw new Error(`No clickable element matching clickdata: ${reprDict(clickdata)}; clickdata's attributes must all match one element of the form (or give { nr: n }).`);
}

/** The `[name, value]` pairs a submission of `form` sends (Scrapy's `_get_inputs`). */
function formFields(form: Element, formdata: FormData | null, dontClick: boolean, clickdata: Record<string, string | number> | undefined): Array<readonly [string, unknown]> {
  const given = formdata === null ? [] : entriesOf(formdata);
  const givenKeys = new Set(given.map(([k]) => k));
  const all = descendants(form);
  const values: Array<readonly [string, unknown]> = [];
  for (const el of all) {
    let sent = el.name === 'textarea' || el.name === 'select';
    if (el.name === 'input') {
      const type = el.attribs.type;
      sent = type === undefined || (!NOT_SENT_TYPE.test(type) && (el.attribs.checked !== undefined || !CHECKABLE.test(type)));
    }
    if (!sent) continue;
    const [name, value] = fieldValue(el);
    if (name && !givenKeys.has(name)) values.push([name, value ?? '']);
  }
  if (!dontClick) {
    const click = clicked(form, all, clickdata);
    // As in Scrapy, only formdata given as an object keeps the clicked control out by name.
    const overridden = click !== null && !Array.isArray(formdata) && formdata !== null && click[0] !== undefined && click[0] in formdata;
    if (click !== null && click[0] !== undefined && !overridden) values.push([click[0], click[1]]);
  }
  for (const [k, v] of given) if (v !== null && v !== undefined) values.push([k, v]);
  return values;
}

/** How {@link JsonRequest} writes JSON: the options of Python's `json.dumps` that Scrapy users pass. */
export interface JsonDumpsOptions {
  /** Sort object keys (default true, as in Scrapy). */
  sortKeys?: boolean;
  /** Indent nested values by this many spaces (or this string); default: one line. */
  indent?: number | string | null;
  /** `[item separator, key separator]`; default `[', ', ': ']` (`[',', ': ']` with `indent`). */
  separators?: readonly [string, string];
  /** Escape non-ASCII characters as `\uXXXX` (default true, as Python). */
  ensureAscii?: boolean;
}

/** Options of {@link JsonRequest}: the Request options, `data` and `dumpsKwargs`. */
export interface JsonRequestInit extends RequestInit {
  /** A value to send as the JSON body; given (and no `body`), the method defaults to POST. */
  data?: unknown;
  /** How `data` is written (Scrapy's `dumps_kwargs`). */
  dumpsKwargs?: JsonDumpsOptions;
}

function jsonString(s: string, ensureAscii: boolean): string {
  const q = JSON.stringify(s);
  return ensureAscii ? q.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : q;
}

/** Python's `json.dumps(value, **options)`. */
function pyJsonDumps(value: unknown, o: JsonDumpsOptions): string {
  const sortKeys = o.sortKeys ?? true;
  const ensureAscii = o.ensureAscii ?? true;
  const indent = o.indent === undefined || o.indent === null ? null : typeof o.indent === 'number' ? ' '.repeat(o.indent) : o.indent;
  const [itemSep, keySep] = o.separators ?? (indent === null ? [', ', ': '] : [',', ': ']);
  const write = (v: unknown, depth: number): string => {
    if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') v = (v as { toJSON(): unknown }).toJSON();
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (typeof v === 'number') return Number.isFinite(v) ? String(v) : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'string') return jsonString(v, ensureAscii);
    const open = indent === null ? '' : `\n${indent.repeat(depth + 1)}`;
    const close = indent === null ? '' : `\n${indent.repeat(depth)}`;
    const sep = indent === null ? itemSep : `${itemSep}\n${indent.repeat(depth + 1)}`;
    if (Array.isArray(v)) return v.length === 0 ? '[]' : `[${open}${v.map((x) => write(x, depth + 1)).join(sep)}${close}]`;
    if (typeof v === 'object') {
      let entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined && typeof x !== 'function');
      if (sortKeys) entries = entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      if (entries.length === 0) return '{}';
      return `{${open}${entries.map(([k, x]) => `${jsonString(k, ensureAscii)}${keySep}${write(x, depth + 1)}`).join(sep)}${close}}`;
    }
    throw new TypeError(`Object of type ${typeof v} is not JSON serializable: JsonRequest data must be plain JSON values.`);
  };
  return write(value, 0);
}

/**
 * A Request with a JSON body: `data` written as Python's `json.dumps` writes it (keys sorted,
 * `", "` and `": "` separators, non-ASCII escaped, as Scrapy sends it; see `dumpsKwargs`), with
 * `Content-Type: application/json` and `Accept: application/json, text/javascript, *\/*;
 * q=0.01` unless set. The method defaults to POST when `data` is given. `replace({ data })`
 * writes the new data the same way.
 *
 * Mirrors Scrapy's `scrapy.http.JsonRequest`.
 *
 * @example
 * ```ts
 * import { JsonRequest } from '@deferkit/crawler';
 *
 * const req = new JsonRequest('http://127.0.0.1/api/search', { data: { query: 'tea', page: 2 } });
 * console.log(req.method, req.headers.get('Content-Type'), new TextDecoder().decode(req.body));
 * // prints: POST application/json {"page": 2, "query": "tea"}
 * ```
 */
export class JsonRequest extends Request {
  /** How `data` is written (Scrapy's `dumps_kwargs`). */
  readonly dumpsKwargs: JsonDumpsOptions;

  /**
   * @param url - an absolute URL.
   * @param init - the Request options, `data` and `dumpsKwargs`.
   * @throws TypeError when `data` holds something JSON cannot write.
   */
  constructor(url: string, init: JsonRequestInit = {}) {
    const { data, dumpsKwargs, ...rest } = init;
    const options: JsonDumpsOptions = { sortKeys: true, ...dumpsKwargs };
    const bodyPassed = rest.body !== undefined && rest.body !== null;
    if (data !== undefined && data !== null) {
      if (bodyPassed) process.emitWarning('Both body and data passed. data will be ignored (JsonRequest: give one of them).');
      else {
        rest.body = pyJsonDumps(data, options);
        rest.method ??= 'POST';
      }
    }
    super(url, rest);
    this.dumpsKwargs = options;
    this.headers.setDefault('Content-Type', 'application/json');
    this.headers.setDefault('Accept', 'application/json, text/javascript, */*; q=0.01');
  }

  /**
   * A copy with some fields changed; `data` is written as the new body (unless `body` is given).
   *
   * @param changes - fields to change, including `url` and `data`.
   */
  override replace(changes: JsonRequestInit & { url?: string } = {}): JsonRequest {
    const { data, ...rest } = changes;
    const copy = super.replace(rest) as JsonRequest;
    const bodyPassed = rest.body !== undefined && rest.body !== null;
    if (data === undefined || data === null) return withDumps(copy, this.dumpsKwargs);
    if (bodyPassed) {
      process.emitWarning('Both body and data passed. data will be ignored (JsonRequest.replace: give one of them).');
      return withDumps(copy, this.dumpsKwargs);
    }
    return withDumps(super.replace({ ...rest, body: pyJsonDumps(data, this.dumpsKwargs) }) as JsonRequest, this.dumpsKwargs);
  }
}

/** `req` with `dumpsKwargs` set (Request.replace builds the copy from the Request fields only). */
function withDumps(req: JsonRequest, dumpsKwargs: JsonDumpsOptions): JsonRequest {
  (req as { dumpsKwargs: JsonDumpsOptions }).dumpsKwargs = dumpsKwargs;
  return req;
}
