// `coffer.audit`: the hash-chained audit log, filtered and paginated (newest first), and its verification.

import { invalidArgument } from "./errors.ts";
import type { QueryValue, Transport } from "./http.ts";
import { followCursor } from "./pagination.ts";
import type { CallOptions } from "./scope.ts";
import type { AuditEvent, AuditFilter, AuditPage, AuditQuery, AuditVerification } from "./types.ts";

/**
 * The API's filters, where a time may also be a Date. The client's default project does not apply:
 * the log is instance-wide, and the server already limits it to the projects the caller may read.
 */
export interface AuditFilterOptions extends Omit<AuditFilter, "since" | "until"> {
  /** Events at or after this time. */
  since?: string | Date;
  /** Events before this time. */
  until?: string | Date;
}

export interface ListAuditOptions extends CallOptions, AuditFilterOptions {
  /** Events fetched per request, 1–1000; default 1000 (fewest round trips). */
  pageSize?: number;
}

export interface AuditPageOptions
  extends CallOptions,
    AuditFilterOptions,
    Pick<AuditQuery, "limit" | "cursor"> {}

const DEFAULT_PAGE_SIZE = 1000;

export class AuditApi {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /** Every matching event, newest first, following `nextCursor` until the last page; needs `audit:read`. */
  async list(options?: ListAuditOptions): Promise<AuditEvent[]> {
    const events: AuditEvent[] = [];
    for await (const page of this.iterate(options)) events.push(...page);
    return events;
  }

  /** The matching events page by page, newest first, for logs too large to hold in memory at once. */
  async *iterate(options?: ListAuditOptions): AsyncGenerator<AuditEvent[], void, undefined> {
    const limit = options?.pageSize ?? DEFAULT_PAGE_SIZE;
    for await (const page of followCursor((cursor) => this.page({ ...options, limit, cursor }))) {
      yield page.events;
    }
  }

  /** One page of events, newest first; pass its `nextCursor` as `cursor` to get older ones. */
  async page(options?: AuditPageOptions): Promise<AuditPage> {
    return this.#transport.json<AuditPage>({
      method: "GET",
      path: "/v1/audit",
      query: auditQuery(options),
      signal: options?.signal,
    });
  }

  /**
   * Walks the whole chain on the server and reports the first broken link (an altered, removed or
   * reordered event); needs an instance admin.
   */
  async verify(options?: CallOptions): Promise<AuditVerification> {
    return this.#transport.json<AuditVerification>({
      method: "POST",
      path: "/v1/audit/verify",
      signal: options?.signal,
    });
  }
}

// Copies only the API's parameters: the options object also carries pageSize and signal.
function auditQuery(options: AuditPageOptions | undefined): Record<string, QueryValue> {
  return {
    limit: options?.limit,
    cursor: options?.cursor,
    project: options?.project,
    environment: options?.environment,
    key: options?.key,
    actor: options?.actor,
    action: options?.action,
    outcome: options?.outcome,
    since: isoTime(options?.since, "since"),
    until: isoTime(options?.until, "until"),
  };
}

function isoTime(value: string | Date | undefined, field: string): string | undefined {
  if (!(value instanceof Date)) return value;
  if (Number.isNaN(value.getTime())) throw invalidArgument(field, `${field} is an invalid Date`);
  return value.toISOString();
}
