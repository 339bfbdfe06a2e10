import { describe, expect, it } from "vitest";
import { parseTemplate } from "./parse-template.ts";
import { TemplateReferenceError } from "./reference-error.ts";
import type { TemplatePart } from "./reference-syntax.ts";

/** The parts as short strings: text as is, references as <name.field|syntax>. */
function outline(parts: readonly TemplatePart[]): string[] {
  return parts.map((part) =>
    part.kind === "text"
      ? part.text
      : `<${part.name}${part.field === undefined ? "" : `.${part.field}`}|${part.syntax}>`,
  );
}

function parseError(text: string): TemplateReferenceError {
  try {
    parseTemplate(text);
  } catch (error) {
    if (error instanceof TemplateReferenceError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(text)} not to parse`);
}

describe("parseTemplate: the $SECRET/ form", () => {
  it("reads a reference inside text, with its offset, line, column and raw text", () => {
    const parts = parseTemplate("Bearer $SECRET/OPENAI_API_KEY");
    expect(parts).toEqual([
      { kind: "text", text: "Bearer ", start: 0, raw: "Bearer " },
      {
        kind: "reference",
        name: "OPENAI_API_KEY",
        field: undefined,
        syntax: "dollar",
        start: 7,
        line: 1,
        column: 8,
        raw: "$SECRET/OPENAI_API_KEY",
      },
    ]);
  });

  it("ends the name at the first character that cannot continue it", () => {
    expect(outline(parseTemplate("Bearer $SECRET/OPENAI_API_KEY, next"))).toEqual([
      "Bearer ",
      "<OPENAI_API_KEY|dollar>",
      ", next",
    ]);
  });

  it("reads a field after a dot", () => {
    expect(outline(parseTemplate("$SECRET/db.password"))).toEqual(["<db.password|dollar>"]);
  });

  it("reads slash-separated key segments, the last dot introducing the field", () => {
    expect(outline(parseTemplate("$SECRET/payments/db.password"))).toEqual(["<payments/db.password|dollar>"]);
  });

  it("accepts digits, underscores and hyphens after the first letter of a segment or field", () => {
    expect(outline(parseTemplate("$SECRET/a1_b-c/D2.f_3-x"))).toEqual(["<a1_b-c/D2.f_3-x|dollar>"]);
  });

  it("leaves a trailing dot that no field follows as text", () => {
    expect(outline(parseTemplate("Use $SECRET/KEY. Then $SECRET/KEY.1"))).toEqual([
      "Use ",
      "<KEY|dollar>",
      ". Then ",
      "<KEY|dollar>",
      ".1",
    ]);
  });

  it("leaves a slash that no segment follows as text", () => {
    expect(outline(parseTemplate("$SECRET/a/ and $SECRET/a/1"))).toEqual([
      "<a|dollar>",
      "/ and ",
      "<a|dollar>",
      "/1",
    ]);
  });

  it("stops after the field, so a second dot is text", () => {
    expect(outline(parseTemplate("$SECRET/a.b.c"))).toEqual(["<a.b|dollar>", ".c"]);
  });

  it("reads references that touch each other", () => {
    expect(outline(parseTemplate("$SECRET/A$SECRET/B{{secrets.C}}"))).toEqual([
      "<A|dollar>",
      "<B|dollar>",
      "<C|braces>",
    ]);
  });

  it("is case-sensitive: $secret/ and $SECRETS/ are plain text", () => {
    expect(outline(parseTemplate("$secret/a $SECRETS/b $SECRET"))).toEqual(["$secret/a $SECRETS/b $SECRET"]);
  });

  it("counts lines and columns across newlines", () => {
    const [, reference] = parseTemplate("line one\n  $SECRET/K");
    expect(reference).toMatchObject({ kind: "reference", start: 11, line: 2, column: 3 });
  });
});

describe("parseTemplate: the {{ secrets. }} form", () => {
  it("reads a reference with spaces inside the braces", () => {
    const parts = parseTemplate("key={{ secrets.STRIPE_KEY }}");
    expect(parts[1]).toEqual({
      kind: "reference",
      name: "STRIPE_KEY",
      field: undefined,
      syntax: "braces",
      start: 4,
      line: 1,
      column: 5,
      raw: "{{ secrets.STRIPE_KEY }}",
    });
  });

  it("reads a reference without spaces, or with tabs and several spaces", () => {
    expect(outline(parseTemplate("{{secrets.db.password}}|{{\t secrets.a/b \t}}"))).toEqual([
      "<db.password|braces>",
      "|",
      "<a/b|braces>",
    ]);
  });

  it("leaves braces that are not about secrets as text for other template engines", () => {
    const text = "Hello {{ name }}, {{secretsX}} {{ secrets_old.a }} {{ .Values.secrets.a }} {{\nsecrets.a}}";
    expect(outline(parseTemplate(text))).toEqual([text]);
  });

  it("reads a reference inside triple braces, keeping the extra braces as text", () => {
    expect(outline(parseTemplate("{{{ secrets.X }}}"))).toEqual(["{", "<X|braces>", "}"]);
  });
});

describe("parseTemplate: escapes", () => {
  it("keeps a backslash-escaped $SECRET/ reference as literal text, without the backslash", () => {
    expect(outline(parseTemplate("\\$SECRET/X"))).toEqual(["$SECRET/X"]);
  });

  it("keeps a backslash-escaped {{ as literal text, without the backslash", () => {
    expect(outline(parseTemplate("\\{{ secrets.X }} and \\{{ other }}"))).toEqual([
      "{{ secrets.X }} and {{ other }}",
    ]);
  });

  it("reads a doubled backslash before a reference as one literal backslash", () => {
    expect(outline(parseTemplate("\\\\$SECRET/X"))).toEqual(["\\", "<X|dollar>"]);
    expect(outline(parseTemplate("\\\\\\$SECRET/X"))).toEqual(["\\$SECRET/X"]);
    expect(outline(parseTemplate("\\\\{{ secrets.X }}"))).toEqual(["\\", "<X|braces>"]);
  });

  it("keeps backslashes that precede anything else exactly as written", () => {
    const text = String.raw`C:\Users\me \\server\share "^\d+\.\d+$" \$HOME \{x} \\ trailing\ `;
    expect(outline(parseTemplate(text))).toEqual([text]);
  });

  it("keeps the raw text of an escaped part and its unescaped text apart", () => {
    expect(parseTemplate("a \\$SECRET/X b $SECRET/Y")[0]).toEqual({
      kind: "text",
      text: "a $SECRET/X b ",
      start: 0,
      raw: "a \\$SECRET/X b ",
    });
  });
});

describe("parseTemplate: malformed references", () => {
  it("rejects {{ secrets. }} with an empty name, naming the position", () => {
    const error = parseError("x {{ secrets. }}");
    expect(error.code).toBe("malformed_reference");
    expect(error.message).toBe(
      'Malformed secret reference "{{ secrets. }}" at line 1, column 3: expected a secret name (starting with a letter) after "secrets."',
    );
    expect(error.problems[0]?.location).toEqual({ path: [], offset: 2, line: 1, column: 3 });
  });

  it("rejects an unterminated reference", () => {
    expect(parseError("a\n  {{ secrets.X").message).toBe(
      'Malformed secret reference "{{ secrets.X" at line 2, column 3: the reference is not closed with "}}" before the end of the line',
    );
    expect(parseError("{{ secrets.X }\n}").message).toContain('not closed with "}}"');
  });

  it("rejects {{ secrets }} without a name", () => {
    expect(parseError("{{ secrets }}").message).toContain(
      'expected "." and a secret name right after "secrets"',
    );
  });

  it("rejects anything but a reference inside {{ secrets… }}", () => {
    expect(parseError("{{ secrets.a | upper }}").message).toContain('expected "}}" after the secret name');
    expect(parseError("{{ secrets.a.b.c }}").message).toContain('expected "}}" after the secret name');
  });

  it("rejects a dangling slash or dot inside braces", () => {
    expect(parseError("{{ secrets.a/ }}").message).toContain(
      'expected a name segment (starting with a letter) after "/"',
    );
    expect(parseError("{{ secrets.a. }}").message).toContain(
      'expected a field name (starting with a letter) after "."',
    );
  });

  it("rejects a name that does not start with a letter", () => {
    expect(parseError("{{ secrets.1abc }}").message).toContain("expected a secret name");
    expect(parseError("pay $SECRET/_x now").message).toBe(
      'Malformed secret reference "$SECRET/_" at line 1, column 5: expected a secret name (starting with a letter) after "$SECRET/"',
    );
  });

  it("rejects $SECRET/ with no name at all, even at the end of the text", () => {
    expect(parseError("$SECRET/").code).toBe("malformed_reference");
  });

  it("rejects a name longer than 256 characters", () => {
    expect(parseError(`$SECRET/${"a".repeat(257)}`).message).toContain("longer than 256 characters");
    expect(outline(parseTemplate(`$SECRET/${"a".repeat(256)}`))).toHaveLength(1);
  });

  it("quotes at most a short piece of the input", () => {
    const error = parseError(`{{ secrets.${"a".repeat(300)}`);
    expect(error.message.length).toBeLessThan(200);
  });
});
