// The one error of the refs module: where a reference is malformed or cannot be resolved, never what a value is.

/** One step into a JSON document: an object key or an array index. */
export type JsonPathSegment = string | number;

/** Where something sits in a template: the JSON path of the string, then a position inside that string. */
export interface ReferenceLocation {
  /** Path of the string value inside a JSON template; empty for a plain string template. */
  readonly path: readonly JsonPathSegment[];
  /** Offset in UTF-16 code units from the start of the string value. */
  readonly offset: number;
  /** 1-based line inside the string value (lines end at "\n"). */
  readonly line: number;
  /** 1-based column, counted in UTF-16 code units as editors do. */
  readonly column: number;
}

export type TemplateProblemCode = "malformed_reference" | "secret_not_found" | "field_not_found";

export interface TemplateProblem {
  readonly code: TemplateProblemCode;
  readonly message: string;
  /** The secret key, when the problem is about a well-formed reference. */
  readonly name?: string;
  /** The field that was looked up (the default "value" included), for a missing field. */
  readonly field?: string;
  readonly location: ReferenceLocation;
}

/**
 * Thrown when a template cannot be parsed or resolved. The message describes the first problem (and how many
 * more there are); `problems` lists every one, for editors that underline them all. Neither ever holds a value.
 */
export class TemplateReferenceError extends Error {
  override readonly name = "TemplateReferenceError";
  readonly code: TemplateProblemCode;
  readonly problems: readonly TemplateProblem[];

  constructor(problems: readonly [TemplateProblem, ...TemplateProblem[]]) {
    const [first] = problems;
    const more = problems.length - 1;
    super(
      more === 0
        ? first.message
        : `${first.message}; ${more} more reference${more === 1 ? "" : "s"} cannot be resolved`,
    );
    this.code = first.code;
    this.problems = problems;
  }
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Renders a JSON path the way a reader would write it in JavaScript: `headers["x-api-key"]`, `messages[0].content`. */
export function formatJsonPath(path: readonly JsonPathSegment[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** "at line 1, column 8" for a plain string, "in headers.Authorization at line 1, column 8" inside JSON. */
export function describeLocation(location: ReferenceLocation): string {
  const position = `at line ${location.line}, column ${location.column}`;
  return location.path.length === 0 ? position : `in ${formatJsonPath(location.path)} ${position}`;
}
