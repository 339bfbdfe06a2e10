// Appends events to the hash chain inside an open transaction: the one step shared by every writer of the log.
import type { KeyObject } from "node:crypto";
import type { AuditEventRow, Executor } from "../store/database.ts";
import { chainRows } from "./audit-chain.ts";
import type { AuditRepo } from "./audit-repo.ts";

export type UnchainedRow = Omit<AuditEventRow, "seq" | "prev_hash" | "hash">;

/**
 * Reads the head inside `tx`, so that batches and in-transaction appends chain onto each other in commit order.
 * `lockHead` takes the head's row lock (PostgreSQL, where appenders run concurrently).
 */
export async function appendToChain(
  tx: Executor,
  repo: AuditRepo,
  key: KeyObject,
  rows: UnchainedRow[],
  lockHead: boolean,
): Promise<void> {
  const head = await repo.readHead(tx, lockHead);
  const chained = chainRows(key, head, rows);
  await repo.insertEvents(tx, chained.rows);
  await repo.writeHead(tx, head.seq, chained.head);
}
