// Sends one request upstream through the shared egress Agent and turns undici's failures into domain errors
// with fixed messages (no header, body or value is ever quoted). Redirects are never followed.
import type { Readable } from "node:stream";
import type { Agent, Dispatcher } from "undici";
import { ValidationError } from "../errors.ts";
import { egressRefusalOf } from "./egress-agent.ts";
import { PayloadTooLargeError, UpstreamError } from "./egress-errors.ts";

/** Where a request goes: the upstream's origin, its host (named in errors) and the path with the query. */
export type UpstreamTarget = { origin: string; host: string; path: string };

export function targetOf(url: URL): UpstreamTarget {
  return { origin: url.origin, host: url.host, path: `${url.pathname}${url.search}` };
}

export type UpstreamRequest = {
  target: UpstreamTarget;
  method: string;
  headers: Record<string, string | string[]>;
  body: Readable | Buffer | string | undefined;
  /** Longest wait for the response headers, and between two chunks of the body. */
  timeoutMs: number;
  signal?: AbortSignal;
};

export type UpstreamResponse = Dispatcher.ResponseData;

const TIMEOUT_CODES = new Set([
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_CONNECT_TIMEOUT",
  "ETIMEDOUT",
]);

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === "string") return code;
    current = current.cause;
  }
  return undefined;
}

function findCause<T extends Error>(
  error: unknown,
  type: abstract new (...args: never[]) => T,
): T | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    if (current instanceof type) return current;
    current = current.cause;
  }
  return undefined;
}

/** The domain error for a failed upstream exchange; `where` names the upstream (never its path or query). */
export function upstreamFailure(error: unknown, where: string, timeoutMs: number): Error {
  const refusal = egressRefusalOf(error);
  if (refusal !== undefined) return refusal;
  const tooLarge = findCause(error, PayloadTooLargeError);
  if (tooLarge !== undefined) return tooLarge;
  const code = errorCode(error);
  if (code !== undefined && TIMEOUT_CODES.has(code)) {
    return new UpstreamError(
      "upstream_timeout",
      `The upstream ${where} did not answer within ${timeoutMs} ms`,
    );
  }
  if (code === "UND_ERR_INVALID_ARG") {
    return new ValidationError(
      "headers",
      "The request cannot be sent: a header name or value is not valid (line breaks and control characters are not allowed, also in resolved values)",
    );
  }
  if (code === "UND_ERR_ABORTED" || code === "ABORT_ERR") {
    return new UpstreamError(
      "upstream_unavailable",
      "The request was cancelled before the upstream answered",
    );
  }
  return new UpstreamError(
    "upstream_unavailable",
    `Could not reach the upstream ${where}${code === undefined ? "" : ` (${code})`}`,
  );
}

export function createEgressClient(agent: Agent) {
  return {
    async send(request: UpstreamRequest): Promise<UpstreamResponse> {
      try {
        return await agent.request({
          origin: request.target.origin,
          path: request.target.path,
          method: request.method as Dispatcher.HttpMethod,
          headers: request.headers,
          body: request.body ?? null,
          headersTimeout: request.timeoutMs,
          bodyTimeout: request.timeoutMs,
          signal: request.signal ?? null,
        });
      } catch (error) {
        throw upstreamFailure(error, request.target.host, request.timeoutMs);
      }
    },
    close: () => agent.close(),
  };
}

export type EgressClient = ReturnType<typeof createEgressClient>;
