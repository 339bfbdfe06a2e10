// `coffer audit tail`: the most recent events, oldest first, then (--follow) new ones as they happen.

import { setTimeout as wait } from "node:timers/promises";
import type { AuditEvent, AuditFilterOptions, Coffer } from "@coffer/sdk";
import type { Invocation } from "../args.ts";
import { connect } from "../client.ts";
import { untilInterrupted, type Writer } from "../io.ts";
import { actorName, dateTime, tableWriter, writeJsonLines } from "../output.ts";

export interface TailOptions {
  filter: AuditFilterOptions;
  limit: number;
  follow: boolean;
}

const POLL_INTERVAL_MS = 1_000;
// Small: each poll reads pages newest first until it meets an event already shown.
const POLL_PAGE_SIZE = 25;
const MAX_PAGE_SIZE = 1_000;

export async function tailAudit(invocation: Invocation, options: TailOptions): Promise<void> {
  const { flags, io } = invocation;
  const coffer = connect(invocation);
  const print = flags.boolean("json")
    ? (events: AuditEvent[]) => writeJsonLines(io.stdout, events)
    : eventTable(io.stdout);
  const recent = await eventsAfter(coffer, options.filter, {
    afterSeq: 0,
    limit: options.limit,
    pageSize: Math.min(options.limit, MAX_PAGE_SIZE),
  });
  print(recent);
  if (!options.follow) {
    if (recent.length === 0 && !flags.boolean("json")) io.stdout.write("No audit events.\n");
    return;
  }
  io.stderr.write("Following the audit log; press Ctrl-C to stop.\n");
  await follow(coffer, options.filter, recent.at(-1)?.seq ?? 0, print);
}

/** Polls until SIGINT/SIGTERM, printing the events newer than the last one printed. */
async function follow(
  coffer: Coffer,
  filter: AuditFilterOptions,
  lastSeq: number,
  print: (events: AuditEvent[]) => void,
): Promise<void> {
  const { signal, release } = untilInterrupted();
  try {
    for (;;) {
      await wait(POLL_INTERVAL_MS, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) return;
      let events: AuditEvent[];
      try {
        events = await eventsAfter(coffer, filter, {
          afterSeq: lastSeq,
          limit: Number.POSITIVE_INFINITY,
          pageSize: POLL_PAGE_SIZE,
          signal,
        });
      } catch (error) {
        if (signal.aborted) return;
        throw error;
      }
      print(events);
      lastSeq = events.at(-1)?.seq ?? lastSeq;
    }
  } finally {
    release();
  }
}

/**
 * The newest matching events with a seq above `afterSeq`, at most `limit`, oldest first. The seq
 * (gapless, in commit order) says which events were already shown; times can tie or arrive out of order.
 */
async function eventsAfter(
  coffer: Coffer,
  filter: AuditFilterOptions,
  range: { afterSeq: number; limit: number; pageSize: number; signal?: AbortSignal },
): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  const { afterSeq, limit, pageSize, signal } = range;
  for await (const page of coffer.audit.iterate({ ...filter, pageSize, signal })) {
    for (const event of page) {
      if (event.seq <= afterSeq || events.length >= limit) return events.reverse();
      events.push(event);
    }
  }
  return events.reverse();
}

function eventTable(out: Writer): (events: AuditEvent[]) => void {
  return tableWriter<AuditEvent>(out, [
    { header: "TIME", width: 19, value: (e) => dateTime(e.time) },
    { header: "OUTCOME", width: 7, value: (e) => e.outcome },
    { header: "ACTOR", width: 24, value: (e) => actorName(e.actor) },
    { header: "ACTION", width: 20, value: (e) => e.action },
    { header: "TARGET", width: 40, value: (e) => target(e) },
    { header: "VERSION", width: 7, value: (e) => (e.version === null ? "-" : String(e.version)) },
  ]);
}

/** `project/environment/key`, as far as the event names them. */
function target(event: AuditEvent): string {
  return [event.project, event.environment, event.key].filter((part) => part !== null).join("/");
}
