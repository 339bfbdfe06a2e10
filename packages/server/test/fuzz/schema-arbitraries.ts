// JSON Schema (as TypeBox writes it into /openapi.json) → fast-check arbitraries: values the schema accepts,
// steered towards realistic ones by hints keyed on the property name, and near misses of those values.
import fc from "fast-check";
import { oddString } from "./odd-inputs.ts";
import type { JsonSchema } from "./operations.ts";

/**
 * Realistic values by property name (`key`, `email`, `baseUrl`…), so that schema-valid requests get past the
 * domain's own validation and reach deep code paths. `dictionaryKeys` does the same for the names in a record.
 */
export type Hints = {
  values: Record<string, fc.Arbitrary<unknown>>;
  dictionaryKeys: Record<string, fc.Arbitrary<string>>;
  /** Properties a realistic body gives exactly one of, when its schema has them all (`value` or `fields`). */
  exclusive: string[][];
  /** Values that differ for one operation ("POST /v1/auth/login" → { email: … }). */
  byOperation: Record<string, Record<string, fc.Arbitrary<unknown>>>;
};

/** The hints for one operation: its own values over the shared ones. */
export function hintsFor(hints: Hints, operation: string): Hints {
  const own = hints.byOperation[operation];
  return own === undefined ? hints : { ...hints, values: { ...hints.values, ...own } };
}

/**
 * `realistic`: hints only where there are hints, plain strings elsewhere — values a client would send. Otherwise
 * anything the schema accepts, odd Unicode included, with hints mixed in.
 */
type Context = { hints: Hints; realistic: boolean };

const MAX_ARRAY = 6;
const INT32 = 2 ** 31 - 1;

const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);
const numberOr = (value: unknown, fallback: number): number => (typeof value === "number" ? value : fallback);

function stringArbitrary(schema: JsonSchema, context: Context): fc.Arbitrary<string> {
  const minLength = numberOr(schema["minLength"], 0);
  const maxLength = numberOr(schema["maxLength"], Number.POSITIVE_INFINITY);
  if (typeof schema["pattern"] === "string") return fc.stringMatching(new RegExp(schema["pattern"]));
  const base =
    schema["format"] === "date-time"
      ? fc.date({ noInvalidDate: true }).map((date) => date.toISOString())
      : context.realistic
        ? fc.string({ maxLength: 20 })
        : fc.oneof(
            { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
            { weight: 2, arbitrary: oddString },
          );
  // Fit the length bounds (counted in UTF-16 code units, as JSON Schema validators built on JS do).
  return base.map((text) => {
    const cut = text.slice(0, Math.min(text.length, maxLength));
    return cut.length >= minLength ? cut : cut.padEnd(minLength, "a");
  });
}

function numberArbitrary(schema: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const min = numberOr(schema["minimum"], -INT32);
  const max = numberOr(schema["maximum"], INT32);
  const edges = fc.constantFrom(min, max, Math.min(max, Math.max(min, 0)), Math.min(max, Math.max(min, 1)));
  const any = integer
    ? fc.integer({ min: Math.ceil(min), max: Math.floor(max) })
    : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
  return fc.oneof(edges, any);
}

function objectArbitrary(
  schema: JsonSchema,
  context: Context,
  name: string | undefined,
  depth: number,
): fc.Arbitrary<unknown> {
  const properties = (schema["properties"] ?? {}) as Record<string, JsonSchema>;
  const required = new Set(asArray(schema["required"] ?? []) as string[]);
  const known = fc.record(
    Object.fromEntries(
      Object.entries(properties).map(([child, childSchema]) => [
        child,
        valuesOf(childSchema, context, child, depth + 1),
      ]),
    ),
    { requiredKeys: [...required].filter((child) => child in properties) },
  );
  const groups = context.realistic
    ? context.hints.exclusive.filter((group) => group.every((member) => member in properties))
    : [];
  const fitted =
    groups.length === 0
      ? known
      : fc
          .tuple(known, valuesOf(properties[groups[0]![0]!]!, context, groups[0]![0], depth + 1), fc.nat())
          .map(([value, fallback, pick]) =>
            exactlyOne(value as Record<string, unknown>, groups, fallback, pick),
          );
  const extra = schema["additionalProperties"];
  if (extra === undefined || extra === false) return fitted;
  const keyHint = name === undefined ? undefined : context.hints.dictionaryKeys[name];
  const keys =
    keyHint !== undefined && context.realistic
      ? keyHint
      : fc.oneof(
          { weight: keyHint === undefined ? 0 : 4, arbitrary: keyHint ?? fc.constant("") },
          { weight: 2, arbitrary: fc.string({ maxLength: 20 }) },
          { weight: context.realistic ? 0 : 1, arbitrary: oddString },
        );
  const values =
    extra === true
      ? fc.jsonValue({ maxDepth: 2 })
      : valuesOf(extra as JsonSchema, context, undefined, depth + 1);
  return fc
    .tuple(fitted, fc.dictionary(keys, values, { maxKeys: context.realistic ? 3 : 5 }))
    .map(([fixed, more]) => ({ ...more, ...(fixed as object) }));
}

/** Keeps one member of each group (`pick` chooses), adding the first (as `fallback`) when none was generated. */
function exactlyOne(
  value: Record<string, unknown>,
  groups: string[][],
  fallback: unknown,
  pick: number,
): Record<string, unknown> {
  const fitted = { ...value };
  for (const group of groups) {
    const present = group.filter((member) => member in fitted);
    if (present.length === 0) fitted[group[0]!] = fallback;
    const keep = present[pick % Math.max(1, present.length)];
    for (const member of present) if (member !== keep) delete fitted[member];
  }
  return fitted;
}

function valuesOf(schema: JsonSchema, context: Context, name: string | undefined, depth: number) {
  const hint = name === undefined ? undefined : context.hints.values[name];
  if (hint === undefined) return genericArbitraryOf(schema, context, name, depth);
  if (context.realistic) return hint;
  return fc.oneof(
    { weight: 3, arbitrary: hint },
    { weight: 1, arbitrary: genericArbitraryOf(schema, context, name, depth) },
  );
}

/** Values `schema` accepts (or, `realistic`, values a client would send); `name` is the property that holds them. */
export function arbitraryOf(
  schema: JsonSchema,
  hints: Hints,
  options: { name?: string; realistic?: boolean } = {},
): fc.Arbitrary<unknown> {
  return valuesOf(schema, { hints, realistic: options.realistic === true }, options.name, 0);
}

function genericArbitraryOf(
  schema: JsonSchema,
  context: Context,
  name: string | undefined,
  depth: number,
): fc.Arbitrary<unknown> {
  if (Array.isArray(schema["enum"])) return fc.constantFrom(...(schema["enum"] as unknown[]));
  if ("const" in schema) return fc.constant(schema["const"]);
  const alternatives = (schema["anyOf"] ?? schema["oneOf"]) as JsonSchema[] | undefined;
  if (alternatives !== undefined) {
    return fc.oneof(...alternatives.map((child) => valuesOf(child, context, name, depth)));
  }
  const types = schema["type"] === undefined ? [] : (asArray(schema["type"]) as string[]);
  if (types.length > 1) {
    return fc.oneof(...types.map((type) => genericArbitraryOf({ ...schema, type }, context, name, depth)));
  }
  switch (types[0]) {
    case "string":
      return stringArbitrary(schema, context);
    case "integer":
      return numberArbitrary(schema, true);
    case "number":
      return numberArbitrary(schema, false);
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "array": {
      const items = (schema["items"] ?? {}) as JsonSchema;
      const maxLength = Math.min(numberOr(schema["maxItems"], MAX_ARRAY), depth > 2 ? 2 : MAX_ARRAY);
      const minLength = Math.min(numberOr(schema["minItems"], 0), maxLength);
      const itemHint = name === undefined ? undefined : context.hints.values[`${name}[]`];
      const item = itemHint ?? valuesOf(items, context, undefined, depth + 1);
      return fc.array(item, { minLength, maxLength });
    }
    case "object":
      return objectArbitrary(schema, context, name, depth);
    default:
      // No type: any JSON (TypeBox's Unknown), e.g. a template or the HTTP action's body.
      return fc.jsonValue({ maxDepth: 3 });
  }
}

/** Values of the wrong kind for almost any position. */
const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(1.5, -1, 0, 2 ** 53 + 1, 1e21, -0),
  fc.string({ maxLength: 10 }),
  oddString,
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }),
);

type Container = Record<string, unknown> | unknown[];

/** Every position in a JSON value: the container that holds it and its key there. */
function positionsOf(
  value: unknown,
  out: [Container, string | number][] = [],
): [Container, string | number][] {
  if (Array.isArray(value)) {
    value.forEach((child, index) => {
      out.push([value, index]);
      positionsOf(child, out);
    });
  } else if (value !== null && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) {
      out.push([value as Record<string, unknown>, key]);
      positionsOf(child, out);
    }
  }
  return out;
}

type Mutation = "replace" | "delete" | "add" | "whole";

/**
 * A near miss of a valid value: one position gets a value of the wrong type, loses its property (a missing
 * required one, if it was required), or its container gains an unknown property; or the whole body is replaced.
 */
export function nearMissOf(valid: unknown): fc.Arbitrary<unknown> {
  return fc
    .tuple(
      fc.nat(),
      fc.constantFrom<Mutation>("replace", "replace", "delete", "add", "whole"),
      wrongValue,
      fc.oneof(fc.constantFrom("unknownField", "__proto__", "constructor", ""), oddString),
      fc.constantFrom("wrong", "wrapped", "stringified"),
    )
    .map(([pick, mutation, wrong, extraKey, whole]) => {
      const copy = structuredClone(valid);
      const positions = positionsOf(copy);
      if (mutation === "whole" || positions.length === 0) {
        if (whole === "wrapped") return [copy];
        return whole === "stringified" ? JSON.stringify(copy) : wrong;
      }
      const [container, key] = positions[pick % positions.length]!;
      if (mutation === "replace") {
        (container as Record<string | number, unknown>)[key] = wrong;
      } else if (mutation === "delete") {
        if (Array.isArray(container)) container.splice(key as number, 1);
        else delete container[key as string];
      } else if (Array.isArray(container)) {
        container.push(wrong);
      } else {
        Object.defineProperty(container, extraKey, {
          value: wrong,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return copy;
    });
}
