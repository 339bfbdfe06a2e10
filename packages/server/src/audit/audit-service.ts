// The audit log: appends hash-chained events (inside a change's transaction, or group-committed), lists and verifies them.
import { type KeyObject, randomUUID } from "node:crypto";
import { ValidationError } from "../errors.ts";
import type { AuditEventRow, Executor } from "../store/database.ts";
import type { Store } from "../store/store.ts";
import { appendToChain, type UnchainedRow } from "./audit-append.ts";
import { type AuditBatchWriter, createInlineBatchWriter } from "./audit-batch-writer.ts";
import { type VerifyResult, verifyChain } from "./audit-chain.ts";
import type { AuditRepo } from "./audit-repo.ts";

export type { VerifyResult } from "./audit-chain.ts";

export type AuditOutcome = "success" | "denied" | "error";
export type AuditActor = { type: "token" | "user" | "system" | "anonymous"; id: string; name: string };
export type AuditEvent = {
  /** e.g. "secret.create", "secret.reveal", "secret.reveal_bulk", "auth.login", "token.revoke", "member.add" */
  action: string;
  outcome: AuditOutcome;
  actor: AuditActor;
  project?: string | null;
  environment?: string | null;
  key?: string | null;
  version?: number | null;
  requestId?: string | null;
  sourceIp?: string | null;
  userAgent?: string | null;
  /** Non-secret facts only: never a value. */
  details?: Record<string, string | number | boolean | null>;
};
export type StoredAuditEvent = AuditEvent & {
  seq: number;
  id: string;
  time: string;
  hash: string;
  prevHash: string;
};
export type AuditFilter = {
  project?: string;
  environment?: string;
  key?: string;
  /** An actor's id or name. */
  actor?: string;
  action?: string;
  outcome?: AuditOutcome;
  /** Inclusive. */
  since?: string;
  /** Exclusive. */
  until?: string;
  /** Restricts to these project slugs (what the caller may see); undefined means all, events without a project included. */
  projects?: string[];
};
export type AuditPage = { events: StoredAuditEvent[]; nextCursor: string | null };

export type AuditService = {
  /** Appends inside the caller's transaction: the event commits or rolls back with the change it describes. */
  appendInTransaction(tx: Executor, event: AuditEvent): Promise<void>;
  /** As appendInTransaction for many events (a batch import), chained in order in one multi-row write. */
  appendManyInTransaction(tx: Executor, events: AuditEvent[]): Promise<void>;
  /**
   * Group commit: resolves once the event is durable, rejects if its transaction failed. Events from concurrent
   * callers are gathered and written in one transaction. Never await it inside a transaction (on SQLite the batch
   * would wait for that transaction's connection): use appendInTransaction there.
   */
  record(event: AuditEvent): Promise<void>;
  /** Newest first; the cursor is opaque. */
  list(filter: AuditFilter, page: { limit: number; cursor?: string }): Promise<AuditPage>;
  verify(): Promise<VerifyResult>;
  /** Waits for everything queued by record(). */
  flush(): Promise<void>;
  /** Flushes and refuses further record() calls. */
  close(): Promise<void>;
};

type Deps = {
  store: Store;
  repo: AuditRepo;
  key: KeyObject;
  now: () => string;
  maxBatch?: number;
  /** Where group-committed batches go; by default a transaction on the store's own connection. */
  batchWriter?: AuditBatchWriter;
};

export const MAX_AUDIT_PAGE = 1000;
const DEFAULT_MAX_BATCH = 500;
const VERIFY_PAGE = 2000;

type Waiting = { row: UnchainedRow; resolve: () => void; reject: (error: unknown) => void };

export function createAuditService({
  store,
  repo,
  key,
  now,
  maxBatch = DEFAULT_MAX_BATCH,
  batchWriter = createInlineBatchWriter(store, repo, key),
}: Deps): AuditService {
  // SQLite serialises write transactions by itself; PostgreSQL needs the head row locked.
  const lockHead = store.dialect === "postgres";
  let queue: Waiting[] = [];
  let draining: Promise<void> | undefined;
  let closed = false;

  function toRow(event: AuditEvent): UnchainedRow {
    return {
      id: randomUUID(),
      time: now(),
      actor_type: event.actor.type,
      actor_id: event.actor.id,
      actor_name: event.actor.name,
      action: event.action,
      outcome: event.outcome,
      project: event.project ?? null,
      environment: event.environment ?? null,
      secret_key: event.key ?? null,
      version: event.version ?? null,
      request_id: event.requestId ?? null,
      source_ip: event.sourceIp ?? null,
      user_agent: event.userAgent ?? null,
      details: JSON.stringify(event.details ?? {}),
    };
  }

  function appendRows(tx: Executor, rows: UnchainedRow[]): Promise<void> {
    return appendToChain(tx, repo, key, rows, lockHead);
  }

  async function writeBatch(batch: Waiting[]): Promise<void> {
    try {
      await batchWriter.write(batch.map((waiting) => waiting.row));
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
      return;
    }
    for (const waiting of batch) waiting.resolve();
  }

  /**
   * One writer at a time. Before each batch it lets the event loop finish its turn: requests whose I/O is ready get
   * to queue their events, without a timer delaying a lone event. Two setImmediate hops, not one: what those
   * requests queued for this turn's check phase runs first. The proxy's requests to upstreams are written there
   * (undici writes a request on a reused keep-alive connection from a setImmediate), so building and handing over
   * the batch does not hold them up; the answers wait for the batch anyway.
   */
  async function drain(): Promise<void> {
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      if (queue.length === 0) {
        draining = undefined;
        return;
      }
      const batch = queue.length <= maxBatch ? queue : queue.slice(0, maxBatch);
      queue = queue.length <= maxBatch ? [] : queue.slice(maxBatch);
      await writeBatch(batch);
    }
  }

  async function verify(): Promise<VerifyResult> {
    const head = await repo.readHead(store.db, false);
    async function* eventsInOrder(): AsyncGenerator<AuditEventRow> {
      let afterSeq = 0;
      for (;;) {
        const page = await repo.listInOrder(store.db, afterSeq, head.seq, VERIFY_PAGE);
        yield* page;
        const last = page.at(-1);
        if (last === undefined || page.length < VERIFY_PAGE) return;
        afterSeq = last.seq;
      }
    }
    return verifyChain(key, head, {
      events: eventsInOrder(),
      hasSuccessorOf: (hash) => repo.hasEventWithPrevHash(store.db, hash),
    });
  }

  async function flush(): Promise<void> {
    while (draining !== undefined) await draining;
  }

  return {
    async appendInTransaction(tx, event) {
      await appendRows(tx, [toRow(event)]);
    },

    async appendManyInTransaction(tx, events) {
      if (events.length > 0) await appendRows(tx, events.map(toRow));
    },

    record(event) {
      if (closed) return Promise.reject(new Error("The audit log is closed; the event was not recorded"));
      let row: UnchainedRow;
      try {
        row = toRow(event);
      } catch (error) {
        return Promise.reject(error);
      }
      return new Promise<void>((resolve, reject) => {
        queue.push({ row, resolve, reject });
        draining ??= drain();
      });
    },

    async list(filter, page) {
      if (!Number.isInteger(page.limit) || page.limit < 1 || page.limit > MAX_AUDIT_PAGE) {
        throw new ValidationError("limit", `"limit" must be a whole number from 1 to ${MAX_AUDIT_PAGE}`);
      }
      const rows = await repo.list(store.db, {
        ...filter,
        since: filter.since === undefined ? undefined : normaliseTime("since", filter.since),
        until: filter.until === undefined ? undefined : normaliseTime("until", filter.until),
        beforeSeq: page.cursor === undefined ? undefined : decodeCursor(page.cursor),
        limit: page.limit + 1,
      });
      const events = rows.slice(0, page.limit).map(toStoredEvent);
      const last = events.at(-1);
      const nextCursor = rows.length > page.limit && last !== undefined ? encodeCursor(last.seq) : null;
      return { events, nextCursor };
    },

    verify,
    flush,

    async close() {
      closed = true;
      await flush();
      await batchWriter.close();
    },
  };
}

function toStoredEvent(row: AuditEventRow): StoredAuditEvent {
  return {
    seq: row.seq,
    id: row.id,
    time: row.time,
    actor: { type: row.actor_type as AuditActor["type"], id: row.actor_id, name: row.actor_name },
    action: row.action,
    outcome: row.outcome as AuditOutcome,
    project: row.project,
    environment: row.environment,
    key: row.secret_key,
    version: row.version,
    requestId: row.request_id,
    sourceIp: row.source_ip,
    userAgent: row.user_agent,
    details: JSON.parse(row.details) as StoredAuditEvent["details"],
    hash: row.hash,
    prevHash: row.prev_hash,
  };
}

/** Stored times are `toISOString()` text, compared as strings: bounds are brought to the same form. */
function normaliseTime(field: string, text: string): string {
  const time = new Date(text);
  if (Number.isNaN(time.getTime())) {
    throw new ValidationError(field, `"${field}" must be an ISO 8601 date-time such as 2025-01-31T12:00:00Z`);
  }
  return time.toISOString();
}

function encodeCursor(seq: number): string {
  return Buffer.from(JSON.stringify({ s: seq }), "utf8").toString("base64url");
}

function decodeCursor(cursor: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { s?: unknown };
    if (typeof parsed.s === "number" && Number.isSafeInteger(parsed.s) && parsed.s > 0) return parsed.s;
  } catch {
    // fall through to the error below
  }
  throw new ValidationError(
    "cursor",
    "The cursor is not valid: pass the nextCursor of a previous page unchanged",
  );
}
