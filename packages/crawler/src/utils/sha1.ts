// SHA-1 (FIPS 180-4) of a short ASCII string, in JavaScript, for the duplicate filter: every link
// a page yields is fingerprinted, most of them duplicates, and node:crypto's one-shot hash costs
// about a microsecond of call overhead plus a Buffer for its 20 bytes. This computes the digest
// into a shared Int32Array, with no allocation. Checked against node:crypto in
// test/crawler/fingerprint-set.test.ts.

/** The message schedule, reused by every call. */
const W = new Int32Array(80);
/** The digest of the last call: five big-endian 32-bit words (read before the next call). @internal */
export const SHA1_OUT = new Int32Array(5);

/**
 * SHA-1 of `text`, whose characters must all be below U+0080 (then its UTF-8 bytes are its char
 * codes), into {@link SHA1_OUT}. Returns false, computing nothing, when a character is not ASCII.
 * @internal
 */
export function sha1Ascii(text: string): boolean {
  const n = text.length;
  let h0 = 0x67452301;
  let h1 = 0xefcdab89 | 0;
  let h2 = 0x98badcfe | 0;
  let h3 = 0x10325476;
  let h4 = 0xc3d2e1f0 | 0;
  // Message, 0x80, zero padding, then the 64-bit bit length: a whole number of 64-byte blocks.
  const blocks = ((n + 8) >>> 6) + 1;
  for (let b = 0; b < blocks; b++) {
    const base = b * 64;
    for (let i = 0; i < 16; i++) {
      let word = 0;
      for (let k = 0; k < 4; k++) {
        const p = base + i * 4 + k;
        let byte: number;
        if (p < n) {
          byte = text.charCodeAt(p);
          if (byte > 0x7f) return false;
        } else byte = p === n ? 0x80 : 0;
        word = (word << 8) | byte;
      }
      W[i] = word;
    }
    if (b === blocks - 1) {
      // The bit length, big-endian, in the last 8 bytes (strings here are far below 2^29 chars).
      W[14] = (n / 0x20000000) | 0;
      W[15] = (n << 3) | 0;
    }
    for (let t = 16; t < 80; t++) {
      const x = W[t - 3]! ^ W[t - 8]! ^ W[t - 14]! ^ W[t - 16]!;
      W[t] = (x << 1) | (x >>> 31);
    }
    let a = h0;
    let bb = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    for (let t = 0; t < 80; t++) {
      let f: number;
      let k: number;
      if (t < 20) {
        f = (bb & c) | (~bb & d);
        k = 0x5a827999;
      } else if (t < 40) {
        f = bb ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (t < 60) {
        f = (bb & c) | (bb & d) | (c & d);
        k = 0x8f1bbcdc | 0;
      } else {
        f = bb ^ c ^ d;
        k = 0xca62c1d6 | 0;
      }
      const temp = (((a << 5) | (a >>> 27)) + f + e + k + W[t]!) | 0;
      e = d;
      d = c;
      c = (bb << 30) | (bb >>> 2);
      bb = a;
      a = temp;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + bb) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
  }
  SHA1_OUT[0] = h0;
  SHA1_OUT[1] = h1;
  SHA1_OUT[2] = h2;
  SHA1_OUT[3] = h3;
  SHA1_OUT[4] = h4;
  return true;
}
