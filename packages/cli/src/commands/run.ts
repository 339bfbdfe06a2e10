// `coffer run -- <command>`: starts a command with an environment's secrets as its environment variables.

import { spawn } from "node:child_process";
import { constants } from "node:os";
import type { Coffer, SecretValue } from "@coffer/sdk";
import { type Command, ExitWith, type Flags, type OptionSpecs, UsageError } from "../args.ts";
import { connectToEnvironment, environmentOption, projectOption, serverOptions } from "../client.ts";
import { formatDotenv, toEnvVars } from "../formats.ts";
import { writePrivateFile } from "../io.ts";

export const onlyOption: OptionSpecs = {
  only: {
    type: "string",
    multiple: true,
    valueName: "KEY",
    description: "only these secrets (or KEY,KEY,…); default all",
  },
};

const FORWARDED_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

export const runCommand: Command = {
  name: "run",
  summary: "Run a command with an environment's secrets as environment variables",
  args: "-- COMMAND [ARGS…]",
  details:
    "Fetches the values in one request (needs secrets:reveal) and starts COMMAND with them added to its\n" +
    "environment: a secret's `value` field becomes KEY, any other field KEY_FIELD; '/' and '-' become '_'\n" +
    "and names are upper-cased (payments/db field password → PAYMENTS_DB_PASSWORD). Two secrets that map\n" +
    "to the same name are refused. stdin, stdout and stderr are the command's own; SIGINT, SIGTERM and\n" +
    "SIGHUP are passed on, and coffer exits with the command's exit code (128+N if signal N ended it).\n" +
    "No value is printed. With --write-env-file FILE the variables go to a new dotenv file instead (not --env-file:\n" +
    "Node itself claims that flag, wherever it appears).",
  options: {
    ...onlyOption,
    "write-env-file": {
      type: "string",
      valueName: "FILE",
      description: "write a dotenv file (mode 0600, never overwritten) instead of running a command",
    },
    ...projectOption,
    ...environmentOption,
    ...serverOptions,
  },
  async run(invocation) {
    const { args, flags, io } = invocation;
    const envFile = flags.string("write-env-file");
    if (envFile === undefined && args.length === 0) {
      throw new UsageError("missing command: coffer run [options] -- COMMAND [ARGS…]");
    }
    if (envFile !== undefined && args.length > 0) {
      throw new UsageError("give either --write-env-file FILE or a command to run, not both");
    }
    const { coffer } = connectToEnvironment(invocation);
    const vars = toEnvVars(await fetchValues(coffer, flags));
    if (envFile !== undefined) {
      writePrivateFile(envFile, formatDotenv(vars));
      io.stderr.write(`Wrote ${vars.size} variable${vars.size === 1 ? "" : "s"} to ${envFile}.\n`);
      return;
    }
    const env: Record<string, string | undefined> = { ...io.env, ...Object.fromEntries(vars) };
    const code = await runChild(args[0]!, args.slice(1), env, (line) => io.stderr.write(line));
    if (code !== 0) throw new ExitWith(code);
  },
};

/** The named secrets (`--only`, repeatable or comma-separated), or all of them, in one request. */
export async function fetchValues(coffer: Coffer, flags: Flags): Promise<SecretValue[]> {
  const only = flags
    .list("only")
    .flatMap((item) => item.split(","))
    .map((key) => key.trim())
    .filter((key) => key !== "");
  return coffer.secrets.values(only.length > 0 ? only : undefined);
}

/** Resolves to the child's exit code, or 128+N when signal N ended it (the shell's convention). */
function runChild(
  command: string,
  args: string[],
  env: Record<string, string | undefined>,
  report: (line: string) => void,
): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: "inherit" });
    const forward = (signal: NodeJS.Signals): void => {
      child.kill(signal);
    };
    for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
    const release = (): void => {
      for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
    };
    child.once("error", (error: NodeJS.ErrnoException) => {
      release();
      const reason = error.code === "ENOENT" ? "command not found" : error.message;
      report(`Error: cannot run '${command}': ${reason}\n`);
      resolve(error.code === "ENOENT" ? 127 : 126);
    });
    child.once("exit", (code, signal) => {
      release();
      resolve(code ?? 128 + (signal === null ? 0 : constants.signals[signal]));
    });
  });
}
