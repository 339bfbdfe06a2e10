import { describe, expect, it } from "vitest";
import { parseTemplate } from "./parse-template.ts";
import type { RenderablePart, TemplatePart } from "./reference-syntax.ts";
import { renderTemplate } from "./render-template.ts";

/** The parts as short strings: text as is, references as <name.field|syntax>. */
function outline(parts: readonly TemplatePart[]): string[] {
  return parts.map((part) =>
    part.kind === "text"
      ? part.text
      : `<${part.name}${part.field === undefined ? "" : `.${part.field}`}|${part.syntax}>`,
  );
}

describe("renderTemplate", () => {
  it("renders references canonically in their own syntax", () => {
    const parts: RenderablePart[] = [
      { kind: "text", text: "Bearer " },
      { kind: "reference", name: "OPENAI_API_KEY", syntax: "dollar" },
      { kind: "text", text: ", " },
      { kind: "reference", name: "db", field: "password", syntax: "braces" },
    ];
    expect(renderTemplate(parts)).toBe("Bearer $SECRET/OPENAI_API_KEY, {{ secrets.db.password }}");
  });

  it("normalises the spacing of parsed braces references", () => {
    expect(renderTemplate(parseTemplate("{{secrets.a}}{{  secrets.b.c\t}}"))).toBe(
      "{{ secrets.a }}{{ secrets.b.c }}",
    );
  });

  it("escapes literal text that would otherwise read as a reference", () => {
    const text = "$SECRET/X {{ secrets.Y }} {{secrets";
    const rendered = renderTemplate([{ kind: "text", text }]);
    expect(rendered).toBe("\\$SECRET/X \\{{ secrets.Y }} \\{{secrets");
    expect(outline(parseTemplate(rendered))).toEqual([text]);
  });

  it("leaves other braces and backslashes untouched", () => {
    const text = String.raw`{{ name }} C:\path \\share \d+`;
    expect(renderTemplate([{ kind: "text", text }])).toBe(text);
  });

  it("doubles backslashes that end up right before a reference", () => {
    const rendered = renderTemplate([
      { kind: "text", text: "C:\\" },
      { kind: "reference", name: "DIR", syntax: "dollar" },
    ]);
    expect(rendered).toBe("C:\\\\$SECRET/DIR");
    expect(outline(parseTemplate(rendered))).toEqual(["C:\\", "<DIR|dollar>"]);
  });

  it("keeps a backslash before a brace that starts an escaped {{ secrets as written", () => {
    const text = "\\{{{secrets";
    const rendered = renderTemplate([{ kind: "text", text }]);
    expect(rendered).toBe("\\{\\{{secrets");
    expect(outline(parseTemplate(rendered))).toEqual([text]);
  });

  it("switches a $SECRET/ reference to braces when the following text would extend its name", () => {
    const parts: RenderablePart[] = [
      { kind: "reference", name: "A", syntax: "dollar" },
      { kind: "text", text: "b" },
      { kind: "reference", name: "C", syntax: "dollar" },
      { kind: "text", text: ".d" },
      { kind: "reference", name: "E", field: "f", syntax: "dollar" },
      { kind: "text", text: ".g" },
    ];
    expect(renderTemplate(parts)).toBe("{{ secrets.A }}b{{ secrets.C }}.d$SECRET/E.f.g");
  });

  it("merges adjacent text parts and drops empty ones", () => {
    expect(
      renderTemplate([
        { kind: "text", text: "\\" },
        { kind: "text", text: "" },
        { kind: "text", text: "$SECRET/x" },
      ]),
    ).toBe("\\\\\\$SECRET/x");
  });

  it("refuses a name or field that is not valid", () => {
    expect(() => renderTemplate([{ kind: "reference", name: "1bad", syntax: "dollar" }])).toThrow(RangeError);
    expect(() => renderTemplate([{ kind: "reference", name: "a//b", syntax: "braces" }])).toThrow(RangeError);
    expect(() => renderTemplate([{ kind: "reference", name: "a", field: "x.y", syntax: "braces" }])).toThrow(
      RangeError,
    );
  });
});
