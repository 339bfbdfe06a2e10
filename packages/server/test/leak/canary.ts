// Test support for the leak canary: a random value, every spelling a leak of it could take, and a search for them.
import { randomBytes } from "node:crypto";

export type Canary = {
  /** The stored value: a distinctive prefix, a space, then 24 random url-safe characters. */
  value: string;
  /** The random part alone: it survives any re-spelling of the prefix (URL or form encoding). */
  core: string;
};

/**
 * The space makes the value impossible as a key, slug or name, and makes its percent-encoded (`%20`) and
 * form-encoded (`+`) spellings differ from each other and from the value.
 */
export function newCanary(): Canary {
  const core = randomBytes(18).toString("base64url");
  return { value: `leak-canary ${core}`, core };
}

export type Form = { name: string; bytes: Buffer };

/**
 * The base64 characters that depend only on `bytes` when they sit at `offset` (0, 1 or 2) bytes past a 3-byte
 * boundary inside a larger base64'd blob: the characters shared with the neighbours' bits are dropped at both ends.
 */
export function base64Inside(bytes: Buffer, offset: number): string {
  const padded = Buffer.concat([Buffer.alloc(offset), bytes]);
  const whole = Math.floor(padded.length / 3) * 4;
  return padded
    .toString("base64")
    .slice(0, whole)
    .slice(Math.ceil((offset * 8) / 6));
}

const urlSafe = (base64: string) => base64.replace(/\+/g, "-").replace(/\//g, "_");

/** Every spelling of `text` that a leak could take: plain, base64 (3 alignments, standard and url-safe), hex, URL. */
function spellings(label: string, text: string): Form[] {
  const bytes = Buffer.from(text, "utf8");
  const forms: [string, string][] = [
    ["plain", text],
    ["hex", bytes.toString("hex")],
    ["HEX", bytes.toString("hex").toUpperCase()],
    ["percent-encoded", encodeURIComponent(text)],
    ["form-encoded", new URLSearchParams([["", text]]).toString().slice(1)],
  ];
  for (const offset of [0, 1, 2]) {
    const base64 = base64Inside(bytes, offset);
    forms.push([`base64@${offset}`, base64], [`base64url@${offset}`, urlSafe(base64)]);
  }
  const unique = new Map<string, string>();
  for (const [name, spelling] of forms) if (!unique.has(spelling)) unique.set(spelling, `${label} ${name}`);
  return [...unique].map(([spelling, name]) => ({ name, bytes: Buffer.from(spelling, "utf8") }));
}

/**
 * The spellings of the whole value and of its random core, plus every 16-character piece of the core in plain:
 * a message that echoes a truncated input (the first 20 or 64 characters) leaks a piece.
 */
export function leakForms(canary: Canary): Form[] {
  const pieces: Form[] = [];
  for (let start = 0; start + 16 <= canary.core.length; start++) {
    pieces.push({ name: `core piece ${start}`, bytes: Buffer.from(canary.core.slice(start, start + 16)) });
  }
  return [...spellings("value", canary.value), ...spellings("core", canary.core), ...pieces];
}

/** The names of the forms found in `haystack`. */
export function formsIn(haystack: Buffer | string, forms: readonly Form[]): string[] {
  const bytes = typeof haystack === "string" ? Buffer.from(haystack, "utf8") : haystack;
  return forms.filter((form) => bytes.includes(form.bytes)).map((form) => form.name);
}
