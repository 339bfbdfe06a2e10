// The reference syntax shared by parsing and rendering: the part types, the grammar and its character classes.
//
// Grammar (NAME and FIELD follow the secret key rules; names are case-sensitive):
//   NAME      segment ("/" segment)*, at most 256 characters; segment = letter (letter | digit | "_" | "-")*
//   FIELD     letter (letter | digit | "_" | "-")*
//   $SECRET/NAME[.FIELD]            ends at the first character that cannot continue it, so a "/" or "." that
//                                   is not followed by a letter is literal text after the reference
//   {{ secrets.NAME[.FIELD] }}      spaces and tabs optional just inside the braces
// Escapes, only where they matter: a run of backslashes right before "$SECRET/" or "{{" stands for half as many
// backslashes, and an odd run also makes that opener literal ("\$SECRET/X" → "$SECRET/X", "\{{" → "{{",
// "\\$SECRET/X" → "\" then the reference). Backslashes anywhere else are kept exactly, so Windows paths and
// regular expressions pass through untouched.
// A "{{" belongs to Coffer only when the first word inside it is exactly "secrets"; any other "{{ … }}" is literal
// text for whichever template engine comes next. Once "$SECRET/" or "{{ secrets" is seen, the reference must be
// well-formed or parsing fails with its position: a typo must not silently reach an upstream as literal text.

export type ReferenceSyntax = "dollar" | "braces";

export interface TextPart {
  readonly kind: "text";
  /** The literal text, escapes already applied: exactly what resolution outputs. */
  readonly text: string;
  /** Offset of the part in the source string. */
  readonly start: number;
  /** The source text of the part, escapes included. */
  readonly raw: string;
}

export interface ReferencePart {
  readonly kind: "reference";
  readonly name: string;
  /** The field as written; undefined means the default field, "value". */
  readonly field: string | undefined;
  readonly syntax: ReferenceSyntax;
  /** Offset of "$" or of the first "{" in the source string. */
  readonly start: number;
  /** 1-based line and column of `start`. */
  readonly line: number;
  readonly column: number;
  /** The reference exactly as written, e.g. "{{secrets.db.password}}". */
  readonly raw: string;
}

export type TemplatePart = TextPart | ReferencePart;

/** What rendering needs: parts from `parseTemplate` qualify, and so do hand-built ones. */
export type RenderablePart =
  | { readonly kind: "text"; readonly text: string }
  | {
      readonly kind: "reference";
      readonly name: string;
      readonly field?: string | undefined;
      readonly syntax: ReferenceSyntax;
    };

export const DEFAULT_FIELD = "value";
export const MAX_NAME_LENGTH = 256;

export const DOLLAR_OPENER = "$SECRET/";
export const BRACES_OPENER = "{{";
export const SECRETS_WORD = "secrets";

export const BACKSLASH = 0x5c;
export const DOLLAR = 0x24;
export const LEFT_BRACE = 0x7b;
export const RIGHT_BRACE = 0x7d;
export const NEWLINE = 0x0a;
export const SLASH = 0x2f;
export const DOT = 0x2e;
export const SPACE = 0x20;
export const TAB = 0x09;

export function isLetter(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

/** Letters, digits, "_" and "-": what may follow the first letter of a segment or field. */
export function isNameChar(code: number): boolean {
  return isLetter(code) || (code >= 0x30 && code <= 0x39) || code === 0x5f || code === 0x2d;
}

export function skipBlanks(text: string, at: number): number {
  let i = at;
  while (text.charCodeAt(i) === SPACE || text.charCodeAt(i) === TAB) i++;
  return i;
}

/** True when the "{{" at `at` opens a Coffer reference: its first word is exactly "secrets". */
export function opensSecretsReference(text: string, at: number): boolean {
  const word = skipBlanks(text, at + BRACES_OPENER.length);
  return text.startsWith(SECRETS_WORD, word) && !isNameChar(text.charCodeAt(word + SECRETS_WORD.length));
}

export function skipNameChars(text: string, at: number): number {
  let i = at;
  while (isNameChar(text.charCodeAt(i))) i++;
  return i;
}
