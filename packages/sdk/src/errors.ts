// CofferError, the one error type the SDK throws, and its construction from an HTTP response.

/**
 * The server's codes (docs/api.md), plus the SDK's own for failures that have no response:
 * `unavailable` and `http_error` (a non-Coffer error body), `network_error`, `timeout`, `aborted`,
 * `invalid_response`.
 */
export type CofferErrorCode =
  | "validation_error"
  | "bad_request"
  | "malformed_reference"
  | "secret_not_found"
  | "field_not_found"
  | "unauthorized"
  | "forbidden"
  | "egress_refused"
  | "not_found"
  | "request_timeout"
  | "conflict"
  | "limit_reached"
  | "payload_too_large"
  | "uri_too_long"
  | "unsupported_media_type"
  | "no_changes"
  | "rate_limited"
  | "headers_too_large"
  | "internal"
  | "integrity_error"
  | "storage_damaged"
  | "upstream_unavailable"
  | "upstream_invalid"
  | "upstream_timeout"
  | "storage_full"
  | "unavailable"
  | "http_error"
  | "network_error"
  | "timeout"
  | "aborted"
  | "invalid_response"
  | (string & {});

export interface CofferErrorInit {
  status: number;
  code: CofferErrorCode;
  message: string;
  details?: Record<string, unknown> | undefined;
  requestId?: string | undefined;
  cause?: unknown;
}

/**
 * Every failure of an SDK call. `status` is the HTTP status, or 0 when no response arrived
 * (network error, timeout, abort, or a call rejected before any request was sent).
 * Messages never contain a secret value or a token.
 */
export class CofferError extends Error {
  override readonly name = "CofferError";
  readonly status: number;
  readonly code: CofferErrorCode;
  readonly details: Record<string, unknown> | undefined;
  /** The server's `X-Request-Id`, to find the request in its logs and audit events. */
  readonly requestId: string | undefined;

  constructor(init: CofferErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.details = init.details;
    this.requestId = init.requestId;
  }
}

/**
 * The error for an aborted call. A caller's `AbortSignal.timeout()` firing is reported as a timeout,
 * like the client's own `timeoutMs`.
 */
export function abortError(reason: unknown): CofferError {
  const timedOut = isRecord(reason) && reason["name"] === "TimeoutError";
  return new CofferError({
    status: 0,
    code: timedOut ? "timeout" : "aborted",
    message: timedOut ? "The request timed out" : "The request was aborted",
    cause: reason,
  });
}

/** A call rejected before any request, because an argument cannot make a valid one. */
export function invalidArgument(field: string, message: string): CofferError {
  return new CofferError({ status: 0, code: "validation_error", message, details: { field } });
}

// Used when the error body is not Coffer's JSON (a reverse proxy's HTML page, an empty body).
const CODE_BY_STATUS: Record<number, CofferErrorCode> = {
  400: "validation_error",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  408: "request_timeout",
  409: "conflict",
  413: "payload_too_large",
  414: "uri_too_long",
  415: "unsupported_media_type",
  422: "no_changes",
  429: "rate_limited",
  431: "headers_too_large",
  500: "internal",
  502: "unavailable",
  503: "unavailable",
  504: "unavailable",
  507: "storage_full",
};

/** Reads an error response (consuming its body) into a CofferError. */
export async function errorFromResponse(response: Response): Promise<CofferError> {
  const requestId = response.headers.get("x-request-id") ?? undefined;
  const body = await readErrorBody(response);
  if (body !== undefined) {
    return new CofferError({ status: response.status, requestId, ...body });
  }
  // The body is deliberately left out of the message: it is not Coffer's and could echo anything.
  const reason = response.statusText ? `${response.status} ${response.statusText}` : `${response.status}`;
  return new CofferError({
    status: response.status,
    code: CODE_BY_STATUS[response.status] ?? "http_error",
    message: `Coffer answered HTTP ${reason} without an error description`,
    requestId,
  });
}

type ParsedErrorBody = Pick<CofferErrorInit, "code" | "message" | "details">;

async function readErrorBody(response: Response): Promise<ParsedErrorBody | undefined> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await response.text());
  } catch {
    return undefined;
  }
  if (!isRecord(parsed) || !isRecord(parsed["error"])) return undefined;
  const { code, message, details } = parsed["error"];
  if (typeof code !== "string" || typeof message !== "string") return undefined;
  return { code, message, details: isRecord(details) ? details : undefined };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
