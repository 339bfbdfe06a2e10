// Commands that work on the database directly, beside or instead of a running server (`backup`, `restore`,
// `keys rotate-master`): the server package owns their flags, usage texts and messages, as it does for `serve`.

import type { Command } from "../args.ts";
import { UsageError } from "../args.ts";
import { readStdin } from "../io.ts";

type ServerPackage = typeof import("@coffer/server");
type OperatorRun = ServerPackage["backupCommand"];

/** A pass-through command running one of the server package's operator functions. */
export function operatorCommand(spec: {
  name: string;
  summary: string;
  select: (server: ServerPackage) => { run: OperatorRun; usage: string };
}): Command {
  return {
    name: spec.name,
    summary: spec.summary,
    passThrough: true,
    options: {},
    async run({ args, io }) {
      // Loaded here so that the client commands never pay for (or need) the server's dependencies.
      const server = await import("@coffer/server");
      const { run, usage } = spec.select(server);
      if (args.includes("--help") || args.includes("-h")) {
        io.stdout.write(`${usage}\n`);
        return;
      }
      try {
        await run(args, io.env, { stdout: io.stdout, readStdin: () => readStdin(io) });
      } catch (error) {
        if (error instanceof server.OperatorUsageError) throw new UsageError(error.message);
        // Any other failure (a ConfigError is written for the operator) is printed by `main`, exit 1.
        throw error;
      }
    },
  };
}

export const backupCommand = operatorCommand({
  name: "backup",
  summary: "Write a consistent, encrypted snapshot of the embedded database while the server runs",
  select: (server) => ({ run: server.backupCommand, usage: server.BACKUP_USAGE }),
});

export const restoreCommand = operatorCommand({
  name: "restore",
  summary: "Restore a snapshot from `coffer backup` (checked against the master key first)",
  select: (server) => ({ run: server.restoreCommand, usage: server.RESTORE_USAGE }),
});
