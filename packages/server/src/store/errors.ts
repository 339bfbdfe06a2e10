// Recognises database errors by meaning, whichever dialect raised them.

const SQLITE_CORRUPT = 11;
const SQLITE_FULL = 13;
const SQLITE_NOTADB = 26;

type DriverError = { code?: unknown; errcode?: unknown; message?: unknown };

/** SQLite's primary result code (node:sqlite reports the extended one, whose low byte is the primary). */
function sqlitePrimaryCode(error: DriverError): number | undefined {
  return typeof error.errcode === "number" ? error.errcode & 0xff : undefined;
}

/** A unique constraint was violated (SQLite's SQLITE_CONSTRAINT_UNIQUE, PostgreSQL's 23505). */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, errcode, message } = error as DriverError;
  if (code === "23505") return true;
  if (errcode === 2067 || errcode === 1555) return true;
  return typeof message === "string" && message.includes("UNIQUE constraint failed");
}

/**
 * Input the database cannot hold or compare: PostgreSQL refuses the NUL character in text (22021, and 22P05 for
 * JSON) and integers past its column types (22003), where SQLite takes both. The request is at fault, not the server.
 */
export function isUnstorableInput(error: unknown): "nul" | "out_of_range" | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  if (error instanceof NulCharacterError) return "nul";
  const { code } = error as DriverError;
  if (code === "22021" || code === "22P05") return "nul";
  return code === "22003" ? "out_of_range" : undefined;
}

/**
 * Raised by the embedded database's driver for a text parameter holding NUL, before SQLite sees it: SQLite would
 * store it, PostgreSQL refuses it, and data one backend accepts must move to the other (values are never text
 * parameters: they are stored as base64 ciphertexts, so a value may hold NUL).
 */
export class NulCharacterError extends Error {
  constructor() {
    super("a text parameter holds the NUL character");
  }
}

export const UNSTORABLE_INPUT_MESSAGES = {
  nul: "The request holds the NUL character (U+0000), which cannot be stored or searched for; remove it",
  out_of_range: "A number in the request is larger than the server can store",
} as const;

/**
 * The database has no room for the write: SQLite's SQLITE_FULL (a full disk, or the COFFER_STORAGE_MAX_BYTES
 * quota reached), PostgreSQL's 53100 disk_full and 53200 out_of_memory. The transaction did not commit.
 */
export function isStorageFull(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const driverError = error as DriverError;
  if (driverError.code === "53100" || driverError.code === "53200") return true;
  return sqlitePrimaryCode(driverError) === SQLITE_FULL;
}

/** The database file is damaged or is not a database at all (SQLite's SQLITE_CORRUPT, SQLITE_NOTADB). */
export function isStorageDamaged(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const code = sqlitePrimaryCode(error as DriverError);
  return code === SQLITE_CORRUPT || code === SQLITE_NOTADB;
}

export const STORAGE_FULL_MESSAGE =
  "The database is out of space: nothing of this request was saved. Free space (delete secrets or versions " +
  "you no longer need, or grow the disk) or raise the storage limit (COFFER_STORAGE_MAX_BYTES for the embedded " +
  "database), then retry.";

export const STORAGE_DAMAGED_MESSAGE =
  "The database file is damaged: stop the server and restore the database from a backup (coffer restore).";

/** Opening found the embedded database file truncated, overwritten or emptied: nothing is served from it. */
export class DamagedDatabaseError extends Error {
  constructor(file: string, problem: string) {
    super(
      `The database file ${file} ${problem}. Coffer stopped before using it and changed nothing. Restore it from a ` +
        "backup (`coffer restore --in BACKUP --data-dir DIR --force`), keeping a copy of the damaged one; if it " +
        "never held data, delete it to start a new instance.",
    );
  }
}
