// The audit hash chain: each event's canonical form, its keyed hash, and the walk that finds the first broken link.
import { createHmac, type KeyObject } from "node:crypto";
import type { AuditEventRow } from "../store/database.ts";

/** prev_hash of the first event (also written by migration 0002 into the empty head). */
export const GENESIS_HASH = "0".repeat(64);

/** Tags the canonical form so that a later format can never be confused with this one. */
const FORMAT = "coffer.audit.v1";

/** How far from its position a moved event is looked for, to tell "reordered" from "altered". */
const MOVED_SEARCH_WINDOW = 1000;

export const BREAK_REASONS = {
  altered: "event was altered",
  removedBefore: "an event before it was removed",
  removedFromEnd: "events were removed from the end",
  reordered: "events were reordered",
  headMismatch: "the chain head does not match the last event",
} as const;

export type ChainHead = { seq: number; hash: string };

export type VerifyResult =
  | { ok: true; checked: number }
  | { ok: false; checked: number; brokenAt: { seq: number; id: string | null; reason: string } };

/**
 * Every stored field in a fixed order, seq and prev_hash included: changing, moving or re-linking an event
 * changes its hash. The details column is hashed as the stored text, so no re-serialisation can differ.
 */
function canonicalForm(row: AuditEventRow): string {
  return JSON.stringify([
    FORMAT,
    row.seq,
    row.id,
    row.time,
    row.actor_type,
    row.actor_id,
    row.actor_name,
    row.action,
    row.outcome,
    row.project,
    row.environment,
    row.secret_key,
    row.version,
    row.request_id,
    row.source_ip,
    row.user_agent,
    row.details,
    row.prev_hash,
  ]);
}

/** HMAC-SHA256 under the instance's audit key: without the master key, edited events cannot be re-chained. */
export function hashEvent(key: KeyObject, row: AuditEventRow): string {
  return createHmac("sha256", key).update(canonicalForm(row), "utf8").digest("hex");
}

/** Chains new rows onto the head: assigns seq, prev_hash and hash in order; returns the new head. */
export function chainRows(
  key: KeyObject,
  head: ChainHead,
  rows: Omit<AuditEventRow, "seq" | "prev_hash" | "hash">[],
): { rows: AuditEventRow[]; head: ChainHead } {
  let previous = head;
  const chained = rows.map((fields) => {
    const row: AuditEventRow = { ...fields, seq: previous.seq + 1, prev_hash: previous.hash, hash: "" };
    row.hash = hashEvent(key, row);
    previous = { seq: row.seq, hash: row.hash };
    return row;
  });
  return { rows: chained, head: previous };
}

/** The seq an event was written with, if it is a genuine event sitting at another position. */
function originalSeq(key: KeyObject, row: AuditEventRow): number | undefined {
  for (let distance = 1; distance <= MOVED_SEARCH_WINDOW; distance++) {
    for (const seq of [row.seq - distance, row.seq + distance]) {
      if (seq >= 1 && hashEvent(key, { ...row, seq }) === row.hash) return seq;
    }
  }
  return undefined;
}

export type ChainSource = {
  /** The events with seq ≤ head.seq, in seq order. */
  events: AsyncIterable<AuditEventRow>;
  /** Whether some event names `hash` as its predecessor (only asked once a link is already broken). */
  hasSuccessorOf(hash: string): Promise<boolean>;
};

/**
 * Walks the chain up to `head` and reports the first broken link. Events appended after `head` was read are
 * not checked: they belong to the next verification.
 */
export async function verifyChain(
  key: KeyObject,
  head: ChainHead,
  source: ChainSource,
): Promise<VerifyResult> {
  let expectedSeq = 1;
  let previousHash = GENESIS_HASH;
  let checked = 0;
  const broken = (seq: number, id: string | null, reason: string): VerifyResult => ({
    ok: false,
    checked,
    brokenAt: { seq, id, reason },
  });

  for await (const row of source.events) {
    if (row.seq !== expectedSeq) return broken(row.seq, row.id, BREAK_REASONS.removedBefore);
    if (hashEvent(key, row) !== row.hash) {
      return broken(row.seq, row.id, await explainMismatch(key, row, previousHash, source));
    }
    if (row.prev_hash !== previousHash) return broken(row.seq, row.id, BREAK_REASONS.removedBefore);
    previousHash = row.hash;
    expectedSeq++;
    checked++;
  }
  if (expectedSeq <= head.seq) return broken(expectedSeq, null, BREAK_REASONS.removedFromEnd);
  if (previousHash !== head.hash) return broken(head.seq, null, BREAK_REASONS.headMismatch);
  return { ok: true, checked };
}

/**
 * A hash mismatch is an edit, unless the event is genuine but written with another seq: then it was moved,
 * and whether the rightful event still exists somewhere tells a reordering from a removal and renumbering.
 */
async function explainMismatch(
  key: KeyObject,
  row: AuditEventRow,
  previousHash: string,
  source: ChainSource,
): Promise<string> {
  if (originalSeq(key, row) === undefined) return BREAK_REASONS.altered;
  return (await source.hasSuccessorOf(previousHash)) ? BREAK_REASONS.reordered : BREAK_REASONS.removedBefore;
}
