// Secrets as environment variables and as files: dotenv, JSON, YAML and shell, written and read back exactly.

import type { BatchSecret, SecretValue } from "@coffer/sdk";
import { parse as parseYamlText, stringify as stringifyYaml } from "yaml";

export type FileFormat = "dotenv" | "json" | "yaml" | "shell";
export const FILE_FORMATS: readonly FileFormat[] = ["dotenv", "json", "yaml", "shell"];

/** What `coffer run` and the dotenv/shell formats call a field: `value` → `KEY`, others → `KEY_FIELD`. */
export function envVarName(key: string, field: string): string {
  const base = key.replace(/[/-]/g, "_").toUpperCase();
  return field === "value" ? base : `${base}_${field.replace(/-/g, "_").toUpperCase()}`;
}

/** The variables of these secrets, in order; two fields that map to one name are refused, naming both. */
export function toEnvVars(secrets: readonly SecretValue[]): Map<string, string> {
  const vars = new Map<string, string>();
  const origins = new Map<string, string>();
  for (const secret of secrets) {
    for (const [field, value] of Object.entries(secret.data)) {
      const name = envVarName(secret.key, field);
      const origin = field === "value" ? `'${secret.key}'` : `'${secret.key}' field '${field}'`;
      const earlier = origins.get(name);
      if (earlier !== undefined) {
        throw new Error(
          `secret ${earlier} and secret ${origin} both become the variable ${name}: rename one, or leave one out with --only`,
        );
      }
      origins.set(name, origin);
      vars.set(name, value);
    }
  }
  return vars;
}

/** JSON and YAML keep keys and fields as they are: a single `value` as a string, fields as an object. */
function toDocument(secrets: readonly SecretValue[]): Record<string, string | Record<string, string>> {
  const document: Record<string, string | Record<string, string>> = {};
  for (const { key, data } of secrets) {
    const names = Object.keys(data);
    document[key] = names.length === 1 && names[0] === "value" ? data["value"]! : { ...data };
  }
  return document;
}

export function formatSecrets(format: FileFormat, secrets: readonly SecretValue[]): string {
  switch (format) {
    case "json":
      return `${JSON.stringify(toDocument(secrets), null, 2)}\n`;
    case "yaml":
      return secrets.length === 0 ? "{}\n" : stringifyYaml(toDocument(secrets), { lineWidth: 0 });
    case "dotenv":
      return formatDotenv(toEnvVars(secrets));
    case "shell":
      return [...toEnvVars(secrets)].map(([name, value]) => `export ${name}=${shellQuote(value)}\n`).join("");
  }
}

/** Single quotes (literal everywhere) when possible; double quotes with escapes for newlines and quotes. */
export function formatDotenv(vars: ReadonlyMap<string, string>): string {
  let text = "";
  for (const [name, value] of vars) {
    if (!/['\r\n]/.test(value)) {
      text += `${name}='${value}'\n`;
      continue;
    }
    const escaped = value.replace(/[\\"$\n\r]/g, (char) => DOTENV_ESCAPES[char]!);
    text += `${name}="${escaped}"\n`;
  }
  return text;
}

const DOTENV_ESCAPES: Record<string, string> = {
  "\\": "\\\\",
  '"': '\\"',
  $: "\\$",
  "\n": "\\n",
  "\r": "\\r",
};
const DOTENV_UNESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", "\\": "\\", '"': '"', $: "$" };

/** `'…'` with each `'` written as `'\''`: nothing inside is expanded by `eval` or `source`. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, "'\\''")}'`;
}

const DOTENV_NAME = /^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_./-]*)[ \t]*=[ \t]*/;

/**
 * Reads a dotenv file: `KEY=value`, optional `export`, `#` comments, unquoted values (an inline comment
 * needs a space before `#`), `'literal'` and `"escaped"` values (both may span lines). Errors name the line,
 * never its text, which may hold a value.
 */
export function parseDotenv(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  let at = 0;
  const lineAt = (offset: number): number => text.slice(0, offset).split("\n").length;
  while (at < text.length) {
    const end = text.indexOf("\n", at) === -1 ? text.length : text.indexOf("\n", at);
    const line = text.slice(at, end);
    if (/^\s*(#.*)?$/.test(line)) {
      at = end + 1;
      continue;
    }
    const match = DOTENV_NAME.exec(line);
    if (!match) throw new Error(`line ${lineAt(at)}: expected NAME=VALUE`);
    const start = at + match[0].length;
    const quote = text[start];
    if (quote !== "'" && quote !== '"') {
      vars[match[1]!] = text
        .slice(start, end)
        .replace(/\s+#.*$/, "")
        .trim();
      at = end + 1;
      continue;
    }
    const { value, next } = quote === "'" ? readSingleQuoted(text, start) : readDoubleQuoted(text, start);
    if (next < 0) throw new Error(`line ${lineAt(at)}: the ${quote} quote is never closed`);
    const rest = text.indexOf("\n", next) === -1 ? text.length : text.indexOf("\n", next);
    if (!/^\s*(#.*)?$/.test(text.slice(next, rest))) {
      throw new Error(`line ${lineAt(next)}: unexpected text after the closing quote`);
    }
    vars[match[1]!] = value;
    at = rest + 1;
  }
  return vars;
}

function readSingleQuoted(text: string, start: number): { value: string; next: number } {
  const close = text.indexOf("'", start + 1);
  return close === -1 ? { value: "", next: -1 } : { value: text.slice(start + 1, close), next: close + 1 };
}

function readDoubleQuoted(text: string, start: number): { value: string; next: number } {
  let value = "";
  for (let at = start + 1; at < text.length; at++) {
    const char = text[at]!;
    if (char === '"') return { value, next: at + 1 };
    if (char === "\\" && at + 1 < text.length) {
      const escaped = text[++at]!;
      value += DOTENV_UNESCAPES[escaped] ?? `\\${escaped}`;
    } else {
      value += char;
    }
  }
  return { value: "", next: -1 };
}

/** The secrets of an import file; `format` as forced by --format or guessed from the file name. */
export function parseSecretsFile(format: Exclude<FileFormat, "shell">, text: string): BatchSecret[] {
  if (format === "dotenv") {
    return Object.entries(parseDotenv(text)).map(([key, value]) => ({ key, value }));
  }
  let document: unknown;
  try {
    document = format === "json" ? JSON.parse(text) : parseYamlText(text);
  } catch (error) {
    // The parser's message may quote the text around the mistake, which may be a value.
    const where = /line (\d+)/i.exec((error as Error).message)?.[0];
    throw new Error(`the file is not valid ${format.toUpperCase()}${where ? ` (${where})` : ""}`);
  }
  return documentToSecrets(document ?? {});
}

/** `{ KEY: "value" }` or `{ KEY: { field: "value" } }`; numbers and booleans (YAML's `PORT: 8080`) become text. */
function documentToSecrets(document: unknown): BatchSecret[] {
  if (typeof document !== "object" || Array.isArray(document) || document === null) {
    throw new Error('expected an object of KEY: "value" or KEY: { field: "value" }');
  }
  return Object.entries(document).map(([key, entry]) => {
    if (isScalar(entry)) return { key, value: String(entry) };
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      throw new Error(`'${key}' must be a string or an object of field: "value"`);
    }
    const fields: Record<string, string> = {};
    for (const [field, value] of Object.entries(entry)) {
      if (!isScalar(value)) throw new Error(`field '${field}' of '${key}' must be a string`);
      fields[field] = String(value);
    }
    return { key, fields };
  });
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean";
}

/** `.env`, `.env.production`, `x.env` → dotenv; `.json`; `.yaml`/`.yml`; otherwise --format must say. */
export function guessFormat(path: string): Exclude<FileFormat, "shell"> | undefined {
  const name = path.split(/[\\/]/).pop() ?? path;
  if (/^\.env(\..*)?$/.test(name) || name.endsWith(".env")) return "dotenv";
  if (name.endsWith(".json")) return "json";
  if (name.endsWith(".yaml") || name.endsWith(".yml")) return "yaml";
  return undefined;
}
