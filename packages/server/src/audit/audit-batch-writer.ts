// Where group-committed audit batches are written: in a transaction of the store's own, or on a thread of their own.

import type { KeyObject } from "node:crypto";
import { once } from "node:events";
import { Worker } from "node:worker_threads";
import type { SqliteOptions, Store } from "../store/store.ts";
import { appendToChain, type UnchainedRow } from "./audit-append.ts";
import type { AuditRepo } from "./audit-repo.ts";
import type { BatchMessage, ReplyMessage, SerialisedError, WorkerData } from "./audit-thread-worker.ts";

export type AuditBatchWriter = {
  /** Chains and durably commits `rows` in one transaction; rejects (nothing written) if it fails. */
  write(rows: UnchainedRow[]): Promise<void>;
  /** Called once nothing is being written any more. */
  close(): Promise<void>;
};

/** Writes each batch in a transaction on the store's connections (PostgreSQL, and tests of the service itself). */
export function createInlineBatchWriter(store: Store, repo: AuditRepo, key: KeyObject): AuditBatchWriter {
  // SQLite serialises write transactions by itself; PostgreSQL needs the head row locked.
  const lockHead = store.dialect === "postgres";
  return {
    write: (rows) => store.transaction((tx) => appendToChain(tx, repo, key, rows, lockHead)),
    close: async () => undefined,
  };
}

type Pending = { resolve: () => void; reject: (error: unknown) => void };

/** The error as the thread saw it, with the SQLite codes that the HTTP layer maps (a full disk, say). */
function revive(serialised: SerialisedError): Error {
  return Object.assign(new Error(serialised.message), {
    ...(serialised.code === undefined ? {} : { code: serialised.code }),
    ...(serialised.errcode === undefined ? {} : { errcode: serialised.errcode }),
    ...(serialised.errstr === undefined ? {} : { errstr: serialised.errstr }),
  });
}

/**
 * Writes batches on a worker thread with its own SQLite connection, so that the fsync of each durable commit does
 * not hold the event loop. Each batch waits for its turn with the store's transactions (Store.exclusive).
 * The thread starts with the first batch; if it dies, the batches in flight fail and the next batch starts a new one.
 */
export function createThreadBatchWriter(
  store: Store,
  sqlite: SqliteOptions,
  key: KeyObject,
): AuditBatchWriter {
  let worker: Worker | undefined;
  const pending = new Map<number, Pending>();
  let nextId = 1;

  function failAll(from: Worker, error: Error): void {
    if (worker === from) worker = undefined;
    for (const waiting of pending.values()) waiting.reject(error);
    pending.clear();
  }

  function start(): Worker {
    const started = new Worker(new URL("./audit-thread-worker.ts", import.meta.url), {
      workerData: { sqlite, key } satisfies WorkerData,
    });
    // Idle, the thread does not keep the process alive; a batch in flight does.
    started.unref();
    started.on("message", (reply: ReplyMessage) => {
      const waiting = pending.get(reply.id);
      if (waiting === undefined) return;
      pending.delete(reply.id);
      if (pending.size === 0) started.unref();
      if (reply.error === undefined) waiting.resolve();
      else waiting.reject(revive(reply.error));
    });
    started.on("error", (error) => failAll(started, error));
    started.on("exit", (code) =>
      failAll(started, new Error(`the audit log's writer thread stopped (exit code ${code})`)),
    );
    return started;
  }

  return {
    write(rows) {
      return store.exclusive(
        () =>
          new Promise<void>((resolve, reject) => {
            worker ??= start();
            const id = nextId++;
            pending.set(id, { resolve, reject });
            worker.ref();
            worker.postMessage({ id, rows: JSON.stringify(rows) } satisfies BatchMessage);
          }),
      );
    },
    async close() {
      const stopping = worker;
      worker = undefined;
      if (stopping === undefined) return;
      const exited = once(stopping, "exit");
      stopping.postMessage("close");
      await exited;
    },
  };
}
