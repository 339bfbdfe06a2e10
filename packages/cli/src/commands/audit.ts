// `coffer audit …`: verify the hash chain, show recent events, export them for a SIEM.

import { open } from "node:fs/promises";
import type { AuditEvent, AuditFilterOptions, AuditOutcome } from "@coffer/sdk";
import {
  type Command,
  type Flags,
  type Group,
  type OptionSpecs,
  parsePositiveInteger,
  ReportedFailure,
  UsageError,
} from "../args.ts";
import { connect, connectionOptions, serverOptions } from "../client.ts";
import type { Writer } from "../io.ts";
import { count, writeJson } from "../output.ts";
import { tailAudit } from "./audit-tail.ts";

const OUTCOMES: readonly string[] = ["success", "denied", "error"] satisfies AuditOutcome[];

const filterOptions: OptionSpecs = {
  project: { type: "string", short: "p", valueName: "SLUG", description: "only events of this project" },
  env: { type: "string", short: "e", valueName: "SLUG", description: "only events of this environment" },
  key: { type: "string", valueName: "KEY", description: "only events of this secret" },
  actor: { type: "string", valueName: "ID|NAME", description: "only events of this token or person" },
  action: { type: "string", valueName: "ACTION", description: "only this action, e.g. secret.reveal" },
  outcome: { type: "string", valueName: "OUTCOME", description: "only success, denied or error events" },
};

/** The API's text filters, and the flag each is read from. */
const FILTER_FLAGS = {
  project: "project",
  environment: "env",
  key: "key",
  actor: "actor",
  action: "action",
} as const;

const FILTER_HELP =
  "COFFER_PROJECT and COFFER_ENV do not apply here: without --project the log covers every\n" +
  "project the token may read (audit:read), and instance-wide events for an instance admin.";

const verifyAudit: Command = {
  name: "verify",
  summary: "Check the audit log's hash chain; exit 1 naming the first broken event",
  maxArgs: 0,
  details:
    "Walks the whole chain on the server: an event altered, removed or reordered in the database\n" +
    "breaks it. Prints 'Audit log intact: N events checked.' and exits 0, or writes\n" +
    "'Audit log BROKEN at event #SEQ (ID): REASON' to stderr and exits 1. Needs an instance admin.",
  options: connectionOptions,
  async run(invocation) {
    const { flags, io } = invocation;
    const result = await connect(invocation).audit.verify();
    if (flags.boolean("json")) {
      writeJson(io.stdout, result);
      if (!result.ok) throw new ReportedFailure("the audit log is broken");
      return;
    }
    if (result.ok) {
      io.stdout.write(`Audit log intact: ${count(result.checked, "event")} checked.\n`);
      return;
    }
    const { seq, id, reason } = result.brokenAt;
    io.stderr.write(`Audit log BROKEN at event #${seq}${id === null ? "" : ` (${id})`}: ${reason}.\n`);
    throw new ReportedFailure("the audit log is broken");
  },
};

const DEFAULT_TAIL = 20;

const tailCommand: Command = {
  name: "tail",
  summary: "Show the most recent audit events, oldest first; --follow for new ones as they happen",
  maxArgs: 0,
  details: `--follow asks for new events every second until Ctrl-C.\n\n${FILTER_HELP}`,
  options: {
    follow: { type: "boolean", short: "f", description: "keep printing new events until interrupted" },
    limit: {
      type: "string",
      short: "n",
      valueName: "N",
      description: `show the last N events (default ${DEFAULT_TAIL})`,
    },
    ...filterOptions,
    ...connectionOptions,
    json: { type: "boolean", description: "print one JSON object per event and line (JSON Lines)" },
  },
  async run(invocation) {
    const { flags } = invocation;
    const limitFlag = flags.string("limit");
    await tailAudit(invocation, {
      filter: readFilter(flags),
      limit: limitFlag === undefined ? DEFAULT_TAIL : parsePositiveInteger(limitFlag, "--limit"),
      follow: flags.boolean("follow"),
    });
  },
};

const exportCommand: Command = {
  name: "export",
  summary: "Write every matching audit event, oldest first, as JSON Lines (for a SIEM)",
  maxArgs: 0,
  details:
    "Example: coffer audit export --format jsonl --since 2025-06-01 --out audit-june.jsonl\n" +
    "Each line is one event with its seq, hash and prevHash, so a copy can be checked later.\n" +
    "--since and --until take an ISO 8601 date or date-time, in UTC unless it names an offset.\n\n" +
    FILTER_HELP,
  options: {
    format: { type: "string", valueName: "FORMAT", description: "jsonl (the default, and the only one)" },
    since: { type: "string", valueName: "ISO", description: "events at or after this time" },
    until: { type: "string", valueName: "ISO", description: "events before this time" },
    out: {
      type: "string",
      valueName: "FILE",
      description: "write to a new FILE (mode 0600) instead of stdout",
    },
    ...filterOptions,
    ...serverOptions,
  },
  async run(invocation) {
    const { flags, io } = invocation;
    const format = flags.string("format") ?? "jsonl";
    if (format !== "jsonl") throw new UsageError(`--format must be jsonl, got '${format}'`);
    const filter = readFilter(flags);
    const since = flags.string("since");
    const until = flags.string("until");
    if (since !== undefined) filter.since = parseTime(since, "--since");
    if (until !== undefined) filter.until = parseTime(until, "--until");
    // The API pages newest first: the whole selection is read before the oldest can be written.
    const events = (await connect(invocation).audit.list(filter)).reverse();
    const file = flags.string("out");
    if (file === undefined) return writeEvents(io.stdout, events);
    await writeNewFile(file, events);
    io.stdout.write(`Exported ${count(events.length, "event")} to ${file} (mode 0600).\n`);
  },
};

function readFilter(flags: Flags): AuditFilterOptions {
  const filter: AuditFilterOptions = {};
  const outcome = flags.string("outcome");
  if (outcome !== undefined && !OUTCOMES.includes(outcome)) {
    throw new UsageError(`--outcome must be success, denied or error, got '${outcome}'`);
  }
  if (outcome !== undefined) filter.outcome = outcome as AuditOutcome;
  for (const field of Object.keys(FILTER_FLAGS) as Array<keyof typeof FILTER_FLAGS>) {
    const value = flags.string(FILTER_FLAGS[field]);
    if (value !== undefined) filter[field] = value;
  }
  return filter;
}

/** An ISO 8601 date (`2025-06-01`, midnight UTC) or date-time (UTC without an offset), as the API's date-time. */
export function parseTime(text: string, flag: string): string {
  // JavaScript reads a date-time without an offset as local time; an audit query means UTC.
  const utc = /^\d{4}-\d{2}-\d{2}T[\d:.]+$/.test(text) ? `${text}Z` : text;
  const at = /^\d{4}-\d{2}-\d{2}/.test(text) ? new Date(utc) : undefined;
  if (at === undefined || Number.isNaN(at.getTime())) {
    throw new UsageError(
      `${flag} expects an ISO date or date-time such as 2025-06-01T12:00:00Z, got '${text}'`,
    );
  }
  return at.toISOString();
}

const LINES_PER_WRITE = 1000;

async function writeEvents(out: Writer, events: AuditEvent[]): Promise<void> {
  for (let start = 0; start < events.length; start += LINES_PER_WRITE) {
    const lines = events.slice(start, start + LINES_PER_WRITE).map((event) => `${JSON.stringify(event)}\n`);
    await out.write(lines.join(""));
  }
}

/** "wx": an earlier export is evidence, never to be replaced by accident. */
async function writeNewFile(file: string, events: AuditEvent[]): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, "wx", 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    throw new Error(`${file} already exists: refusing to overwrite it (choose another --out)`);
  }
  try {
    await writeEvents({ write: (chunk: string) => handle.write(chunk) }, events);
  } finally {
    await handle.close();
  }
}

export const auditGroup: Group = {
  name: "audit",
  summary: "Verify, follow and export the tamper-evident audit log",
  commands: [verifyAudit, tailCommand, exportCommand],
};
