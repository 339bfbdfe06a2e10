// The transport: builds each request (URL, auth, CSRF, JSON body), applies the deadline and the
// retry policy, and turns every failure into a CofferError.

import { type Deadline, startDeadline } from "./deadline.ts";
import { abortError, CofferError, errorFromResponse } from "./errors.ts";
import { isIdempotent, isRetryableStatus, type RetryPolicy, retryDelay } from "./retry.ts";

export type HttpMethod = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";

export type QueryValue = string | number | boolean | undefined;

/** A CSRF token, or a function read at every request. */
export type CsrfTokenSource = string | (() => string | undefined) | undefined;

export interface ApiRequest {
  method: HttpMethod;
  /** Starts with `/`; every variable part already encoded (see `segment`). */
  path: string;
  query?: Record<string, QueryValue>;
  /** Sent as JSON when defined. */
  body?: unknown;
  signal?: AbortSignal | undefined;
}

export interface TransportConfig {
  /** Origin plus any path prefix, without a trailing slash. */
  baseUrl: string;
  token: string | undefined;
  headers: HeadersInit | undefined;
  credentials: RequestCredentials | undefined;
  csrfToken: CsrfTokenSource;
  fetch: typeof fetch;
  timeoutMs: number;
  retry: RetryPolicy;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export class Transport {
  readonly #config: TransportConfig;
  // Apart from the config because it changes: a browser learns it at sign-in.
  #csrfTokenSource: CsrfTokenSource;

  constructor(config: TransportConfig) {
    this.#config = config;
    this.#csrfTokenSource = config.csrfToken;
  }

  /** Replaces the CSRF token sent from the next request on (`undefined` stops sending one). */
  setCsrfToken(csrfToken: CsrfTokenSource): void {
    this.#csrfTokenSource = csrfToken;
  }

  /** Sends a request and returns its parsed JSON body (undefined for 204). */
  async json<T>(request: ApiRequest): Promise<T> {
    const deadline = startDeadline(this.#config.timeoutMs, request.signal);
    try {
      const response = await this.#sendWithRetries(request, deadline);
      return (await readJson(response)) as T;
    } catch (error) {
      throw this.#asCofferError(error, deadline);
    } finally {
      deadline.release();
    }
  }

  /**
   * Sends a request and returns the Response as it is, whatever its status, with its body unread
   * (streams stay streams). No retries and no client timeout: only `init.signal` ends it.
   */
  async raw(path: string, init: RequestInit): Promise<Response> {
    const method = (init.method ?? "GET").toUpperCase();
    const headers = this.#headers(method, init.headers);
    try {
      return await this.#fetch(this.url(path), { ...init, ...this.#credentials(), method, headers });
    } catch (error) {
      if (init.signal?.aborted) throw abortError(init.signal.reason);
      throw this.#networkError(error);
    }
  }

  url(path: string, query?: Record<string, QueryValue>): string {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined) params.set(name, String(value));
    }
    const search = params.toString();
    return this.#config.baseUrl + path + (search ? `?${search}` : "");
  }

  async #sendWithRetries(request: ApiRequest, deadline: Deadline): Promise<Response> {
    const { method } = request;
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    const headers = this.#headers(
      method,
      body === undefined ? undefined : { "content-type": "application/json" },
    );
    headers.set("accept", "application/json");
    const init: RequestInit = { method, headers, body, signal: deadline.signal, ...this.#credentials() };
    const url = this.url(request.path, request.query);
    const retries = isIdempotent(method) ? this.#config.retry.retries : 0;

    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await this.#fetch(url, init);
      } catch (error) {
        if (deadline.signal.aborted || attempt >= retries) throw error;
        await this.#config.sleep(retryDelay(this.#config.retry, attempt, null) ?? 0, deadline.signal);
        continue;
      }
      if (response.ok) return response;
      const delay =
        attempt < retries && isRetryableStatus(response.status)
          ? retryDelay(this.#config.retry, attempt, response.headers.get("retry-after"))
          : undefined;
      if (delay === undefined) throw await errorFromResponse(response);
      await response.body?.cancel();
      await this.#config.sleep(delay, deadline.signal);
    }
  }

  #headers(method: string, extra: HeadersInit | undefined): Headers {
    const headers = new Headers(this.#config.headers);
    new Headers(extra).forEach((value, name) => {
      headers.set(name, value);
    });
    const { token } = this.#config;
    if (token !== undefined) headers.set("authorization", `Bearer ${token}`);
    const csrfToken = this.#csrfToken();
    if (csrfToken !== undefined && !SAFE_METHODS.has(method)) headers.set("x-csrf-token", csrfToken);
    return headers;
  }

  #csrfToken(): string | undefined {
    const csrfToken = this.#csrfTokenSource;
    const value = typeof csrfToken === "function" ? csrfToken() : csrfToken;
    if (value !== undefined && !isHeaderSafe(value)) {
      // Checked here because fetch's own error for a bad header quotes the value.
      throw new CofferError({
        status: 0,
        code: "validation_error",
        message: "The CSRF token contains characters that cannot be sent in a header",
        details: { field: "csrfToken" },
      });
    }
    return value;
  }

  #credentials(): { credentials?: RequestCredentials } {
    const { credentials } = this.#config;
    return credentials === undefined ? {} : { credentials };
  }

  #fetch(url: string, init: RequestInit): Promise<Response> {
    const fetchImpl = this.#config.fetch;
    return fetchImpl(url, init);
  }

  #asCofferError(error: unknown, deadline: Deadline): CofferError {
    if (error instanceof CofferError) return error;
    return deadline.abortError(error) ?? this.#networkError(error);
  }

  #networkError(error: unknown): CofferError {
    const origin = new URL(this.#config.baseUrl).origin;
    const reason = networkErrorReason(error);
    return new CofferError({
      status: 0,
      code: "network_error",
      message: `Could not reach Coffer at ${origin}${reason ? ` (${reason})` : ""}`,
      cause: error,
    });
  }
}

/** Printable ASCII without spaces: what an API token or a CSRF token is made of. */
export function isHeaderSafe(value: string): boolean {
  return /^[\x21-\x7e]+$/.test(value);
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new CofferError({
      status: response.status,
      code: "invalid_response",
      message: `Coffer answered HTTP ${response.status} with a body that is not JSON; is the URL that of a Coffer server?`,
      requestId: response.headers.get("x-request-id") ?? undefined,
    });
  }
}

// fetch implementations reject with a vague TypeError ("fetch failed"); the system error code
// (ECONNREFUSED, ENOTFOUND…) in its cause is what tells the user what went wrong.
function networkErrorReason(error: unknown): string | undefined {
  const cause = error instanceof Error ? error.cause : undefined;
  const code = typeof cause === "object" && cause !== null ? (cause as { code?: unknown }).code : undefined;
  if (typeof code === "string") return code;
  return error instanceof Error && error.message ? error.message : undefined;
}
