// SQL for the audit log: the chain head, appending events, filtered listing and the ordered walk for verification.
import type { CompiledQuery } from "kysely";
import { IntegrityError } from "../errors.ts";
import type { AuditEventRow, Executor } from "../store/database.ts";

export type AuditRowFilter = {
  project?: string;
  environment?: string;
  key?: string;
  actor?: string;
  action?: string;
  outcome?: string;
  since?: string;
  until?: string;
  /** Only events of these projects; undefined means no restriction. */
  projects?: string[];
  /** Keyset pagination: only events older than this seq. */
  beforeSeq?: number;
  limit: number;
};

/**
 * Multi-row inserts go in chunks of these sizes only, so that a batch of any length compiles to a handful of
 * distinct statements that the prepared-statement cache keeps (128 rows × 18 columns stays under every
 * dialect's parameter limit).
 */
const INSERT_CHUNKS = [128, 32, 8, 1];

/** Every column of an event, in the order the compiled inserts bind them. */
const EVENT_COLUMNS = [
  "seq",
  "id",
  "time",
  "actor_type",
  "actor_id",
  "actor_name",
  "action",
  "outcome",
  "project",
  "environment",
  "secret_key",
  "version",
  "request_id",
  "source_ip",
  "user_agent",
  "details",
  "prev_hash",
  "hash",
] as const satisfies readonly (keyof AuditEventRow)[];
// A column added to the table and not to the list above fails the typecheck here.
const allColumnsListed: Exclude<keyof AuditEventRow, (typeof EVENT_COLUMNS)[number]> extends never
  ? true
  : never = true;
void allColumnsListed;

/**
 * seq is 64-bit on PostgreSQL (migration 0006), which node-postgres returns as text; the chain hashes it as a
 * number, so every read makes it one (exact far beyond any real log: 2^53 events).
 */
function withNumericSeq(rows: AuditEventRow[]): AuditEventRow[] {
  for (const row of rows) if (typeof row.seq !== "number") row.seq = Number(row.seq);
  return rows;
}

export function createAuditRepo() {
  /** One insert per chunk size, compiled once: building it row by row cost more than running it. */
  const inserts = new Map<number, CompiledQuery>();
  function insertOf(db: Executor, size: number): CompiledQuery {
    let compiled = inserts.get(size);
    if (compiled === undefined) {
      const placeholder = Object.fromEntries(EVENT_COLUMNS.map((column) => [column, ""])) as never;
      compiled = db
        .insertInto("audit_events")
        .values(Array.from({ length: size }, () => placeholder))
        .compile();
      if (compiled.parameters.length !== size * EVENT_COLUMNS.length) {
        throw new Error("the compiled audit insert does not bind one parameter per column and row");
      }
      inserts.set(size, compiled);
    }
    return compiled;
  }

  return {
    /** The chain head. `lock` takes a row lock (PostgreSQL) so that concurrent appenders queue on it. */
    async readHead(db: Executor, lock: boolean): Promise<{ seq: number; hash: string }> {
      const head = await db
        .selectFrom("audit_head")
        .select(["seq", "hash"])
        .where("id", "=", 1)
        .$if(lock, (query) => query.forUpdate())
        .executeTakeFirst();
      if (head === undefined) throw new IntegrityError("the audit log's chain head is missing");
      return { seq: Number(head.seq), hash: head.hash };
    },

    /** Moves the head from `from` to `to`; refuses if someone else moved it in between. */
    async writeHead(db: Executor, from: number, to: { seq: number; hash: string }): Promise<void> {
      const result = await db
        .updateTable("audit_head")
        .set({ seq: to.seq, hash: to.hash })
        .where("id", "=", 1)
        .where("seq", "=", from)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) {
        throw new IntegrityError(
          "the audit log's chain head moved during an append; the event was not written",
        );
      }
    },

    async insertEvents(db: Executor, rows: AuditEventRow[]): Promise<void> {
      let start = 0;
      while (start < rows.length) {
        const size = INSERT_CHUNKS.find((chunk) => chunk <= rows.length - start) ?? 1;
        const parameters: unknown[] = [];
        for (const row of rows.slice(start, start + size)) {
          for (const column of EVENT_COLUMNS) parameters.push(row[column]);
        }
        await db.executeQuery({ ...insertOf(db, size), parameters });
        start += size;
      }
    },

    /** Newest first. */
    async list(db: Executor, filter: AuditRowFilter): Promise<AuditEventRow[]> {
      if (filter.projects !== undefined && filter.projects.length === 0) return [];
      let query = db.selectFrom("audit_events").selectAll();
      if (filter.projects !== undefined) query = query.where("project", "in", filter.projects);
      if (filter.project !== undefined) query = query.where("project", "=", filter.project);
      if (filter.environment !== undefined) query = query.where("environment", "=", filter.environment);
      if (filter.key !== undefined) query = query.where("secret_key", "=", filter.key);
      if (filter.action !== undefined) query = query.where("action", "=", filter.action);
      if (filter.outcome !== undefined) query = query.where("outcome", "=", filter.outcome);
      if (filter.since !== undefined) query = query.where("time", ">=", filter.since);
      if (filter.until !== undefined) query = query.where("time", "<", filter.until);
      if (filter.beforeSeq !== undefined) query = query.where("seq", "<", filter.beforeSeq);
      const actor = filter.actor;
      if (actor !== undefined) {
        query = query.where((eb) => eb.or([eb("actor_id", "=", actor), eb("actor_name", "=", actor)]));
      }
      return withNumericSeq(await query.orderBy("seq", "desc").limit(filter.limit).execute());
    },

    /** One page of the ordered walk: events after `afterSeq` up to `untilSeq`, oldest first. */
    listInOrder: async (
      db: Executor,
      afterSeq: number,
      untilSeq: number,
      limit: number,
    ): Promise<AuditEventRow[]> =>
      withNumericSeq(
        await db
          .selectFrom("audit_events")
          .selectAll()
          .where("seq", ">", afterSeq)
          .where("seq", "<=", untilSeq)
          .orderBy("seq")
          .limit(limit)
          .execute(),
      ),

    /** Whether an event links to `hash` as its predecessor. A full scan: asked only once a chain is broken. */
    async hasEventWithPrevHash(db: Executor, hash: string): Promise<boolean> {
      const row = await db
        .selectFrom("audit_events")
        .select("seq")
        .where("prev_hash", "=", hash)
        .limit(1)
        .executeTakeFirst();
      return row !== undefined;
    },
  };
}

export type AuditRepo = ReturnType<typeof createAuditRepo>;
