// `coffer export`: an environment's values as dotenv, JSON, YAML or shell, on stdout or in a new private file.

import { type Command, UsageError } from "../args.ts";
import { connectToEnvironment, environmentOption, projectOption, serverOptions } from "../client.ts";
import { FILE_FORMATS, type FileFormat, formatSecrets } from "../formats.ts";
import { writePrivateFile } from "../io.ts";
import { fetchValues, onlyOption } from "./run.ts";

export const exportCommand: Command = {
  name: "export",
  summary: "Print an environment's values as dotenv, JSON, YAML or shell exports",
  maxArgs: 0,
  details:
    "json and yaml keep keys and fields as they are (KEY: value, or KEY: {field: value}) and read back\n" +
    "with 'coffer import'. dotenv and shell name variables as 'coffer run' does (payments/db field\n" +
    "password → PAYMENTS_DB_PASSWORD); shell prints `export NAME='…'` lines safe for eval.\n" +
    "Needs secrets:reveal. With --out the file is created with mode 0600 and never overwritten.",
  options: {
    format: {
      type: "string",
      short: "f",
      valueName: FILE_FORMATS.join("|"),
      description: "output format (default dotenv)",
    },
    ...onlyOption,
    out: { type: "string", short: "o", valueName: "FILE", description: "write to a new file, not stdout" },
    ...projectOption,
    ...environmentOption,
    ...serverOptions,
  },
  async run(invocation) {
    const { flags, io } = invocation;
    const format = (flags.string("format") ?? "dotenv") as FileFormat;
    if (!FILE_FORMATS.includes(format)) {
      throw new UsageError(`unknown format '${format}' (expected ${FILE_FORMATS.join(", ")})`);
    }
    const { coffer } = connectToEnvironment(invocation);
    const secrets = await fetchValues(coffer, flags);
    const text = formatSecrets(format, secrets);
    const out = flags.string("out");
    if (out === undefined) {
      io.stdout.write(text);
      return;
    }
    writePrivateFile(out, text);
    io.stderr.write(`Wrote ${secrets.length} secret${secrets.length === 1 ? "" : "s"} to ${out}.\n`);
  },
};
