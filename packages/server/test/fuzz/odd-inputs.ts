// Hostile and unusual inputs: odd Unicode, NUL bytes, traversal in path segments, malformed JSON text, deep
// nesting, bodies over the size limit, and content types other than JSON.
import fc from "fast-check";

/** Strings that have broken parsers, normalisers and escapers before. */
const NOTABLE_STRINGS = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\uD800",
  "x\uDC00y",
  "\uDBFF\uDFFF",
  "\u202Egnp.exe",
  "\u200F\u05E9\u05DC\u05D5\u05DD\u200E",
  "مرحبا",
  "🔑🗝️",
  "👩‍👩‍👧‍👦",
  "e\u0301",
  "\uFB01",
  "\uFF21",
  "\u0130",
  "ß",
  "\uFEFF",
  "\u200B",
  "\r\n",
  "\t",
  "\u2028\u2029",
  "../../etc/passwd",
  "..\\..\\windows\\win.ini",
  "%2e%2e%2f",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4j-style lookup, as an attacker would send it.
  "${jndi:ldap://x}",
  "{{7*7}}",
  "$SECRET/",
  "$SECRET/API_KEY",
  "{{ secrets.API_KEY }}",
  "\\$SECRET/API_KEY",
  "'; drop table secrets; --",
  '<script>alert("x")</script>',
  "null",
  "true",
  "-1",
  "1e309",
  "NaN",
  "__proto__",
  "constructor",
  "prototype",
  "hasOwnProperty",
  "a".repeat(257),
  "a".repeat(5000),
  "💩".repeat(300),
];

const LONE_SURROGATES = ["\uD800", "\uDBFF", "\uDC00", "\uDFFF"];

/** One code unit or code point, including lone surrogates and control characters. */
const oddUnit: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary-ascii", minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.constantFrom(...LONE_SURROGATES) },
);

export const oddString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NOTABLE_STRINGS) },
  { weight: 3, arbitrary: fc.string({ unit: oddUnit, maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 60 }) },
);

/** Percent-encodes every UTF-8 byte that is not unreserved (a lone surrogate becomes U+FFFD's bytes). */
export function encodeSegment(text: string): string {
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9._~-]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** Path segments as they go on the wire: traversal, encoded slashes and NULs, broken percent-encoding, long. */
const RAW_ODD_SEGMENTS = [
  "..",
  ".",
  "%2e%2e",
  "..%2F..%2Fetc%2Fpasswd",
  "..%2f..%2f..%2fv1%2ftokens",
  "%2E%2E%5C%2E%2E%5C",
  "%00",
  "a%00b",
  "%2F",
  "a%2Fb",
  "%252F",
  "%ZZ",
  "%",
  "a%",
  "%E0%A4%A",
  "%C0%AE%C0%AE",
  "%FF%FE",
  "%ED%A0%80",
  "%EF%BF%BD",
  "%F0%9F%94%91",
  "%0D%0ASet-Cookie:%20x=1",
  "%20",
  "+",
  ";x=1",
  "@",
  "%3F",
  "%23",
  "~",
  "a".repeat(300),
  "a".repeat(1100),
  "%41".repeat(400),
];

export const oddSegment: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...RAW_ODD_SEGMENTS) },
  { weight: 2, arbitrary: oddString.map(encodeSegment) },
);

/** Content types other than plain `application/json` (some of them still JSON, as far as the parser goes). */
export const oddContentType = fc.constantFrom(
  "text/plain",
  "text/plain; charset=utf-8",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=fuzz",
  "application/json; charset=utf-16",
  "application/json; charset=latin1",
  "APPLICATION/JSON",
  "application/json;;;=",
  "application/merge-patch+json",
  "application/vnd.api+json",
  "application/jsonx",
  "application/xml",
  "application/octet-stream",
  "*/*",
  "json",
  "",
);

/** Text that is not JSON, made from a valid JSON text so that parsers get some way in before failing. */
export function malformedJson(validText: string): fc.Arbitrary<string | Buffer> {
  const cut = fc.nat({ max: Math.max(0, validText.length - 1) });
  return fc.oneof(
    cut.map((at) => validText.slice(0, at)),
    fc.constantFrom("}", ",", "]", "x", "{}", " true", "\u0000").map((tail) => validText + tail),
    fc.constantFrom(
      "{'key': 'A'}",
      '{"key": "A",}',
      '{key: "A"}',
      '{"key": "A" /* comment */}',
      '{"n": NaN}',
      '{"n": Infinity}',
      '{"n": 0x10}',
      '{"n": 01}',
      '{"n": .5}',
      '{"n": 1e999999}',
      '{"s": "\\x41"}',
      '{"s": "\\u12"}',
      '{"s": "\\uD800"}',
      '{"s": "\\uDC00\\uD800"}',
      '{"\\u0000": "\\u0000"}',
      '{"__proto__": {"polluted": true}}',
      '{"constructor": {"prototype": {"polluted": true}}}',
      '{"a": 1, "a": 2}',
      "[",
      "{",
      '"',
      "nul",
      "\uFEFF{}",
      "{}\n{}",
    ),
    // A raw control character inside a string is not allowed in JSON.
    fc.constantFrom("\u0000", "\u0001", "\n", "\u001f").map((char) => `{"key": "A${char}B"}`),
    // Bytes that are not UTF-8: a lone continuation byte, an overlong form, an encoded surrogate, 0xFF.
    fc
      .constantFrom([0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xff], [0xf4, 0x90, 0x80, 0x80])
      .map((bytes) => Buffer.concat([Buffer.from('{"key": "'), Buffer.from(bytes), Buffer.from('"}')])),
    fc.constant(Buffer.from(validText, "utf16le")),
  );
}

/** JSON nested past (or right at) the depth limit, as text: building the value itself could overflow the stack. */
export const deepJson: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(10, 31, 32, 33, 64, 1000, 10_000, 100_000), fc.constantFrom("[", "{"), fc.boolean())
  .map(([depth, open, inField]) => {
    const [start, end] = open === "[" ? ["[", "]"] : ['{"a":', "}"];
    const core = open === "[" ? "1" : "null";
    const nested = start.repeat(depth) + core + end.repeat(depth);
    return inField ? `{"key": ${nested}}` : nested;
  });

/** `count` keys ("k0": 0, …) in one object. */
function manyKeys(count: number): string {
  return `{${Array.from({ length: count }, (_, index) => `"k${index}":${index}`).join(",")}}`;
}

/**
 * Bodies around the body limit (1 MiB unless configured otherwise): over it (refused from the Content-Length alone),
 * just under it, and wide ones under it (50,000 array items, 10,000 keys) that the server must parse and walk.
 */
export const hugeBody = (limitBytes: number): fc.Arbitrary<string> =>
  fc.oneof(
    fc
      .constantFrom(limitBytes + 1, limitBytes * 2, limitBytes - 64)
      .map((size) => `{"key":"${"a".repeat(Math.max(0, size - 11))}"}`),
    fc.constant(`[${"0,".repeat(49_999)}0]`),
    fc.constant(manyKeys(10_000)),
  );
