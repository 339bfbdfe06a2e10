// Parsing: splits a template string into literal text and references in one left-to-right pass (grammar in
// reference-syntax.ts), and reports the first malformed reference with its position.

import { describeLocation, type JsonPathSegment, TemplateReferenceError } from "./reference-error.ts";
import {
  BACKSLASH,
  BRACES_OPENER,
  DOLLAR,
  DOLLAR_OPENER,
  DOT,
  isLetter,
  LEFT_BRACE,
  MAX_NAME_LENGTH,
  NEWLINE,
  opensSecretsReference,
  type ReferenceSyntax,
  RIGHT_BRACE,
  SECRETS_WORD,
  SLASH,
  skipBlanks,
  skipNameChars,
  type TemplatePart,
} from "./reference-syntax.ts";

/** Error reporting for one parse: knows the source, its JSON path and the current line. */
interface ScanContext {
  readonly source: string;
  readonly path: readonly JsonPathSegment[];
  line: number;
  lineStart: number;
}

const SNIPPET_LIMIT = 48;

function malformed(ctx: ScanContext, start: number, problem: string): TemplateReferenceError {
  const { source } = ctx;
  const location = { path: ctx.path, offset: start, line: ctx.line, column: start - ctx.lineStart + 1 };
  // Quote the reference as far as it goes: to its "}}" on the same line, or just past "$SECRET/".
  const lineEnd = source.indexOf("\n", start);
  let end = lineEnd === -1 ? source.length : lineEnd;
  const close = source.indexOf("}}", start);
  if (source.startsWith(DOLLAR_OPENER, start)) end = Math.min(end, start + DOLLAR_OPENER.length + 1);
  else if (close !== -1 && close < end) end = close + 2;
  const snippet =
    end - start > SNIPPET_LIMIT ? `${source.slice(start, start + SNIPPET_LIMIT)}…` : source.slice(start, end);
  const message = `Malformed secret reference ${JSON.stringify(snippet)} ${describeLocation(location)}: ${problem}`;
  return new TemplateReferenceError([{ code: "malformed_reference", message, location }]);
}

interface ScannedReference {
  readonly name: string;
  readonly field: string | undefined;
  readonly end: number;
}

/**
 * Reads NAME[.FIELD] at `at` (which the caller has checked starts with a letter). In the braces form a dangling
 * "/" or "." is an error; in the dollar form it simply ends the reference.
 */
function scanNameAndField(ctx: ScanContext, refStart: number, at: number, strict: boolean): ScannedReference {
  const { source } = ctx;
  let i = skipNameChars(source, at + 1);
  while (source.charCodeAt(i) === SLASH) {
    if (!isLetter(source.charCodeAt(i + 1))) {
      if (strict)
        throw malformed(ctx, refStart, 'expected a name segment (starting with a letter) after "/"');
      break;
    }
    i = skipNameChars(source, i + 2);
  }
  const name = source.slice(at, i);
  if (name.length > MAX_NAME_LENGTH) {
    throw malformed(ctx, refStart, `the secret name is longer than ${MAX_NAME_LENGTH} characters`);
  }
  if (source.charCodeAt(i) !== DOT) return { name, field: undefined, end: i };
  if (!isLetter(source.charCodeAt(i + 1))) {
    if (strict) throw malformed(ctx, refStart, 'expected a field name (starting with a letter) after "."');
    return { name, field: undefined, end: i };
  }
  const fieldEnd = skipNameChars(source, i + 2);
  return { name, field: source.slice(i + 1, fieldEnd), end: fieldEnd };
}

function scanDollarReference(ctx: ScanContext, start: number): ScannedReference {
  const at = start + DOLLAR_OPENER.length;
  if (!isLetter(ctx.source.charCodeAt(at))) {
    throw malformed(ctx, start, 'expected a secret name (starting with a letter) after "$SECRET/"');
  }
  return scanNameAndField(ctx, start, at, false);
}

function scanBracesReference(ctx: ScanContext, start: number): ScannedReference {
  const { source } = ctx;
  const afterWord = skipBlanks(source, start + BRACES_OPENER.length) + SECRETS_WORD.length;
  if (source.charCodeAt(afterWord) !== DOT) {
    throw malformed(ctx, start, 'expected "." and a secret name right after "secrets"');
  }
  if (!isLetter(source.charCodeAt(afterWord + 1))) {
    throw malformed(ctx, start, 'expected a secret name (starting with a letter) after "secrets."');
  }
  const scanned = scanNameAndField(ctx, start, afterWord + 1, true);
  const close = skipBlanks(source, scanned.end);
  if (source.charCodeAt(close) === RIGHT_BRACE && source.charCodeAt(close + 1) === RIGHT_BRACE) {
    return { ...scanned, end: close + 2 };
  }
  const closing = source.indexOf("}}", close);
  const lineEnd = source.indexOf("\n", close);
  if (closing === -1 || (lineEnd !== -1 && lineEnd < closing)) {
    throw malformed(ctx, start, 'the reference is not closed with "}}" before the end of the line');
  }
  throw malformed(
    ctx,
    start,
    'expected "}}" after the secret name (only secrets.NAME or secrets.NAME.field)',
  );
}

/**
 * Splits a template string into literal text and references, in one left-to-right pass.
 * Throws `TemplateReferenceError` (code "malformed_reference") at the first malformed reference.
 */
export function parseTemplate(source: string): TemplatePart[] {
  return parseTemplateAt(source, []);
}

/** `parseTemplate` for a string that sits at `path` inside a JSON template (for error locations). */
export function parseTemplateAt(source: string, path: readonly JsonPathSegment[]): TemplatePart[] {
  // Most strings in a JSON document hold no reference at all: one native search instead of a scan.
  if (!source.includes(DOLLAR_OPENER) && !source.includes(BRACES_OPENER)) {
    return source === "" ? [] : [{ kind: "text", text: source, start: 0, raw: source }];
  }
  const ctx: ScanContext = { source, path, line: 1, lineStart: 0 };
  const parts: TemplatePart[] = [];
  let literal = ""; // unescaped text of the current literal part, up to `copyFrom`
  let literalStart = 0;
  let copyFrom = 0; // source from here to the cursor is copied into `literal` verbatim when needed
  let i = 0;

  const addReference = (syntax: ReferenceSyntax, { name, field, end }: ScannedReference) => {
    literal += source.slice(copyFrom, i);
    if (literal !== "")
      parts.push({ kind: "text", text: literal, start: literalStart, raw: source.slice(literalStart, i) });
    const column = i - ctx.lineStart + 1;
    parts.push({
      kind: "reference",
      name,
      field,
      syntax,
      start: i,
      line: ctx.line,
      column,
      raw: source.slice(i, end),
    });
    literal = "";
    literalStart = copyFrom = i = end;
  };

  while (i < source.length) {
    const code = source.charCodeAt(i);
    if (code === BACKSLASH) {
      let runEnd = i + 1;
      while (source.charCodeAt(runEnd) === BACKSLASH) runEnd++;
      const opener = source.startsWith(DOLLAR_OPENER, runEnd)
        ? DOLLAR_OPENER
        : source.startsWith(BRACES_OPENER, runEnd)
          ? BRACES_OPENER
          : undefined;
      if (opener === undefined) {
        i = runEnd; // kept verbatim
        continue;
      }
      const run = runEnd - i;
      const escapesOpener = run % 2 === 1;
      literal += source.slice(copyFrom, i) + "\\".repeat(run >> 1) + (escapesOpener ? opener : "");
      i = copyFrom = escapesOpener ? runEnd + opener.length : runEnd;
    } else if (code === DOLLAR && source.startsWith(DOLLAR_OPENER, i)) {
      addReference("dollar", scanDollarReference(ctx, i));
    } else if (
      code === LEFT_BRACE &&
      source.charCodeAt(i + 1) === LEFT_BRACE &&
      opensSecretsReference(source, i)
    ) {
      addReference("braces", scanBracesReference(ctx, i));
    } else {
      if (code === NEWLINE) {
        ctx.line++;
        ctx.lineStart = i + 1;
      }
      i++;
    }
  }
  literal += source.slice(copyFrom);
  if (literal !== "")
    parts.push({ kind: "text", text: literal, start: literalStart, raw: source.slice(literalStart) });
  return parts;
}
