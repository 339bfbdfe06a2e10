// Replaces every resolved value that comes back from an upstream by "[REDACTED:NAME]", in headers and in streamed
// bodies, also when a value is split across chunks.
//
// Matching is leftmost-longest over the whole stream, whatever its chunking. A chunk's end is held back only while
// it could still be the beginning of a value: the held tail is the longest suffix that is a proper prefix of a
// pattern, so at most (longest pattern − 1) bytes and usually none (a server-sent event ending in "\n\n" is passed
// on at once unless a value starts with a newline). Cost: per chunk, one native `indexOf` per pattern plus a check
// of the last (longest pattern − 1) bytes; see docs/proxy.md.
import { Transform } from "node:stream";
import { DEFAULT_FIELD, type SecretFieldRef, type SecretValues } from "../refs/index.ts";

/** A value to hide, and the name it is shown as: the secret key, with ".field" for a non-default field. */
export type RedactedValue = { readonly label: string; readonly value: string };

/** A spelling to find, as bytes (bodies) and as text (header values), and what replaces it. */
type Pattern = { readonly bytes: Buffer; readonly text: string; readonly replacement: Buffer };

/** Redacts one byte stream as its chunks come, holding back only what could still begin a value. */
export type StreamRedactor = {
  /** The redacted bytes that can go out now (possibly empty). */
  write(chunk: Buffer): Buffer;
  /** What was held back, redacted: the stream has ended. */
  end(): Buffer;
};

export type Redactor = {
  /** Byte length of the longest pattern: the most a stream ever holds back is one byte less. */
  readonly longestPattern: number;
  /** Redacts a complete buffer. */
  redactBuffer(input: Buffer): Buffer;
  /** Redacts a complete string (a header value). */
  redactText(input: string): string;
  /** The state for redacting one byte stream, for a caller that moves the chunks itself (the proxy). */
  createStreamRedactor(): StreamRedactor;
  /** A Transform that redacts a byte stream chunk by chunk. */
  createStream(): Transform;
};

/** Percent-encoding as RFC 3986 (and Python's `quote`) writes it: also `!'()*`, which encodeURIComponent leaves. */
function strictPercentEncoded(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * The spellings of a value that an upstream is likely to echo: as is, escaped inside a JSON string,
 * percent-encoded, and form-encoded (a query parameter added by the proxy or the HTTP action: a space is "+");
 * the encoded ones also as stricter encoders write them (`!'()*` escaped) and with lowercase hex digits, which
 * some libraries emit. Exported for its test.
 */
export function encodedSpellings(value: string): string[] {
  const formEncoded = new URLSearchParams([["", value]]).toString().slice(1);
  const strict = strictPercentEncoded(value);
  const encoded = [encodeURIComponent(value), formEncoded, strict, strict.replaceAll("%20", "+")];
  const lowercased = encoded.map((spelling) =>
    spelling.replace(/%[0-9A-F]{2}/g, (sequence) => sequence.toLowerCase()),
  );
  return [value, JSON.stringify(value).slice(1, -1), ...encoded, ...lowercased];
}

/**
 * Letters, digits and "-._" are left as they are by JSON and by every encoder above (form encoding escapes "~"):
 * a value made only of them (most API keys) is spelled one way, and the encoders need not run for it.
 */
export const SPELLED_ONE_WAY = /^[A-Za-z0-9._-]*$/;

function spellingsOf(value: string): string[] {
  return SPELLED_ONE_WAY.test(value) ? [value] : encodedSpellings(value);
}

function buildPatterns(values: readonly RedactedValue[]): Pattern[] {
  const seen = new Set<string>();
  const patterns: Pattern[] = [];
  for (const { label, value } of values) {
    if (value === "") continue;
    const replacement = Buffer.from(`[REDACTED:${label}]`);
    for (const spelling of spellingsOf(value)) {
      if (seen.has(spelling)) continue;
      seen.add(spelling);
      const bytes = Buffer.from(spelling, "utf8");
      // The text the bytes spell (a lone surrogate in a value has become U+FFFD in them), for header values.
      patterns.push({ bytes, text: bytes.toString("utf8"), replacement });
    }
  }
  // Longest first: at equal positions the first pattern found is the longest.
  return patterns.sort((a, b) => b.bytes.length - a.bytes.length);
}

const EMPTY = Buffer.alloc(0);

/** True when `input[from..end)` is a proper prefix of `pattern` (it could become the pattern with more bytes). */
function isPartialMatch(input: Buffer, from: number, pattern: Buffer): boolean {
  const length = input.length - from;
  return length < pattern.length && input.compare(pattern, 0, length, from) === 0;
}

/**
 * Redacts `input` and says where to stop: with `final` false, the tail that could still begin a value is not
 * consumed, and `rest` is where it starts.
 */
function redactChunk(
  patterns: readonly Pattern[],
  input: Buffer,
  final: boolean,
): { out: Buffer; rest: number } {
  const longest = patterns[0]!.bytes.length;
  const parts: Buffer[] = [];
  let cursor = 0;
  // Next occurrence of each pattern at or after the cursor (-1: none), recomputed only when passed.
  const next = patterns.map((pattern) => input.indexOf(pattern.bytes));
  // Start of the tail to hold back (-1: none), earliest first; still valid while the cursor has not passed it.
  let held: number | undefined;
  const holdStart = (): number => {
    if (final) return -1;
    if (held !== undefined && (held === -1 || held >= cursor)) return held;
    held = -1;
    for (let at = Math.max(cursor, input.length - longest + 1); at < input.length && held === -1; at++) {
      for (const { bytes } of patterns) {
        if (input[at] === bytes[0] && isPartialMatch(input, at, bytes)) {
          held = at;
          break;
        }
      }
    }
    return held;
  };
  for (;;) {
    let match = -1;
    let chosen: Pattern | undefined;
    for (const [index, pattern] of patterns.entries()) {
      let at = next[index]!;
      if (at !== -1 && at < cursor) {
        at = input.indexOf(pattern.bytes, cursor);
        next[index] = at;
      }
      if (at !== -1 && (match === -1 || at < match)) {
        match = at;
        chosen = pattern;
      }
    }
    const hold = holdStart();
    if (hold !== -1 && (match === -1 || hold <= match)) {
      parts.push(input.subarray(cursor, hold));
      return { out: Buffer.concat(parts), rest: hold };
    }
    if (chosen === undefined) break;
    parts.push(input.subarray(cursor, match), chosen.replacement);
    cursor = match + chosen.bytes.length;
  }
  parts.push(input.subarray(cursor));
  return { out: parts.length === 1 ? parts[0]! : Buffer.concat(parts), rest: input.length };
}

/** A redactor for `values`, or undefined when there is nothing to redact (no value, or only empty ones). */
export function createRedactor(values: readonly RedactedValue[]): Redactor | undefined {
  const patterns = buildPatterns(values);
  if (patterns.length === 0) return undefined;
  const redactBuffer = (input: Buffer): Buffer => redactChunk(patterns, input, true).out;
  const createStreamRedactor = (): StreamRedactor => {
    let tail: Buffer | undefined;
    return {
      write(chunk) {
        const input = tail === undefined ? chunk : Buffer.concat([tail, chunk]);
        const { out, rest } = redactChunk(patterns, input, false);
        tail = rest < input.length ? input.subarray(rest) : undefined;
        return out;
      },
      end() {
        const held = tail;
        tail = undefined;
        return held === undefined ? EMPTY : redactBuffer(held);
      },
    };
  };
  return {
    longestPattern: patterns[0]!.bytes.length,
    redactBuffer,
    redactText(input) {
      if (!patterns.some(({ text }) => input.includes(text))) return input;
      return redactBuffer(Buffer.from(input, "utf8")).toString("utf8");
    },
    createStreamRedactor,
    createStream() {
      const stream = createStreamRedactor();
      return new Transform({
        transform(chunk: Buffer, _encoding, done) {
          const out = stream.write(chunk);
          done(null, out.length === 0 ? undefined : out);
        },
        flush(done) {
          const out = stream.end();
          done(null, out.length === 0 ? undefined : out);
        },
      });
    },
  };
}

/** The values a request used, labelled "KEY" (default field) or "KEY.field": what its response must not show. */
export function usedValues(refs: readonly SecretFieldRef[], values: SecretValues): RedactedValue[] {
  const out: RedactedValue[] = [];
  for (const ref of refs) {
    const value = values.get(ref.name)?.[ref.field];
    if (value !== undefined)
      out.push({ label: ref.field === DEFAULT_FIELD ? ref.name : `${ref.name}.${ref.field}`, value });
  }
  return out;
}
