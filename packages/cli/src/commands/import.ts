// `coffer import FILE`: creates an environment's secrets from a dotenv, JSON or YAML file, in batches.

import { readFile } from "node:fs/promises";
import type { BatchConflictMode, BatchResult, BatchSecret, Coffer } from "@coffer/sdk";
import { type Command, UsageError } from "../args.ts";
import { connectionOptions, connectToEnvironment, environmentOption, projectOption } from "../client.ts";
import { type FileFormat, guessFormat, parseSecretsFile } from "../formats.ts";
import type { Writer } from "../io.ts";
import { count, writeJson } from "../output.ts";

/** Secrets per request, and bytes per request: under the server's default 1 MiB body limit. */
export const CHUNK_ITEMS = 5000;
export const CHUNK_BYTES = 768 * 1024;
const CONFLICT_MODES: readonly BatchConflictMode[] = ["skip", "overwrite", "fail"];
const IMPORT_FORMATS = ["dotenv", "json", "yaml"] as const;
/** Below this many secrets no progress bar is drawn. */
const PROGRESS_FROM = 10_000;
const BAR_WIDTH = 30;

export const importCommand: Command = {
  name: "import",
  summary: "Create secrets from a .env, JSON or YAML file",
  args: "FILE",
  minArgs: 1,
  maxArgs: 1,
  details:
    "JSON and YAML hold an object of KEY: value or KEY: {field: value}; a .env file one KEY=value a line.\n" +
    "--on-conflict says what happens to keys that exist already: fail (default; nothing is written),\n" +
    "skip them, or overwrite them with a new version (needs secrets:update). --dry-run only reports.\n" +
    `Secrets go in requests of up to ${CHUNK_ITEMS} (and ${CHUNK_BYTES / 1024} KiB): each request is all-or-nothing, the\n` +
    "import as a whole is chunked. A large import is checked in full first (a dry run of every chunk),\n" +
    "so an invalid item or a conflict stops it before anything is written.",
  options: {
    format: {
      type: "string",
      valueName: IMPORT_FORMATS.join("|"),
      description: "file format (default: by name)",
    },
    "on-conflict": {
      type: "string",
      valueName: CONFLICT_MODES.join("|"),
      description: "for keys that already exist (default fail)",
    },
    "dry-run": {
      type: "boolean",
      description: "show what would be created, updated or skipped; change nothing",
    },
    ...projectOption,
    ...environmentOption,
    ...connectionOptions,
  },
  async run(invocation) {
    const { args, flags, io } = invocation;
    const path = args[0]!;
    const format = flags.string("format") ?? guessFormat(path);
    if (format === undefined) {
      throw new UsageError(
        `cannot tell the format of '${path}' from its name: pass --format dotenv|json|yaml`,
      );
    }
    if (!(IMPORT_FORMATS as readonly string[]).includes(format)) {
      throw new UsageError(`unknown format '${format}' (expected ${IMPORT_FORMATS.join(", ")})`);
    }
    const onConflict = (flags.string("on-conflict") ?? "fail") as BatchConflictMode;
    if (!CONFLICT_MODES.includes(onConflict)) {
      throw new UsageError(`--on-conflict must be one of ${CONFLICT_MODES.join(", ")}`);
    }
    const secrets = readSecrets(path, format as Exclude<FileFormat, "shell">, await readFile(path, "utf8"));
    const { coffer, project, environment } = connectToEnvironment(invocation);
    const chunks = chunkSecrets(secrets);
    const dryRun = flags.boolean("dry-run");
    const progress = progressWriter(io.stderr, secrets.length);
    // One request is all-or-nothing by itself; several are checked together before the first is written.
    const checked =
      dryRun || chunks.length > 1
        ? await sendChunks(coffer, chunks, { onConflict, dryRun: true }, progress("Checking"))
        : undefined;
    const result = dryRun
      ? checked!
      : await sendChunks(coffer, chunks, { onConflict }, progress("Importing"));
    if (flags.boolean("json")) return writeJson(io.stdout, { ...result, dryRun, requests: chunks.length });
    const where = `${project}/${environment}`;
    if (dryRun) {
      const lines = [
        ...result.created.map((key) => `create  ${key}\n`),
        ...result.updated.map((key) => `update  ${key}\n`),
        ...result.skipped.map((key) => `skip    ${key}\n`),
      ];
      io.stdout.write(lines.join(""));
      io.stdout.write(
        `Dry run, nothing changed in ${where}: would ${summary(result, "create", "update", "skip")}.\n`,
      );
      return;
    }
    io.stdout.write(`Imported ${path} into ${where}: ${summary(result, "created", "updated", "skipped")}.\n`);
    if (chunks.length > 1) {
      io.stdout.write(
        `Sent in ${chunks.length} requests of up to ${CHUNK_ITEMS} secrets; each request was all-or-nothing.\n`,
      );
    }
  },
};

function readSecrets(path: string, format: Exclude<FileFormat, "shell">, text: string): BatchSecret[] {
  try {
    return parseSecretsFile(format, text);
  } catch (error) {
    throw new Error(`cannot read ${path} as ${format}: ${(error as Error).message}`);
  }
}

function summary(result: BatchResult, ...verbs: [string, string, string]): string {
  const [created, updated, skipped] = verbs;
  return `${created} ${count(result.created.length, "secret")}, ${updated} ${result.updated.length}, ${skipped} ${result.skipped.length}`;
}

/** Splits into requests of at most CHUNK_ITEMS secrets and about CHUNK_BYTES of JSON (one oversized secret goes alone). */
export function chunkSecrets(secrets: BatchSecret[]): BatchSecret[][] {
  const chunks: BatchSecret[][] = [];
  let current: BatchSecret[] = [];
  let bytes = 0;
  for (const secret of secrets) {
    const size = Buffer.byteLength(JSON.stringify(secret), "utf8") + 1;
    if (current.length > 0 && (current.length >= CHUNK_ITEMS || bytes + size > CHUNK_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(secret);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

async function sendChunks(
  coffer: Coffer,
  chunks: BatchSecret[][],
  options: { onConflict: BatchConflictMode; dryRun?: boolean },
  onProgress: (done: number) => void,
): Promise<BatchResult> {
  const total: BatchResult = { created: [], updated: [], skipped: [] };
  let done = 0;
  for (const [index, chunk] of chunks.entries()) {
    let result: BatchResult;
    try {
      result = await coffer.secrets.batch(chunk, options);
    } catch (error) {
      onProgress(-1);
      throw explainPartial(error, index, chunks.length, total, options.dryRun === true);
    }
    total.created.push(...result.created);
    total.updated.push(...result.updated);
    total.skipped.push(...result.skipped);
    done += chunk.length;
    onProgress(done);
  }
  return total;
}

/** After a failed request, say what the earlier requests already wrote: the import as a whole is chunked. */
function explainPartial(error: unknown, index: number, requests: number, sent: BatchResult, dryRun: boolean) {
  const written = sent.created.length + sent.updated.length;
  if (dryRun || requests === 1 || !(error instanceof Error)) return error;
  error.message +=
    `\nRequest ${index + 1} of ${requests} failed and wrote nothing; the ${index} before it wrote ${count(written, "secret")}. ` +
    "Run the import again with --on-conflict skip to continue.";
  return error;
}

/** A bar redrawn on stderr when it is a terminal and the import is large; nothing otherwise. */
function progressWriter(out: Writer, total: number): (label: string) => (done: number) => void {
  if (!out.isTTY || total < PROGRESS_FROM) return () => () => undefined;
  return (label) => (done) => {
    if (done < 0) return void out.write("\n");
    const filled = Math.round((done / total) * BAR_WIDTH);
    const bar = `${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}`;
    out.write(`\r${label} [${bar}] ${done}/${total} secrets\x1b[K${done === total ? "\n" : ""}`);
  };
}
