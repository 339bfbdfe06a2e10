// The `coffer` command line: finds the command in argv, parses its flags, runs it, maps the outcome
// to an exit code (0 ok, 1 error, 2 usage).

import { parseArgs } from "node:util";
import packageJson from "../package.json" with { type: "json" };
import { type Command, type Entry, ExitWith, Flags, isGroup, ReportedFailure, UsageError } from "./args.ts";
import { auditGroup } from "./commands/audit.ts";
import { createCompletionCommand } from "./commands/completion.ts";
import { connectionsGroup } from "./commands/connections.ts";
import { envsGroup } from "./commands/envs.ts";
import { exportCommand } from "./commands/export.ts";
import { importCommand } from "./commands/import.ts";
import { keygenCommand } from "./commands/keygen.ts";
import { keysGroup } from "./commands/keys.ts";
import { loginCommand, logoutCommand, whoamiCommand } from "./commands/login.ts";
import { membersGroup } from "./commands/members.ts";
import { backupCommand, restoreCommand } from "./commands/operator.ts";
import { projectsGroup } from "./commands/projects.ts";
import { runCommand as runWithSecrets } from "./commands/run.ts";
import { secretsGroup } from "./commands/secrets.ts";
import { serveCommand } from "./commands/serve.ts";
import { tokensGroup } from "./commands/tokens.ts";
import { usersGroup } from "./commands/users.ts";
import { describeError } from "./errors.ts";
import { commandHelp, groupHelp, shortUsage, topHelp } from "./help.ts";
import type { Io } from "./io.ts";

export const ENTRIES: Entry[] = [
  serveCommand,
  keygenCommand,
  projectsGroup,
  envsGroup,
  secretsGroup,
  runWithSecrets,
  exportCommand,
  importCommand,
  loginCommand,
  logoutCommand,
  whoamiCommand,
  tokensGroup,
  connectionsGroup,
  usersGroup,
  membersGroup,
  auditGroup,
  keysGroup,
  backupCommand,
  restoreCommand,
  createCompletionCommand(() => ENTRIES),
];

export async function main(argv: string[], io: Io): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    io.stderr.write(`${describeError(error)}\n`);
    return 1;
  }
}

async function dispatch(argv: string[], io: Io): Promise<number> {
  const top = splitLeadingOptions(argv);
  const [name, ...afterName] = top.rest;
  if (name === undefined) {
    if (top.leading.includes("--version")) {
      io.stdout.write(`coffer ${packageJson.version}\n`);
      return 0;
    }
    if (wantsHelp(top.leading)) return help(io, topHelp(ENTRIES));
    const problem = top.leading.length > 0 ? `unknown option '${top.leading[0]}'` : "missing command";
    return usageError(io, problem, shortUsage([], undefined));
  }
  const entry = ENTRIES.find((candidate) => candidate.name === name);
  if (entry === undefined) return usageError(io, `unknown command '${name}'`, shortUsage([], undefined));
  if (!isGroup(entry)) return runCommand([name], entry, [...top.leading, ...afterName], io);

  const inner = splitLeadingOptions(afterName);
  const leading = [...top.leading, ...inner.leading];
  const [commandName, ...args] = inner.rest;
  if (commandName === undefined) {
    if (wantsHelp(leading)) return help(io, groupHelp(entry));
    return usageError(io, `missing ${name} command`, shortUsage([name], entry));
  }
  const command = entry.commands.find((candidate) => candidate.name === commandName);
  if (command === undefined) {
    return usageError(io, `unknown command '${name} ${commandName}'`, shortUsage([name], entry));
  }
  return runCommand([name, commandName], command, [...leading, ...args], io);
}

async function runCommand(path: string[], command: Command, argv: string[], io: Io): Promise<number> {
  const usage = shortUsage(path, command);
  if (command.passThrough) {
    try {
      await command.run({ args: argv, flags: new Flags({}), io });
      return 0;
    } catch (error) {
      if (error instanceof UsageError) return usageError(io, error.message, usage);
      throw error;
    }
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...command.options, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    return usageError(io, firstSentence((error as Error).message), usage);
  }
  if (parsed.values["help"] === true) return help(io, commandHelp(path, command));
  const { positionals } = parsed;
  if (positionals.length < (command.minArgs ?? 0)) return usageError(io, "missing argument", usage);
  if (positionals.length > (command.maxArgs ?? Number.POSITIVE_INFINITY)) {
    return usageError(io, `unexpected argument '${positionals[command.maxArgs ?? 0]}'`, usage);
  }
  try {
    await command.run({ args: positionals, flags: new Flags(parsed.values), io });
    return 0;
  } catch (error) {
    if (error instanceof UsageError) return usageError(io, error.message, usage);
    if (error instanceof ReportedFailure) return 1;
    if (error instanceof ExitWith) return error.exitCode;
    throw error;
  }
}

/** Options may come before the command (`coffer --addr URL secrets list`); these take a value there. */
const LEADING_OPTIONS_WITH_VALUE = new Set(["--addr", "--token", "--project", "-p", "--env", "-e"]);

function splitLeadingOptions(argv: string[]): { leading: string[]; rest: string[] } {
  let index = 0;
  while (index < argv.length) {
    const token = argv[index]!;
    if (!token.startsWith("-") || token === "-" || token === "--") break;
    index += LEADING_OPTIONS_WITH_VALUE.has(token) ? 2 : 1;
  }
  return { leading: argv.slice(0, index), rest: argv.slice(index) };
}

function wantsHelp(tokens: string[]): boolean {
  return tokens.includes("--help") || tokens.includes("-h");
}

function help(io: Io, text: string): number {
  io.stdout.write(text);
  return 0;
}

function usageError(io: Io, problem: string, usage: string): number {
  io.stderr.write(`Error: ${problem}\n${usage}`);
  return 2;
}

/** Node's parseArgs messages go on to explain `--`; the first sentence is what the user needs. */
function firstSentence(message: string): string {
  const end = message.indexOf(". ");
  return end === -1 ? message : message.slice(0, end);
}
