// `coffer keys …`: master-key rotation (on the database), data-key rotation and key status (over the API).

import type { KeysStatus } from "@coffer/sdk";
import type { Command, Group } from "../args.ts";
import { connect, connectionOptions, serverOptions } from "../client.ts";
import { count, writeJson, writeTable } from "../output.ts";
import { operatorCommand } from "./operator.ts";
import { followReencryption } from "./reencryption-progress.ts";

const rotateMaster = operatorCommand({
  name: "rotate-master",
  summary: "Re-wrap every data key under a new master key, in one transaction (on the database)",
  select: (server) => ({ run: server.rotateMasterCommand, usage: server.ROTATE_MASTER_USAGE }),
});

const rotateData: Command = {
  name: "rotate-data",
  summary: "Give projects a new data key version and re-encrypt their values in the background",
  maxArgs: 0,
  details:
    "Without --project every project gets a new data key version. New values are sealed with it at once;\n" +
    "the server re-encrypts the stored ones in batches (reads go on working, and an interrupted run\n" +
    "resumes when the server restarts). The command shows the progress until no value is left under an\n" +
    "old key; --no-wait returns at once (follow it with `coffer keys status`). COFFER_PROJECT does not\n" +
    "apply here. Needs an instance admin.",
  options: {
    project: {
      type: "string",
      short: "p",
      valueName: "SLUG",
      description: "only this project (default: every project)",
    },
    "no-wait": { type: "boolean", description: "return once the rotation has started" },
    ...serverOptions,
  },
  async run(invocation) {
    const { flags, io } = invocation;
    const coffer = connect(invocation);
    const project = flags.string("project");
    const { projects } = await coffer.keys.rotateData(project === undefined ? {} : { project });
    const names = projects.length === 0 ? "no project" : projects.join(", ");
    io.stdout.write(`New data key version for ${count(projects.length, "project")} (${names}).\n`);
    if (flags.boolean("no-wait")) {
      io.stdout.write("The server re-encrypts the stored values in the background: `coffer keys status`.\n");
      return;
    }
    const values = await followReencryption(coffer, projects, io.stderr);
    io.stdout.write(`Done: all ${count(values, "value")} sealed with the new key version.\n`);
  },
};

type VersionRow = { project: string; version: number; active: boolean; values: number };

const statusCommand: Command = {
  name: "status",
  summary: "Show each project's data key versions and how many values each still protects",
  maxArgs: 0,
  details: "Needs an instance admin.",
  options: connectionOptions,
  async run(invocation) {
    const { flags, io } = invocation;
    const status = await connect(invocation).keys.status();
    if (flags.boolean("json")) return writeJson(io.stdout, status);
    const rows: VersionRow[] = status.projects.flatMap(({ project, versions }) =>
      versions.map((version) => ({ project, ...version })),
    );
    writeTable(
      io.stdout,
      [
        { header: "PROJECT", value: (row) => row.project },
        { header: "VERSION", value: (row) => String(row.version) },
        { header: "ACTIVE", value: (row) => (row.active ? "yes" : "no") },
        { header: "VALUES", value: (row) => String(row.values) },
      ],
      rows,
      "No projects.",
    );
    const line = rotationLine(status.rotation);
    if (line !== undefined) io.stdout.write(`\n${line}\n`);
  },
};

function rotationLine({ running, remaining }: KeysStatus["rotation"]): string | undefined {
  const left = `${count(remaining, "value")} still under an old key version`;
  if (running) return `Re-encryption running: ${left}.`;
  if (remaining > 0) return `Re-encryption not running: ${left}; it resumes when the server restarts.`;
  return undefined;
}

export const keysGroup: Group = {
  name: "keys",
  summary: "Rotate the master key and data keys, and show which key versions protect how many values",
  commands: [rotateMaster, rotateData, statusCommand],
};
