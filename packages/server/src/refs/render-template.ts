// Rendering: turns parts back into canonical template text, escaping exactly what parsing would misread.

import {
  BACKSLASH,
  BRACES_OPENER,
  DOLLAR_OPENER,
  DOT,
  isLetter,
  isNameChar,
  MAX_NAME_LENGTH,
  opensSecretsReference,
  type ReferenceSyntax,
  type RenderablePart,
  SECRETS_WORD,
  SLASH,
} from "./reference-syntax.ts";

const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*(?:\/[A-Za-z][A-Za-z0-9_-]*)*$/;
const FIELD_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*$/;

type ReferenceToRender = Extract<RenderablePart, { kind: "reference" }>;

function renderReference({ name, field }: ReferenceToRender, syntax: ReferenceSyntax): string {
  if (!NAME_PATTERN.test(name) || name.length > MAX_NAME_LENGTH) {
    throw new RangeError(`Cannot render a reference to ${JSON.stringify(name)}: not a valid secret key`);
  }
  if (field !== undefined && !FIELD_PATTERN.test(field)) {
    throw new RangeError(
      `Cannot render a reference to field ${JSON.stringify(field)}: not a valid field name`,
    );
  }
  const path = field === undefined ? name : `${name}.${field}`;
  return syntax === "dollar" ? `${DOLLAR_OPENER}${path}` : `{{ ${SECRETS_WORD}.${path} }}`;
}

/** True when `text` placed right after the dollar reference would be read as more of its name or field. */
function wouldExtendDollarReference(text: string, hasField: boolean): boolean {
  const first = text.charCodeAt(0);
  if (isNameChar(first)) return true;
  if (hasField) return false;
  return (first === SLASH || first === DOT) && isLetter(text.charCodeAt(1));
}

/** The output for a run of `run` backslashes that starts at `runEnd - run` in `source` (see `renderText`). */
function renderBackslashRun(
  source: string,
  textLength: number,
  runEnd: number,
  run: number,
): [string, number] {
  if (runEnd === textLength) {
    // Trailing backslashes meet the next reference's opener, if any ("" ends the template).
    return ["\\".repeat(source.length > textLength ? 2 * run : run), runEnd];
  }
  if (source.startsWith(DOLLAR_OPENER, runEnd) || opensBracesReferenceAt(source, runEnd)) {
    const opener = source.startsWith(DOLLAR_OPENER, runEnd) ? DOLLAR_OPENER : BRACES_OPENER;
    return ["\\".repeat(2 * run + 1) + opener, runEnd + opener.length];
  }
  if (source.startsWith(BRACES_OPENER, runEnd)) {
    // Any "{{" makes parsing halve the run before it, unless this is "{{{secrets…": its inner "{{" gets
    // escaped, so the output after the run is "{\{{", no longer "{{".
    const inner = runEnd + 1;
    const innerEscaped = inner < textLength && opensBracesReferenceAt(source, inner);
    return ["\\".repeat(innerEscaped ? run : 2 * run), runEnd];
  }
  return ["\\".repeat(run), runEnd];
}

function opensBracesReferenceAt(source: string, at: number): boolean {
  return source.startsWith(BRACES_OPENER, at) && opensSecretsReference(source, at);
}

/**
 * Escapes literal text so that parsing gives it back exactly. `next` is the rendered reference that follows it
 * ("" at the end of the template): the text's trailing backslashes and braces meet its opener.
 */
function renderText(text: string, next: string): string {
  const source = text + next; // openers are looked for across the boundary, output stops at it
  let out = "";
  let i = 0;
  while (i < text.length) {
    if (source.charCodeAt(i) === BACKSLASH) {
      let runEnd = i + 1;
      while (source.charCodeAt(runEnd) === BACKSLASH) runEnd++;
      const [rendered, resumeAt] = renderBackslashRun(source, text.length, runEnd, runEnd - i);
      out += rendered;
      i = resumeAt;
    } else if (source.startsWith(DOLLAR_OPENER, i)) {
      out += `\\${DOLLAR_OPENER}`;
      i += DOLLAR_OPENER.length;
    } else if (opensBracesReferenceAt(source, i)) {
      out += `\\${BRACES_OPENER}`;
      i += BRACES_OPENER.length;
    } else {
      out += source[i];
      i++;
    }
  }
  return out;
}

function mergeTextParts(parts: readonly RenderablePart[]): RenderablePart[] {
  const merged: RenderablePart[] = [];
  for (const part of parts) {
    const last = merged[merged.length - 1];
    if (part.kind === "text" && part.text === "") continue;
    if (part.kind === "text" && last?.kind === "text")
      merged[merged.length - 1] = { kind: "text", text: last.text + part.text };
    else merged.push(part);
  }
  return merged;
}

/**
 * Turns parts back into template text, canonically: references as `$SECRET/NAME[.field]` or
 * `{{ secrets.NAME[.field] }}` (single spaces), and only the escapes that parsing needs to give the text back.
 * `parseTemplate(renderTemplate(parts))` yields the same texts and references, with one exception: a dollar
 * reference that the following text would extend (`$SECRET/A` then "b") is rendered in the braces form.
 * Adjacent text parts are merged and empty ones dropped, as parsing would. Throws RangeError for an invalid
 * name or field.
 */
export function renderTemplate(parts: readonly RenderablePart[]): string {
  const merged = mergeTextParts(parts);
  const references = merged.map((part, index) => {
    if (part.kind === "text") return "";
    const following = merged[index + 1];
    const extended =
      part.syntax === "dollar" &&
      following?.kind === "text" &&
      wouldExtendDollarReference(following.text, part.field !== undefined);
    return renderReference(part, extended ? "braces" : part.syntax);
  });
  let out = "";
  for (const [index, part] of merged.entries()) {
    out += part.kind === "text" ? renderText(part.text, references[index + 1] ?? "") : references[index];
  }
  return out;
}
