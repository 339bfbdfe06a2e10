// The file formats: what export writes, import reads back exactly, tricky values included.

import { execFileSync } from "node:child_process";
import type { SecretValue } from "@coffer/sdk";
import { describe, expect, it } from "vitest";
import { chunkSecrets } from "../src/commands/import.ts";
import { envVarName, formatSecrets, parseDotenv, parseSecretsFile, toEnvVars } from "../src/formats.ts";

const TRICKY = [
  "multi\nline\r\nvalue",
  `it's "quoted"`,
  "a=b=c",
  "# not a comment",
  "value # with hash",
  "ünïcødé 🔑",
  // Split so that it reads as the shell text it is, not a template placeholder.
  "$HOME $" + "{PATH} `whoami` $(id)",
  "back\\slash\\n",
  "  spaces around  ",
  "",
  "'",
  '"',
];

const secrets: SecretValue[] = [
  ...TRICKY.map((value, i) => ({ key: `K${i}`, version: 1, data: { value: value === "" ? "x" : value } })),
  { key: "svc/db", version: 1, data: { user: "app", password: "p'w\n\"$x" } },
];

describe("formats", () => {
  it("json and yaml round-trip keys, fields and every tricky value", () => {
    for (const format of ["json", "yaml"] as const) {
      const parsed = parseSecretsFile(format, formatSecrets(format, secrets));
      expect(parsed).toEqual([
        ...secrets.slice(0, -1).map((s) => ({ key: s.key, value: s.data["value"] })),
        { key: "svc/db", fields: { user: "app", password: "p'w\n\"$x" } },
      ]);
    }
  });

  it("dotenv round-trips every tricky value under its variable name", () => {
    const parsed = parseDotenv(formatSecrets("dotenv", secrets));
    expect(parsed).toEqual(Object.fromEntries(toEnvVars(secrets)));
    expect(parsed["SVC_DB_PASSWORD"]).toBe("p'w\n\"$x");
  });

  it("shell exports evaluate to the exact values", () => {
    const script = `${formatSecrets("shell", secrets)}printf '%s\\0' "$K0" "$K1" "$K6" "$SVC_DB_PASSWORD"`;
    const output = execFileSync("sh", ["-c", script], { encoding: "utf8" });
    expect(output.split("\0").slice(0, 4)).toEqual([TRICKY[0], TRICKY[1], TRICKY[6], "p'w\n\"$x"]);
  });

  it("reads the dotenv files people write: export, comments, unquoted values, escapes", () => {
    const text = [
      "# a comment",
      "",
      "export A=plain value # trailing comment",
      "B='single # kept'",
      'C="line\\nbreak \\"q\\" \\$x"',
      "D=",
      "E='multi",
      "line'",
    ].join("\n");
    expect(parseDotenv(text)).toEqual({
      A: "plain value",
      B: "single # kept",
      C: 'line\nbreak "q" $x',
      D: "",
      E: "multi\nline",
    });
  });

  it("names the line of a malformed dotenv entry without echoing it", () => {
    expect(() => parseDotenv("A=1\nsecret-without-equals\n")).toThrow(/^line 2: expected NAME=VALUE$/);
    expect(() => parseDotenv("A='unclosed\n")).toThrow(/line 1: the ' quote is never closed/);
  });

  it("maps keys and fields to variable names like `coffer run`", () => {
    expect(envVarName("payments/db-main", "value")).toBe("PAYMENTS_DB_MAIN");
    expect(envVarName("payments/db", "pass-word")).toBe("PAYMENTS_DB_PASS_WORD");
    const clash = [
      { key: "a/b", version: 1, data: { value: "1" } },
      { key: "A_B", version: 1, data: { value: "2" } },
    ];
    expect(() => toEnvVars(clash)).toThrow(/'a\/b' and secret 'A_B' both become the variable A_B/);
  });

  it("YAML numbers and booleans become text; other shapes are refused", () => {
    expect(parseSecretsFile("yaml", "PORT: 8080\nDEBUG: true\n")).toEqual([
      { key: "PORT", value: "8080" },
      { key: "DEBUG", value: "true" },
    ]);
    expect(() => parseSecretsFile("json", '{"A": [1]}')).toThrow(/'A' must be a string/);
    expect(() => parseSecretsFile("json", "[1]")).toThrow(/expected an object/);
  });
});

describe("chunking an import", () => {
  it("splits by count and by size, keeping the order", () => {
    const many = Array.from({ length: 12_001 }, (_, i) => ({ key: `K${i}`, value: "v" }));
    expect(chunkSecrets(many).map((chunk) => chunk.length)).toEqual([5000, 5000, 2001]);
    const big = Array.from({ length: 40 }, (_, i) => ({ key: `B${i}`, value: "x".repeat(60_000) }));
    const chunks = chunkSecrets(big);
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks) expect(JSON.stringify(chunk).length).toBeLessThan(1024 * 1024);
    expect(chunks.flat()).toEqual(big);
  });
});
