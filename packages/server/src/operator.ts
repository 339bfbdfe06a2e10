// Operator commands that work on the database directly, beside or instead of a running server:
// master-key rotation, backup and restore. (`coffer keys rotate-master`, `coffer backup`, `coffer restore`.)
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { parseArgs } from "node:util";
import { ConfigError, loadStoreConfig } from "./config.ts";
import { createKeyring } from "./crypto/keyring.ts";
import { deriveMasterKey, type KdfParams, type MasterKeyInput, parseMasterKey } from "./crypto/master-key.ts";
import { createKeysRepo } from "./keys/keys-repo.ts";
import { WrongMasterKeyError } from "./keys/keys-service.ts";
import { rotateMasterKey } from "./keys/master-rotation.ts";
import { openStore } from "./main.ts";

type Env = Record<string, string | undefined>;
type Io = { stdout: { write(text: string): unknown }; readStdin: () => Promise<string> };

/** A mistake in how the command was called (an unknown flag, a missing --out): the CLI exits 2 on it. */
export class OperatorUsageError extends ConfigError {}

function flags(argv: string[], options: Record<string, { type: "string" | "boolean" }>) {
  try {
    return parseArgs({
      args: argv,
      options: { "data-dir": { type: "string" }, ...options },
      allowPositionals: false,
    }).values as Record<string, string | boolean | undefined>;
  } catch (error) {
    // Node's message goes on to explain `--`; its first sentence is what the operator needs.
    throw new OperatorUsageError((error as Error).message.split(". ")[0] ?? "invalid arguments");
  }
}

async function keyFromStdin(io: Io, what: string): Promise<MasterKeyInput> {
  const text = (await io.readStdin()).trim();
  if (text === "") throw new ConfigError(`No ${what} on standard input`);
  try {
    return parseMasterKey(text);
  } catch (error) {
    throw new ConfigError(`${what} from standard input: ${(error as Error).message}`);
  }
}

export const ROTATE_MASTER_USAGE = `Usage: coffer keys rotate-master [--data-dir DIR] [--old-key-stdin | --new-key-stdin]

Re-wraps every data key under a new master key, in one transaction (a crash leaves the old or the new state,
never a mix). The new key is COFFER_MASTER_KEY (or _FILE), the old one COFFER_MASTER_KEY_PREVIOUS (or _FILE);
either may come from standard input instead. With COFFER_DATABASE_URL it works on PostgreSQL.
Running nodes keep serving if they were restarted with both keys first (see docs/deployment.md).`;

export async function rotateMasterCommand(argv: string[], env: Env, io: Io): Promise<void> {
  const values = flags(argv, { "old-key-stdin": { type: "boolean" }, "new-key-stdin": { type: "boolean" } });
  if (values["old-key-stdin"] === true && values["new-key-stdin"] === true) {
    throw new OperatorUsageError("Only one of --old-key-stdin and --new-key-stdin can read standard input");
  }
  const config = loadStoreConfig(
    typeof values["data-dir"] === "string" ? values["data-dir"] : undefined,
    env,
  );
  const to = values["new-key-stdin"] === true ? await keyFromStdin(io, "new master key") : config.masterKey;
  const from =
    values["old-key-stdin"] === true ? await keyFromStdin(io, "old master key") : config.masterKeyPrevious;
  if (to === undefined)
    throw new ConfigError("No new master key: set COFFER_MASTER_KEY (or _FILE), or use --new-key-stdin");
  if (from === undefined) {
    throw new ConfigError(
      "No old master key: set COFFER_MASTER_KEY_PREVIOUS (or _FILE), or use --old-key-stdin",
    );
  }
  if (config.database === undefined && !existsSync(config.databaseFile)) {
    throw new ConfigError(
      `No database at ${config.databaseFile}: pass the server's --data-dir (or COFFER_DATA_DIR)`,
    );
  }
  const store = await openStore(config);
  try {
    const report = await rotateMasterKey(store, createKeysRepo(), { from, to });
    io.stdout.write(
      `Re-wrapped ${report.dataKeys} data key${report.dataKeys === 1 ? "" : "s"} under the new master key in ${report.milliseconds.toFixed(1)} ms.\n` +
        "Restart the nodes with the new COFFER_MASTER_KEY only (drop COFFER_MASTER_KEY_PREVIOUS).\n",
    );
  } catch (error) {
    if (error instanceof WrongMasterKeyError) {
      throw new ConfigError(
        "Neither the old nor the new master key matches this instance's data; nothing was changed",
      );
    }
    throw error;
  } finally {
    await store.close();
  }
}

/** Reads the key check of a SQLite database file and tells whether the master key opens it. */
async function keyMatches(file: string, key: MasterKeyInput): Promise<boolean> {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const meta = (name: string) =>
      (
        db.prepare("select value from instance_meta where name = ?").get(name) as
          | { value: string }
          | undefined
      )?.value;
    const check = meta("key_check");
    const kdf = meta("kdf");
    if (check === undefined) throw new ConfigError(`${file} is not a Coffer database (no key check)`);
    const keyring = createKeyring(
      await deriveMasterKey(key, kdf === undefined ? undefined : (JSON.parse(kdf) as KdfParams)),
    );
    return keyring.verifyKeyCheck(Buffer.from(check, "base64"));
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`${file} is not a readable Coffer database (${(error as Error).message})`);
  } finally {
    db.close();
  }
}

export const BACKUP_USAGE = `Usage: coffer backup --out FILE [--data-dir DIR]

Writes a consistent snapshot of the embedded database while the server runs (SQLite's VACUUM INTO). The snapshot
holds only wrapped keys and ciphertexts: it is useless without the master key, and restoring needs that key.
For PostgreSQL, use pg_dump (see docs/deployment.md).`;

export async function backupCommand(argv: string[], env: Env, io: Io): Promise<void> {
  const values = flags(argv, { out: { type: "string" } });
  if (typeof values["out"] !== "string") throw new OperatorUsageError("--out FILE is required");
  const config = loadStoreConfig(
    typeof values["data-dir"] === "string" ? values["data-dir"] : undefined,
    env,
  );
  if (config.database !== undefined) {
    throw new ConfigError(
      `This instance uses PostgreSQL: back it up with pg_dump --schema=${config.database.schema} (see docs/deployment.md)`,
    );
  }
  const out = resolve(values["out"]);
  if (!existsSync(config.databaseFile)) throw new ConfigError(`No database at ${config.databaseFile}`);
  // Created empty first, exclusively and private: VACUUM INTO fills an empty file, and the snapshot is never
  // readable by others, not even for a moment.
  try {
    closeSync(openSync(out, "wx", 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    throw new ConfigError(`${out} already exists; choose a new file name`);
  }
  const db = new DatabaseSync(config.databaseFile, { readOnly: true });
  try {
    db.prepare("vacuum into ?").run(out);
  } catch (error) {
    rmSync(out, { force: true });
    throw error;
  } finally {
    db.close();
  }
  io.stdout.write(
    `Backup written to ${out} (${statSync(out).size} bytes, encrypted; restore it with the same master key).\n`,
  );
}

export const RESTORE_USAGE = `Usage: coffer restore --in FILE [--data-dir DIR] [--force]

Replaces the embedded database with a snapshot made by \`coffer backup\`. Stop the server first. The snapshot must
open with the configured COFFER_MASTER_KEY; an existing database is only replaced with --force.`;

export async function restoreCommand(argv: string[], env: Env, io: Io): Promise<void> {
  const values = flags(argv, { in: { type: "string" }, force: { type: "boolean" } });
  if (typeof values["in"] !== "string") throw new OperatorUsageError("--in FILE is required");
  const config = loadStoreConfig(
    typeof values["data-dir"] === "string" ? values["data-dir"] : undefined,
    env,
  );
  if (config.database !== undefined) {
    throw new ConfigError(
      "This instance uses PostgreSQL: restore it with pg_restore/psql (see docs/deployment.md)",
    );
  }
  if (config.masterKey === undefined)
    throw new ConfigError("Set COFFER_MASTER_KEY (or _FILE): the snapshot is checked against it");
  const input = resolve(values["in"]);
  if (!existsSync(input)) throw new ConfigError(`No snapshot at ${input}`);
  if (!(await keyMatches(input, config.masterKey))) {
    throw new ConfigError(
      "The snapshot's key check does not match the configured master key; nothing was restored",
    );
  }
  const target = config.databaseFile;
  if (existsSync(target) && values["force"] !== true) {
    throw new ConfigError(`${target} exists; stop the server and pass --force to replace it`);
  }
  // A new data directory is created private, as the server creates it.
  mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
  const temporary = join(dirname(target), `.restore-${process.pid}.db`);
  copyFileSync(input, temporary);
  const fd = openSync(temporary, "r");
  fsyncSync(fd);
  closeSync(fd);
  for (const suffix of ["-wal", "-shm"]) rmSync(`${target}${suffix}`, { force: true });
  renameSync(temporary, target);
  chmodSync(target, 0o600);
  io.stdout.write(`Restored ${input} into ${target}. Start the server with the same master key.\n`);
}
