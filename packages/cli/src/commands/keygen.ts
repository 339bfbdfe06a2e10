// `coffer keygen`: make a new master key, printed or written to a private file.

import { writeFile } from "node:fs/promises";
import type { Command } from "../args.ts";

export const keygenCommand: Command = {
  name: "keygen",
  summary: "Generate a master key (32 random bytes, base64) for COFFER_MASTER_KEY",
  maxArgs: 0,
  details:
    "Keep the key safe and separate from the data directory: without it no secret can be decrypted.\n" +
    "The key goes alone to stdout (KEY=$(coffer keygen) captures exactly it); the hint goes to stderr.",
  options: {
    out: {
      type: "string",
      valueName: "FILE",
      description: "write the key to a new FILE (mode 0600) instead",
    },
  },
  async run({ flags, io }) {
    const { generateMasterKey } = await import("@coffer/server");
    const key = generateMasterKey();
    const file = flags.string("out");
    if (file === undefined) {
      io.stdout.write(`${key}\n`);
      io.stderr.write(`Use it with: export COFFER_MASTER_KEY=${key}\n`);
      return;
    }
    try {
      // "wx": never replace an existing file, which may hold the only copy of the current key.
      await writeFile(file, `${key}\n`, { flag: "wx", mode: 0o600 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      throw new Error(
        `${file} already exists: refusing to overwrite it (it may hold the only copy of a key)`,
      );
    }
    io.stdout.write(`Wrote a new master key to ${file} (mode 0600).\n`);
    io.stderr.write(`Use it with: export COFFER_MASTER_KEY_FILE=${file}\n`);
  },
};
