// windows-1252 (cp1252) for bytes 0x80–0x9F, the range where it differs from ISO-8859-1: the
// response decoder needs it (some Node versions decode 'windows-1252' as plain ISO-8859-1) and
// so do character references (&#128;–&#159; mean these characters, in browsers and in w3lib).

/**
 * The character of each byte 0x80–0x9F in WHATWG's windows-1252; the five bytes it leaves
 * undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) map to the C1 control of the same code. @internal
 */
export const CP1252_C1 =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

/** The cp1252 character of byte `b` (0x80–0x9F), or undefined for the five it leaves undefined (Python's codec refuses them). @internal */
export function cp1252Char(b: number): string | undefined {
  const c = CP1252_C1[b - 0x80];
  return c === undefined || c.charCodeAt(0) === b ? undefined : c;
}
