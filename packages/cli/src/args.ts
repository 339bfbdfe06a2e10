// The command model (groups, commands, their options) and typed access to parsed flags.

import type { Io } from "./io.ts";

export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
  /** Shown in help after the flag: `--name SLUG`. */
  valueName?: string;
  description: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

export interface Invocation {
  args: string[];
  flags: Flags;
  io: Io;
}

export interface Command {
  name: string;
  summary: string;
  /** Positional arguments as shown in usage, e.g. `KEY [VALUE]`. */
  args?: string;
  minArgs?: number;
  maxArgs?: number;
  options: OptionSpecs;
  /** Extra paragraphs for `--help`. */
  details?: string;
  /** Hand the raw arguments, --help included, to `run` unparsed (for `serve`, whose flags the server owns). */
  passThrough?: boolean;
  /**
   * Exit code 0 when it resolves; a rejection is reported by `main` (1, or 2 for a UsageError, or 1
   * and nothing more for a ReportedFailure).
   */
  run(invocation: Invocation): Promise<void>;
}

export interface Group {
  name: string;
  summary: string;
  commands: Command[];
}

export type Entry = Command | Group;

export function isGroup(entry: Entry): entry is Group {
  return "commands" in entry;
}

/** A mistake in how the CLI was called: exit code 2 and a short usage. */
export class UsageError extends Error {}

/**
 * A failure the command has already reported in its own words (`audit verify` finding a broken
 * chain): exit code 1, and nothing more is printed.
 */
export class ReportedFailure extends Error {}

/** The command ran and its outcome is this exit code (`run` passing on its child's): nothing more is printed. */
export class ExitWith extends Error {
  readonly exitCode: number;

  constructor(exitCode: number) {
    super(`exit code ${exitCode}`);
    this.exitCode = exitCode;
  }
}

type FlagValue = string | boolean | Array<string | boolean> | undefined;

/** Typed reads over the loosely typed values that `parseArgs` returns. */
export class Flags {
  readonly #values: Record<string, FlagValue>;

  constructor(values: Record<string, FlagValue>) {
    this.#values = values;
  }

  string(name: string): string | undefined {
    const value = this.#values[name];
    return typeof value === "string" ? value : undefined;
  }

  boolean(name: string): boolean {
    return this.#values[name] === true;
  }

  list(name: string): string[] {
    const value = this.#values[name];
    if (Array.isArray(value)) return value.filter((item) => typeof item === "string");
    return typeof value === "string" ? [value] : [];
  }

  has(name: string): boolean {
    return this.#values[name] !== undefined;
  }
}

/** Parses repeated `name=value` flags (`--field`, `--meta`) into an object. */
export function parsePairs(pairs: string[], flag: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    // The text may be a value typed without its name: never echo it.
    if (at <= 0) throw new UsageError(`--${flag} expects NAME=VALUE (a name, then '=', then the value)`);
    result[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return result;
}

/** Parses a positive integer argument such as a version number. */
export function parsePositiveInteger(text: string, what: string): number {
  if (!/^[1-9][0-9]*$/.test(text)) throw new UsageError(`${what} must be a positive integer, got '${text}'`);
  return Number(text);
}
