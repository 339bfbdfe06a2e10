import { describe, expect, it } from "vitest";
import { TemplateReferenceError } from "./reference-error.ts";
import {
  compileTemplate,
  findReferences,
  type JsonValue,
  resolveTemplate,
  type SecretFieldRef,
  type SecretLookup,
} from "./reference-resolver.ts";

const SECRETS: Record<string, Record<string, string>> = {
  OPENAI_API_KEY: { value: "sk-live-123" },
  db: { value: "postgres://db", user: "app", password: "hunter2" },
  "payments/db": { password: "pay-pw" },
  TRICKY: { value: "$SECRET/db {{ secrets.db }} \\$SECRET/x" },
};

/** A lookup over SECRETS that records each batch it is asked for. */
function recordingLookup(secrets = SECRETS): SecretLookup & { calls: SecretFieldRef[][] } {
  const calls: SecretFieldRef[][] = [];
  const lookup = async (refs: readonly SecretFieldRef[]) => {
    calls.push([...refs]);
    const found = new Map<string, Record<string, string>>();
    for (const { name, field } of refs) {
      const fields = secrets[name];
      if (fields === undefined) continue;
      const picked = found.get(name) ?? {};
      if (Object.hasOwn(fields, field)) picked[field] = fields[field]!;
      found.set(name, picked);
    }
    return found;
  };
  return Object.assign(lookup, { calls });
}

async function resolveError(input: JsonValue): Promise<TemplateReferenceError> {
  const error = await resolveTemplate(input, recordingLookup()).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (error instanceof TemplateReferenceError) return error;
  throw new Error(`expected a TemplateReferenceError, got ${String(error)}`);
}

describe("resolveTemplate on a string", () => {
  it("replaces each reference by its value, the default field being value", async () => {
    const text = "Bearer $SECRET/OPENAI_API_KEY; {{ secrets.db.user }}:{{secrets.db.password}}@$SECRET/db";
    expect(await resolveTemplate(text, recordingLookup())).toBe(
      "Bearer sk-live-123; app:hunter2@postgres://db",
    );
  });

  it("resolves keys with segments and their fields", async () => {
    expect(await resolveTemplate("$SECRET/payments/db.password", recordingLookup())).toBe("pay-pw");
  });

  it("asks the lookup once, for each distinct secret field once, in order of first appearance", async () => {
    const lookup = recordingLookup();
    await resolveTemplate("$SECRET/db.user $SECRET/OPENAI_API_KEY {{ secrets.db.user }} $SECRET/db", lookup);
    expect(lookup.calls).toEqual([
      [
        { name: "db", field: "user" },
        { name: "OPENAI_API_KEY", field: "value" },
        { name: "db", field: "value" },
      ],
    ]);
  });

  it("does not call the lookup when there is no reference", async () => {
    const lookup = recordingLookup();
    expect(await resolveTemplate("plain \\$SECRET/X text", lookup)).toBe("plain $SECRET/X text");
    expect(lookup.calls).toEqual([]);
  });

  it("keeps escaped references literal and applies the backslash rules", async () => {
    const text = String.raw`\$SECRET/db \{{ secrets.db }} \\$SECRET/db C:\dir \\share`;
    expect(await resolveTemplate(text, recordingLookup())).toBe(
      String.raw`$SECRET/db {{ secrets.db }} \postgres://db C:\dir \\share`,
    );
  });

  it("inserts values verbatim, never reading references inside them", async () => {
    expect(await resolveTemplate("[$SECRET/TRICKY]", recordingLookup())).toBe(
      "[$SECRET/db {{ secrets.db }} \\$SECRET/x]",
    );
  });

  it("leaves {{ }} that are not about secrets for the next template engine", async () => {
    expect(
      await resolveTemplate("Hi {{ user.name }}, key {{ secrets.OPENAI_API_KEY }}", recordingLookup()),
    ).toBe("Hi {{ user.name }}, key sk-live-123");
  });
});

describe("resolveTemplate errors", () => {
  it("names a missing secret and where it is referenced", async () => {
    const error = await resolveError("Bearer $SECRET/OPENAI_API_KEY2");
    expect(error.message).toBe('Secret "OPENAI_API_KEY2" referenced at line 1, column 8 does not exist');
    expect(error.code).toBe("secret_not_found");
    expect(error.problems[0]).toMatchObject({ name: "OPENAI_API_KEY2", location: { line: 1, column: 8 } });
  });

  it("names a missing field, the default field included", async () => {
    const missingField = await resolveError("x\n {{ secrets.db.pass }}");
    expect(missingField.message).toBe('Secret "db" has no field "pass" (referenced at line 2, column 2)');
    expect(missingField.code).toBe("field_not_found");
    const missingDefault = await resolveError("$SECRET/payments/db");
    expect(missingDefault.message).toBe(
      'Secret "payments/db" has no field "value" (referenced at line 1, column 1)',
    );
  });

  it("lists every missing reference once, the message telling how many more there are", async () => {
    const error = await resolveError(
      "$SECRET/nope $SECRET/nope.x $SECRET/db.pass $SECRET/db.pass $SECRET/other",
    );
    expect(error.problems.map((problem) => problem.message)).toEqual([
      'Secret "nope" referenced at line 1, column 1 does not exist',
      'Secret "db" has no field "pass" (referenced at line 1, column 29)',
      'Secret "other" referenced at line 1, column 61 does not exist',
    ]);
    expect(error.message).toBe(
      'Secret "nope" referenced at line 1, column 1 does not exist; 2 more references cannot be resolved',
    );
  });

  it("never puts a resolved value in the error", async () => {
    const error = await resolveError({
      a: "$SECRET/OPENAI_API_KEY $SECRET/db.password",
      b: "$SECRET/missing",
    });
    const everything = JSON.stringify({
      message: error.message,
      problems: error.problems,
      stack: error.stack,
    });
    for (const fields of Object.values(SECRETS)) {
      for (const value of Object.values(fields)) expect(everything).not.toContain(value);
    }
  });

  it("does not treat inherited object properties as fields", async () => {
    const error = await resolveError("$SECRET/db.constructor $SECRET/db.toString");
    expect(error.problems.map((problem) => problem.code)).toEqual(["field_not_found", "field_not_found"]);
  });

  it("reports malformed syntax before asking for any secret", async () => {
    const lookup = recordingLookup();
    await expect(resolveTemplate("ok $SECRET/db then {{ secrets. }}", lookup)).rejects.toThrow(
      'Malformed secret reference "{{ secrets. }}" at line 1, column 20',
    );
    expect(lookup.calls).toEqual([]);
  });
});

describe("resolveTemplate on JSON", () => {
  it("resolves string values anywhere in the document and keeps its shape", async () => {
    const input: JsonValue = {
      model: "gpt-4o",
      stream: true,
      temperature: 0.2,
      stop: null,
      headers: { Authorization: "Bearer $SECRET/OPENAI_API_KEY" },
      messages: [{ role: "user", content: "connect to {{ secrets.db }} as $SECRET/db.user" }, 3],
    };
    expect(await resolveTemplate(input, recordingLookup())).toEqual({
      model: "gpt-4o",
      stream: true,
      temperature: 0.2,
      stop: null,
      headers: { Authorization: "Bearer sk-live-123" },
      messages: [{ role: "user", content: "connect to postgres://db as app" }, 3],
    });
  });

  it("leaves object keys as they are, references and escapes included", async () => {
    const input = { "$SECRET/db": "$SECRET/db", "\\{{ x": 1 };
    expect(await resolveTemplate(input, recordingLookup())).toEqual({
      "$SECRET/db": "postgres://db",
      "\\{{ x": 1,
    });
    expect(findReferences(input).map((reference) => reference.location.path)).toEqual([["$SECRET/db"]]);
  });

  it("keeps a __proto__ key as plain data", async () => {
    const input = JSON.parse('{"__proto__": {"polluted": "$SECRET/db"}}') as JsonValue;
    const output = (await resolveTemplate(input, recordingLookup())) as Record<string, JsonValue>;
    expect(Object.getPrototypeOf(output)).toBe(Object.prototype);
    expect(Object.hasOwn(output, "__proto__")).toBe(true);
    expect(JSON.stringify(output)).toBe('{"__proto__":{"polluted":"postgres://db"}}');
  });

  it("returns a fresh document and leaves the input untouched", async () => {
    const input = { list: ["$SECRET/db"], nested: { plain: "x" } };
    const output = await resolveTemplate(input, recordingLookup());
    expect(input).toEqual({ list: ["$SECRET/db"], nested: { plain: "x" } });
    expect(output).not.toBe(input);
  });

  it("names the JSON path of a missing reference", async () => {
    const error = await resolveError({ headers: { "x-api-key": ["ok", "key: $SECRET/nope"] } });
    expect(error.message).toBe(
      'Secret "nope" referenced in headers["x-api-key"][1] at line 1, column 6 does not exist',
    );
    expect(error.problems[0]?.location.path).toEqual(["headers", "x-api-key", 1]);
  });

  it("names the JSON path of a malformed reference", async () => {
    await expect(
      resolveTemplate({ body: { messages: [{ content: "{{ secrets.x" }] } }, recordingLookup()),
    ).rejects.toThrow(
      'Malformed secret reference "{{ secrets.x" in body.messages[0].content at line 1, column 1',
    );
  });
});

describe("findReferences", () => {
  it("lists each reference with its JSON path, offset, line and column", () => {
    expect(findReferences({ a: ["x", "1\n22 $SECRET/k.f"], b: "{{secrets.j}}" })).toEqual([
      {
        name: "k",
        field: "f",
        syntax: "dollar",
        raw: "$SECRET/k.f",
        location: { path: ["a", 1], offset: 5, line: 2, column: 4 },
      },
      {
        name: "j",
        field: undefined,
        syntax: "braces",
        raw: "{{secrets.j}}",
        location: { path: ["b"], offset: 0, line: 1, column: 1 },
      },
    ]);
  });

  it("finds references in a plain string", () => {
    expect(findReferences("$SECRET/a $SECRET/a").map((reference) => reference.location.offset)).toEqual([
      0, 10,
    ]);
  });

  it("finds nothing in numbers, booleans, null and escaped references", () => {
    expect(findReferences([1, true, null, "\\$SECRET/a", "\\{{ secrets.b }}"])).toEqual([]);
  });
});

describe("compileTemplate", () => {
  it("parses once and resolves again with fresh values each time", async () => {
    const compiled = compileTemplate({ auth: "Bearer $SECRET/KEY" });
    expect(compiled.secrets).toEqual([{ name: "KEY", field: "value" }]);
    const first = await compiled.resolve(recordingLookup({ KEY: { value: "one" } }));
    const second = await compiled.resolve(recordingLookup({ KEY: { value: "two" } }));
    expect([first, second]).toEqual([{ auth: "Bearer one" }, { auth: "Bearer two" }]);
  });

  it("does not change when the input is changed afterwards", () => {
    const input = { auth: "$SECRET/KEY" };
    const compiled = compileTemplate(input);
    input.auth = "changed";
    expect(compiled.resolveWith(new Map([["KEY", { value: "v" }]]))).toEqual({ auth: "v" });
  });

  it("resolves with values fetched beforehand, so several templates can share one lookup", () => {
    const headers = compileTemplate("Bearer $SECRET/A");
    const query = compileTemplate("$SECRET/B.key");
    const values = new Map<string, Record<string, string>>([
      ["A", { value: "a" }],
      ["B", { key: "b" }],
    ]);
    expect([headers.resolveWith(values), query.resolveWith(values)]).toEqual(["Bearer a", "b"]);
  });

  // Not a benchmark (timings live in `npm run bench`): quadratic or backtracking parsing of 200k characters
  // would take minutes, so a generous bound still tells linear from catastrophic.
  it("parses adversarial input without catastrophic slowdowns", () => {
    const inputs = [
      "{".repeat(200_000),
      "\\".repeat(200_000),
      "{{ ".repeat(100_000),
      `{{${" ".repeat(200_000)}`,
      "$SECRET".repeat(50_000),
      "\\{{".repeat(100_000),
      "$SECRET/a/".repeat(30_000),
    ];
    for (const input of inputs) {
      const started = performance.now();
      compileTemplate(input);
      expect(performance.now() - started).toBeLessThan(3_000);
    }
  });
});
