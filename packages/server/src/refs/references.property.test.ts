// Property tests: fast-check prints the seed and the shrunk counterexample of any failure, so it can be replayed
// with `fc.assert(property, { seed, path })`.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseTemplate } from "./parse-template.ts";
import { compileTemplate, type JsonValue, resolveTemplate, type SecretValues } from "./reference-resolver.ts";
import type { RenderablePart, TemplatePart } from "./reference-syntax.ts";
import { renderTemplate } from "./render-template.ts";

const LETTERS = [..."abcxyzABCXYZ"];
const NAME_CHARS = [...LETTERS, ..."019_-"];

const segment = fc
  .tuple(fc.constantFrom(...LETTERS), fc.string({ unit: fc.constantFrom(...NAME_CHARS), maxLength: 5 }))
  .map(([first, rest]) => first + rest);

const reference: fc.Arbitrary<RenderablePart> = fc.record({
  kind: fc.constant("reference" as const),
  name: fc.array(segment, { minLength: 1, maxLength: 3 }).map((segments) => segments.join("/")),
  field: fc.option(segment, { nil: undefined }),
  syntax: fc.constantFrom("dollar" as const, "braces" as const),
});

/** Pieces chosen to collide with the syntax: openers, near misses, backslashes, braces, unicode. */
const TRICKY_TOKENS = [
  "\\",
  "\\\\",
  "$",
  "$SECRET",
  "$SECRET/",
  "$SECRET/x",
  "SECRET/",
  "{",
  "{{",
  "{{ ",
  "}",
  "}}",
  " ",
  "\t",
  "\n",
  "secrets",
  "secrets.",
  "{{ secrets.a }}",
  "{{secrets",
  ".",
  "/",
  "a",
  "Z",
  "1",
  "_",
  "-",
  "é",
  "😀",
];

/** Few symbols, many of them in a row: where overlapping openers and backslash runs meet. */
const DENSE_TOKENS = ["\\", "{", "}", " ", "secrets", ".", "a", "/", "$SECRET", "$SECRET/"];

const trickyText = fc.oneof(
  fc
    .array(fc.oneof(fc.constantFrom(...TRICKY_TOKENS), fc.string({ unit: "binary", maxLength: 4 })), {
      maxLength: 10,
    })
    .map((pieces) => pieces.join("")),
  fc.array(fc.constantFrom(...DENSE_TOKENS), { maxLength: 16 }).map((pieces) => pieces.join("")),
);

const textPart: fc.Arbitrary<RenderablePart> = trickyText.map((text) => ({ kind: "text" as const, text }));

const partsList = fc.array(fc.oneof(textPart, reference), { maxLength: 12 });

/** What a part means, without its position. */
function meaning(part: TemplatePart | RenderablePart): RenderablePart {
  return part.kind === "text"
    ? { kind: "text", text: part.text }
    : { kind: "reference", name: part.name, field: part.field, syntax: part.syntax };
}

/**
 * What parsing the rendering should give: texts merged and non-empty, and a $SECRET/ reference that the next
 * text would extend turned into the braces form (the one documented exception).
 */
function expectedAfterRoundTrip(parts: readonly RenderablePart[]): RenderablePart[] {
  const merged: RenderablePart[] = [];
  for (const part of parts.map(meaning)) {
    const last = merged[merged.length - 1];
    if (part.kind === "text" && part.text === "") continue;
    if (part.kind === "text" && last?.kind === "text")
      merged[merged.length - 1] = { kind: "text", text: last.text + part.text };
    else merged.push(part);
  }
  return merged.map((part, index) => {
    const next = merged[index + 1];
    if (part.kind !== "reference" || part.syntax !== "dollar" || next?.kind !== "text") return part;
    const extends_ = part.field === undefined ? /^(?:[A-Za-z0-9_-]|[./][A-Za-z])/ : /^[A-Za-z0-9_-]/;
    return extends_.test(next.text) ? { ...part, syntax: "braces" } : part;
  });
}

/** Values for every field a template asks for, each recognisable: ⟨name.field⟩. */
function valuesFor(input: JsonValue): SecretValues {
  const values = new Map<string, Record<string, string>>();
  for (const { name, field } of compileTemplate(input).secrets) {
    values.set(name, { ...values.get(name), [field]: `⟨${name}.${field}⟩` });
  }
  return values;
}

function parsesOrUndefined(text: string): TemplatePart[] | undefined {
  try {
    return parseTemplate(text);
  } catch {
    return undefined;
  }
}

describe("properties of the reference syntax", () => {
  it("parsing a rendered template gives back its texts and references", () => {
    fc.assert(
      fc.property(partsList, (parts) => {
        const rendered = renderTemplate(parts);
        expect(parseTemplate(rendered).map(meaning)).toEqual(expectedAfterRoundTrip(parts));
        expect(renderTemplate(parseTemplate(rendered))).toBe(rendered);
      }),
      { numRuns: 1000 },
    );
  });

  it("rendering any template that parses keeps its meaning", () => {
    fc.assert(
      fc.property(trickyText, (text) => {
        const parts = parsesOrUndefined(text);
        if (parts === undefined) return;
        const rendered = renderTemplate(parts);
        expect(parseTemplate(rendered).map(meaning)).toEqual(parts.map(meaning));
        const values = valuesFor(text);
        expect(compileTemplate(rendered).resolveWith(values)).toBe(compileTemplate(text).resolveWith(values));
      }),
      { numRuns: 1000 },
    );
  });

  it("text with no $SECRET/ and no {{ comes back unchanged, backslashes and all, without a lookup", async () => {
    const plain = fc
      .oneof(trickyText, fc.string({ unit: "binary" }))
      .filter((text) => !text.includes("$SECRET/") && !text.includes("{{"));
    await fc.assert(
      fc.asyncProperty(plain, async (text) => {
        const lookup = async () => {
          throw new Error("the lookup must not be called");
        };
        expect(await resolveTemplate(text, lookup)).toBe(text);
      }),
      { numRuns: 1000 },
    );
  });

  it("escaped text stays literal through resolution, whatever references it looks like", async () => {
    await fc.assert(
      fc.asyncProperty(trickyText, async (text) => {
        const template = renderTemplate([{ kind: "text", text }]);
        const lookup = async () => {
          throw new Error("the lookup must not be called");
        };
        expect(await resolveTemplate(template, lookup)).toBe(text);
      }),
      { numRuns: 1000 },
    );
  });

  it("an odd run of backslashes before a reference leaves half of them and the reference literal", async () => {
    await fc.assert(
      fc.asyncProperty(reference, fc.nat(3), async (part, half) => {
        const raw = renderTemplate([part]);
        const template = `x ${"\\".repeat(2 * half + 1)}${raw} y`;
        expect(await resolveTemplate(template, async () => new Map())).toBe(`x ${"\\".repeat(half)}${raw} y`);
      }),
    );
  });
});

const templateString = partsList.map((parts) => renderTemplate(parts));

const jsonTemplate = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    templateString,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string({ maxLength: 6 }), templateString), tie("value"), { maxKeys: 4 }),
  ),
})).value;

function mapStrings(value: JsonValue, transform: (text: string) => string): JsonValue {
  if (typeof value === "string") return transform(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, transform));
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, JsonValue> = {};
  for (const [key, item] of Object.entries(value)) {
    Object.defineProperty(out, key, {
      value: mapStrings(item, transform),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

describe("properties of JSON resolution", () => {
  it("a JSON template keeps its shape: only string values change, each as if resolved alone", async () => {
    await fc.assert(
      fc.asyncProperty(jsonTemplate, async (input) => {
        const values = valuesFor(input);
        const output = await resolveTemplate(input, async () => values);
        const expected = mapStrings(input, (text) => compileTemplate(text).resolveWith(values));
        expect(output).toStrictEqual(expected);
      }),
      { numRuns: 500 },
    );
  });
});
