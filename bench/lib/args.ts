// Parses `npm run bench -- [scenario…] [--duration S] [--connections N] [--warmup S]`.
import { parseArgs } from "node:util";
import type { BenchOptions } from "./scenario.ts";

export interface BenchArguments {
  scenarioNames: string[];
  options: BenchOptions;
  help: boolean;
}

export class UsageError extends Error {}

export const USAGE = `usage: npm run bench -- [scenario…] [--duration S] [--connections N] [--warmup S]
  scenario         one or more scenario names (default: every default scenario)
  --duration S     seconds measured per load run (default 10)
  --connections N  concurrent keep-alive connections (default 50)
  --warmup S       seconds of unmeasured load before each run (default 2)`;

export function parseBenchArguments(argv: string[]): BenchArguments {
  let parsed: ReturnType<typeof parseWithNode>;
  try {
    parsed = parseWithNode(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  return {
    scenarioNames: positionals,
    help: values.help ?? false,
    options: {
      duration: positiveNumber("--duration", values.duration ?? "10", 3600),
      connections: positiveInteger("--connections", values.connections ?? "50", 10_000),
      warmup: nonNegativeNumber("--warmup", values.warmup ?? "2", 600),
      given: { duration: values.duration !== undefined, warmup: values.warmup !== undefined },
    },
  };
}

function parseWithNode(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      duration: { type: "string" },
      connections: { type: "string" },
      warmup: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}

function positiveNumber(flag: string, text: string, max: number): number {
  const value = nonNegativeNumber(flag, text, max);
  if (value === 0) throw new UsageError(`${flag} must be greater than 0`);
  return value;
}

function positiveInteger(flag: string, text: string, max: number): number {
  const value = positiveNumber(flag, text, max);
  if (!Number.isInteger(value)) throw new UsageError(`${flag} must be a whole number, got "${text}"`);
  return value;
}

function nonNegativeNumber(flag: string, text: string, max: number): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value < 0 || value > max) {
    throw new UsageError(`${flag} must be a number from 0 to ${max}, got "${text}"`);
  }
  return value;
}
