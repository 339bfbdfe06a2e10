// Help and usage text, generated from the command model so that it cannot drift from the parser.

import { type Command, type Entry, type Group, isGroup, type OptionSpecs } from "./args.ts";

export const ENVIRONMENT_HELP = `Environment:
  COFFER_ADDR      server address (default http://127.0.0.1:8200); --addr overrides it
  COFFER_TOKEN     API token; --token overrides it
  COFFER_PROJECT   default project; --project/-p overrides it
  COFFER_ENV       default environment; --env/-e overrides it`;

export function usageLine(path: string[], command: Command): string {
  const args = command.args ? ` ${command.args}` : "";
  const options = Object.keys(command.options).length > 0 || command.passThrough ? " [options]" : "";
  // Options go before a `-- COMMAND` (`coffer run`): what follows `--` is the command's own.
  if (command.args?.startsWith("--")) return `Usage: coffer ${path.join(" ")}${options}${args}`;
  return `Usage: coffer ${path.join(" ")}${args}${options}`;
}

export function topHelp(entries: Entry[]): string {
  return [
    "Usage: coffer <command> [options]",
    "",
    "Coffer: a self-hosted secrets manager. This CLI talks to a Coffer server over its REST API.",
    "",
    "Commands:",
    ...summaries(entries),
    "",
    "Options:",
    "  -h, --help     show help (also after any command: coffer secrets set --help)",
    "      --version  print the version",
    "",
    ENVIRONMENT_HELP,
    "",
  ].join("\n");
}

export function groupHelp(group: Group): string {
  return [
    `Usage: coffer ${group.name} <command> [options]`,
    "",
    `${group.summary}.`,
    "",
    "Commands:",
    ...summaries(group.commands),
    "",
    `Run 'coffer ${group.name} <command> --help' for a command's options.`,
    "",
  ].join("\n");
}

export function commandHelp(path: string[], command: Command): string {
  const lines = [usageLine(path, command), "", `${command.summary}.`];
  if (command.details) lines.push("", command.details);
  const help = { type: "boolean", short: "h", description: "show this help" } as const;
  lines.push("", "Options:", ...optionLines({ ...command.options, help }), "");
  return lines.join("\n");
}

/** The short text printed after a usage error. */
export function shortUsage(path: string[], entry: Entry | undefined): string {
  if (entry === undefined)
    return "Usage: coffer <command> [options]\nRun 'coffer --help' for the commands.\n";
  if (isGroup(entry)) {
    const names = entry.commands.map((command) => command.name).join("|");
    return `Usage: coffer ${entry.name} ${names} [options]\nRun 'coffer ${entry.name} --help' for details.\n`;
  }
  return `${usageLine(path, entry)}\nRun 'coffer ${path.join(" ")} --help' for details.\n`;
}

function summaries(entries: Entry[]): string[] {
  const width = Math.max(...entries.map((entry) => entry.name.length));
  return entries.map((entry) => `  ${entry.name.padEnd(width)}  ${entry.summary}`);
}

function optionLines(options: OptionSpecs): string[] {
  const flags = Object.entries(options).map(([name, spec]) => {
    const short = spec.short ? `-${spec.short}, ` : "    ";
    const value = spec.type === "string" ? ` ${spec.valueName ?? "VALUE"}` : "";
    return { flag: `  ${short}--${name}${value}`, spec };
  });
  const width = Math.max(...flags.map(({ flag }) => flag.length));
  return flags.map(({ flag, spec }) => {
    const repeat = spec.multiple ? " (repeatable)" : "";
    return `${flag.padEnd(width)}  ${spec.description}${repeat}`;
  });
}
