// Finds and resolves the references in a string or JSON template, fetching every secret it needs in one batch.
//
// In a JSON template only string values are templates: object keys are names (header names, field names) and
// are kept verbatim, references and backslashes included. Numbers, booleans and null pass through unchanged.
// Values are inserted verbatim and never parsed again, so a value that looks like a reference stays as it is.

import { parseTemplateAt } from "./parse-template.ts";
import {
  describeLocation,
  type JsonPathSegment,
  type ReferenceLocation,
  type TemplateProblem,
  TemplateReferenceError,
} from "./reference-error.ts";
import { DEFAULT_FIELD, type ReferenceSyntax } from "./reference-syntax.ts";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A reference as found in a template, with where it is. */
export interface ReferenceOccurrence {
  readonly name: string;
  /** As written; undefined means the default field, "value". */
  readonly field: string | undefined;
  readonly syntax: ReferenceSyntax;
  readonly raw: string;
  readonly location: ReferenceLocation;
}

/** One secret field a template needs; `field` has the default applied. */
export interface SecretFieldRef {
  readonly name: string;
  readonly field: string;
}

/**
 * The lookup's answer: secret key → its fields (field name → plaintext). A key absent from the map is a missing
 * secret; a field absent from an existing secret's record is a missing field. Only the fields asked for are
 * needed.
 */
export type SecretValues = ReadonlyMap<string, Readonly<Record<string, string>>>;

/**
 * Fetches a batch of secret fields, all at once (one query), in the caller's project, environment and
 * permissions. Receives each distinct (name, field) once, in order of first appearance.
 */
export type SecretLookup = (refs: readonly SecretFieldRef[]) => Promise<SecretValues>;

/** A parsed template, to keep and reuse: parsing happens once, resolution as often as needed. */
export interface CompiledTemplate<T extends JsonValue> {
  /** Every reference, in document order (depth-first, keys in insertion order). */
  readonly references: readonly ReferenceOccurrence[];
  /** The distinct secret fields needed, in order of first appearance: what `resolve` passes to the lookup. */
  readonly secrets: readonly SecretFieldRef[];
  /** Calls `lookup` once (not at all when there is no reference) and returns a fresh resolved copy. */
  resolve(lookup: SecretLookup): Promise<T>;
  /** The same with values already fetched, for callers that batch several templates into one lookup. */
  resolveWith(values: SecretValues): T;
}

/** A reference's place in the output: an index into the compiled template's references. */
type Piece = string | number;

type TemplateNode =
  | { readonly kind: "constant"; readonly value: JsonValue }
  | { readonly kind: "string"; readonly pieces: readonly Piece[] }
  | { readonly kind: "array"; readonly items: readonly TemplateNode[] }
  | { readonly kind: "object"; readonly keys: readonly string[]; readonly values: readonly TemplateNode[] };

function compileString(
  source: string,
  path: readonly JsonPathSegment[],
  references: ReferenceOccurrence[],
): TemplateNode {
  const parts = parseTemplateAt(source, path);
  if (parts.every((part) => part.kind === "text")) {
    return { kind: "constant", value: parts.map((part) => part.text).join("") };
  }
  const pieces = parts.map((part): Piece => {
    if (part.kind === "text") return part.text;
    const location = { path, offset: part.start, line: part.line, column: part.column };
    references.push({ name: part.name, field: part.field, syntax: part.syntax, raw: part.raw, location });
    return references.length - 1;
  });
  return { kind: "string", pieces };
}

function compileNode(
  value: JsonValue,
  path: readonly JsonPathSegment[],
  references: ReferenceOccurrence[],
): TemplateNode {
  if (typeof value === "string") return compileString(value, path, references);
  if (Array.isArray(value)) {
    return {
      kind: "array",
      items: value.map((item, index) => compileNode(item, [...path, index], references)),
    };
  }
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value);
    const values = keys.map((key) => compileNode(value[key] as JsonValue, [...path, key], references));
    return { kind: "object", keys, values };
  }
  return { kind: "constant", value };
}

function distinctSecrets(references: readonly ReferenceOccurrence[]): SecretFieldRef[] {
  const distinct: SecretFieldRef[] = [];
  const fieldsSeen = new Map<string, Set<string>>(); // nested rather than "name.field" keys: no concatenation
  for (const { name, field = DEFAULT_FIELD } of references) {
    const fields = fieldsSeen.get(name) ?? new Set<string>();
    if (fields.has(field)) continue;
    fieldsSeen.set(name, fields.add(field));
    distinct.push({ name, field });
  }
  return distinct;
}

/** The value of each reference, in order; throws naming every missing secret and field (never a value). */
function valuesOf(references: readonly ReferenceOccurrence[], values: SecretValues): string[] {
  const resolved: string[] = [];
  const problems = new Map<string, TemplateProblem>();
  for (const { name, field = DEFAULT_FIELD, location } of references) {
    const fields = values.get(name);
    const value = fields !== undefined && Object.hasOwn(fields, field) ? fields[field] : undefined;
    if (typeof value === "string") {
      resolved.push(value);
    } else if (fields === undefined) {
      if (!problems.has(name)) {
        const message = `Secret ${JSON.stringify(name)} referenced ${describeLocation(location)} does not exist`;
        problems.set(name, { code: "secret_not_found", message, name, location });
      }
    } else if (!problems.has(`${name}.${field}`)) {
      const message = `Secret ${JSON.stringify(name)} has no field ${JSON.stringify(field)} (referenced ${describeLocation(location)})`;
      problems.set(`${name}.${field}`, { code: "field_not_found", message, name, field, location });
    }
  }
  const [first, ...rest] = problems.values();
  if (first !== undefined) throw new TemplateReferenceError([first, ...rest]);
  return resolved;
}

function setOwn(target: Record<string, JsonValue>, key: string, value: JsonValue): void {
  // A plain assignment to "__proto__" would replace the prototype instead of keeping the key as data.
  if (key === "__proto__")
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function build(node: TemplateNode, resolved: readonly string[]): JsonValue {
  switch (node.kind) {
    case "constant":
      return node.value;
    case "string": {
      let out = "";
      for (const piece of node.pieces) out += typeof piece === "string" ? piece : resolved[piece];
      return out;
    }
    case "array":
      return node.items.map((item) => build(item, resolved));
    case "object": {
      const out: Record<string, JsonValue> = {};
      for (const [index, key] of node.keys.entries()) setOwn(out, key, build(node.values[index]!, resolved));
      return out;
    }
  }
}

/**
 * Parses a string or JSON template once, for reuse. Throws `TemplateReferenceError` ("malformed_reference") with
 * the JSON path and position of the first malformed reference. Later changes to `input` do not affect it.
 */
export function compileTemplate(input: string): CompiledTemplate<string>;
export function compileTemplate(input: JsonValue): CompiledTemplate<JsonValue>;
export function compileTemplate(input: JsonValue): CompiledTemplate<JsonValue> {
  const references: ReferenceOccurrence[] = [];
  const root = compileNode(input, [], references);
  const secrets = distinctSecrets(references);
  const resolveWith = (values: SecretValues): JsonValue => build(root, valuesOf(references, values));
  return {
    references,
    secrets,
    resolveWith,
    async resolve(lookup) {
      return resolveWith(secrets.length === 0 ? new Map() : await lookup(secrets));
    },
  };
}

/** Every reference in a string or JSON template (string values only), with its JSON path and position. */
export function findReferences(input: JsonValue): ReferenceOccurrence[] {
  return [...compileTemplate(input).references];
}

/**
 * Resolves a string or JSON template: the same shape back, each reference replaced by its secret field's value,
 * escapes applied. Fetches everything through one `lookup` call. Throws `TemplateReferenceError` for malformed
 * syntax or any missing secret or field (always as a rejection); never substitutes an empty string.
 */
export function resolveTemplate(input: string, lookup: SecretLookup): Promise<string>;
export function resolveTemplate(input: JsonValue, lookup: SecretLookup): Promise<JsonValue>;
export async function resolveTemplate(input: JsonValue, lookup: SecretLookup): Promise<JsonValue> {
  return compileTemplate(input).resolve(lookup);
}
