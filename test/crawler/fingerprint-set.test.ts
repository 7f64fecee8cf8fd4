// The duplicate filter's FingerprintSet: 16-byte binary keys in one typed array, checked against
// a plain Set of the same keys (the model), including growth, the all-zero key and hex input.

import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Request, requestFingerprint } from '@deferkit/crawler';
import { FingerprintSet, RFPDupeFilter } from '@deferkit/crawler/engine';
import { Crawler, Spider } from '@deferkit/crawler';
import { SHA1_OUT, sha1Ascii } from '../../packages/crawler/src/utils/sha1.js';

const sha1 = (s: string): Buffer => createHash('sha1').update(s).digest();

describe('FingerprintSet', () => {
  it('agrees with a Set of hex keys over random adds and lookups, across growth', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 3000 })), { maxLength: 4000 }), (ops) => {
        const set = new FingerprintSet();
        const model = new Set<string>();
        for (const [isAdd, n] of ops) {
          const key = sha1(String(n));
          const hex = key.toString('hex').slice(0, 32);
          if (isAdd) expect(set.add(key)).toBe(!model.has(hex)), model.add(hex);
          else expect(set.has(key)).toBe(model.has(hex));
        }
        expect(set.size).toBe(model.size);
        expect(new Set(set)).toEqual(model);
      }),
      { numRuns: 30 },
    );
  });

  it('keeps 100,000 keys through many doublings and finds every one (and none that was not added)', () => {
    const set = new FingerprintSet();
    let refused = 0;
    for (let i = 0; i < 100_000; i++) if (!set.add(sha1(`in ${i}`))) refused++;
    expect(refused).toBe(0);
    expect(set.size).toBe(100_000);
    let missing = 0;
    for (let i = 0; i < 100_000; i++) if (!set.has(sha1(`in ${i}`))) missing++;
    let found = 0;
    for (let i = 0; i < 10_000; i++) if (set.has(sha1(`out ${i}`))) found++;
    expect([missing, found]).toEqual([0, 0]);
  });

  it('stores the all-zero key, which its empty slots cannot hold', () => {
    const set = new FingerprintSet();
    const zero = new Uint8Array(20);
    expect(set.has(zero)).toBe(false);
    expect(set.add(zero)).toBe(true);
    expect(set.add(zero)).toBe(false);
    expect(set.has('0'.repeat(40))).toBe(true);
    expect(set.size).toBe(1);
    expect([...set]).toEqual(['0'.repeat(32)]);
  });

  it('takes a digest or its hex form as the same key (only the first 16 bytes count)', () => {
    const set = new FingerprintSet();
    const d = sha1('x');
    set.add(d.toString('hex'));
    expect(set.has(d)).toBe(true);
    const sameStart = Buffer.from(d);
    sameStart[19] = sameStart[19]! ^ 0xff;
    expect(set.has(sameStart)).toBe(true);
    sameStart[15] = sameStart[15]! ^ 0xff;
    expect(set.has(sameStart)).toBe(false);
  });

  it('rejects a key too short to hold 128 bits, naming what it needs', () => {
    const set = new FingerprintSet();
    expect(() => set.add(new Uint8Array(8))).toThrow(/at least 16 bytes/);
    expect(() => set.add('abc')).toThrow(/at least 32 hex digits/);
  });
});

describe('RFPDupeFilter on a FingerprintSet', () => {
  const crawler = new Crawler(
    class extends Spider {
      override name = 'fp';
    },
  );

  it("sees a request again under its canonical form (query order, fragment) and keys it by requestFingerprint's first 16 bytes", () => {
    const filter = new RFPDupeFilter(crawler);
    expect(filter.requestSeen(new Request('http://127.0.0.1/p?b=2&a=1#x'))).toBe(false);
    expect(filter.requestSeen(new Request('http://127.0.0.1/p?a=1&b=2'))).toBe(true);
    expect(filter.requestSeen(new Request('http://127.0.0.1/p?a=1&b=2', { method: 'POST' }))).toBe(false);
    expect(filter.requestSeen(new Request('http://127.0.0.1/p', { method: 'POST', body: 'x' }))).toBe(false);
    expect(filter.requestSeen(new Request('http://127.0.0.1/p', { method: 'POST', body: 'x' }))).toBe(true);
    expect(filter.fingerprints.has(requestFingerprint(new Request('http://127.0.0.1/p', { method: 'POST', body: 'x' })))).toBe(true);
    expect(filter.fingerprints.size).toBe(3);
  });

  it('keys a GET by the same 16 bytes whether it is hashed in JavaScript or by node:crypto', () => {
    const filter = new RFPDupeFilter(crawler);
    const urls = ['http://127.0.0.1/a', 'http://127.0.0.1/a?z=1&y=2', `http://127.0.0.1/${'long/'.repeat(40)}`, 'http://127.0.0.1/%C3%A9'];
    for (const url of urls) expect(filter.requestSeen(new Request(url))).toBe(false);
    for (const url of urls) expect(filter.fingerprints.has(requestFingerprint(new Request(url)))).toBe(true);
    for (const url of urls) expect(filter.requestSeen(new Request(url))).toBe(true);
  });
});

describe("the duplicate filter's own SHA-1 (sha1Ascii)", () => {
  const hex = (): string => Array.from(SHA1_OUT, (w) => (w >>> 0).toString(16).padStart(8, '0')).join('');

  it('gives node:crypto\'s digest for every length across the block boundaries (0–300 characters)', () => {
    for (let n = 0; n <= 300; n++) {
      const s = Array.from({ length: n }, (_, i) => String.fromCharCode(32 + ((i * 7 + n) % 95))).join('');
      expect(sha1Ascii(s)).toBe(true);
      expect(hex()).toBe(sha1(s).toString('hex'));
    }
  });

  it("gives node:crypto's digest for random ASCII text", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)), maxLength: 200 }), (s) => {
        expect(sha1Ascii(s)).toBe(true);
        expect(hex()).toBe(sha1(s).toString('hex'));
      }),
      { numRuns: 2000 },
    );
  });

  it('declines text that is not ASCII (its UTF-8 bytes are not its char codes)', () => {
    expect(sha1Ascii('GET\nhttp://h/é\n')).toBe(false);
    expect(sha1Ascii('\u0080')).toBe(false);
  });
});
