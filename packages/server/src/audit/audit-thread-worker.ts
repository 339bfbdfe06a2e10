// The audit log's group-commit writer, on a thread of its own with its own connection to the embedded database.
//
// node:sqlite is synchronous: a durable commit (synchronous=FULL) holds the thread for its fsync. Here that wait
// is off the event loop that serves requests. The main thread sends one batch at a time, and only while none of
// its own transactions is open (Store.exclusive), so the two connections never wait on each other's locks.
import type { KeyObject } from "node:crypto";
import { parentPort, workerData } from "node:worker_threads";
import { Kysely, SqliteDialect } from "kysely";
import type { Database } from "../store/database.ts";
import { adaptDatabase } from "../store/sqlite-driver.ts";
import { openSqliteConnection, type SqliteOptions } from "../store/store.ts";
import { appendToChain, type UnchainedRow } from "./audit-append.ts";
import { createAuditRepo } from "./audit-repo.ts";

export type WorkerData = { sqlite: SqliteOptions; key: KeyObject };
/** The rows go as one JSON text: cloning a string costs far less than cloning as many objects. */
export type BatchMessage = { id: number; rows: string };
export type SerialisedError = { message: string; code?: string; errcode?: number; errstr?: string };
export type ReplyMessage = { id: number; error?: SerialisedError };

function serialise(error: unknown): SerialisedError {
  if (!(error instanceof Error)) return { message: String(error) };
  const { code, errcode, errstr } = error as Error & { code?: unknown; errcode?: unknown; errstr?: unknown };
  return {
    message: error.message,
    ...(typeof code === "string" ? { code } : {}),
    ...(typeof errcode === "number" ? { errcode } : {}),
    ...(typeof errstr === "string" ? { errstr } : {}),
  };
}

const port = parentPort;
if (port === null) throw new Error("audit-thread-worker.ts runs as a worker thread only");
const { sqlite, key } = workerData as WorkerData;
const native = openSqliteConnection(sqlite);
const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: adaptDatabase(native) }) });
const repo = createAuditRepo();

async function writeBatch(rows: UnchainedRow[]): Promise<void> {
  // IMMEDIATE: the write lock up front, so that no other process can commit between reading the head and writing.
  native.exec("BEGIN IMMEDIATE");
  try {
    await appendToChain(db, repo, key, rows, false);
    native.exec("COMMIT");
  } catch (error) {
    if (native.isTransaction) native.exec("ROLLBACK");
    throw error;
  }
}

// Batches are written one after another, in the order they arrive.
let turn: Promise<void> = Promise.resolve();
port.on("message", (message: BatchMessage | "close") => {
  if (message === "close") {
    turn = turn.then(async () => {
      await db.destroy();
      port.close();
    });
    return;
  }
  turn = turn.then(async () => {
    try {
      await writeBatch(JSON.parse(message.rows) as UnchainedRow[]);
      port.postMessage({ id: message.id } satisfies ReplyMessage);
    } catch (error) {
      port.postMessage({ id: message.id, error: serialise(error) } satisfies ReplyMessage);
    }
  });
});
