// `coffer.proxy`: requests to a connection's upstream, or to any destination the secrets allow, through
// Coffer, which adds the secrets itself; the caller never holds them.

import { invalidArgument } from "./errors.ts";
import type { Transport } from "./http.ts";
import {
  type EnvironmentCallOptions,
  environmentPath,
  type ScopeDefaults,
  scopeSegments,
  segment,
} from "./scope.ts";
import type { HttpActionRequest, HttpActionResult } from "./types.ts";

export interface ProxyRequestInit extends RequestInit {
  /** Overrides the client's default project for this request. */
  project?: string;
  /** Overrides the client's default environment for this request. */
  environment?: string;
}

export class ProxyApi {
  readonly #transport: Transport;
  readonly #defaults: ScopeDefaults;

  constructor(transport: Transport, defaults: ScopeDefaults) {
    this.#transport = transport;
    this.#defaults = defaults;
  }

  /**
   * Sends `init` to `path` (query string included) on the upstream of `connection`, and returns the
   * upstream's Response as is: any status, body unread, streams (server-sent events) arriving as they
   * come. It is neither retried nor bound by the client's `timeoutMs`, since a model's answer can
   * take minutes: pass `init.signal` (`AbortSignal.timeout(ms)`) for a deadline.
   */
  async fetch(connection: string, path: string, init?: ProxyRequestInit): Promise<Response> {
    const { project, environment, ...requestInit } = init ?? {};
    const scope = scopeSegments(this.#defaults, { project, environment });
    const target = `${segment(connection, "connection")}/${upstreamPath(path)}`;
    return this.#transport.raw(`/v1/proxy/${scope.project}/${scope.environment}/${target}`, requestInit);
  }

  /**
   * Sends one HTTP request whose URL path and query, headers or body hold references (the HTTP request
   * action); needs `secrets:use`. Coffer sends it only to a destination that every referenced secret
   * allows — otherwise it fails with `egress_refused` and `details.rule` naming the rule — and returns
   * the answer with each value replaced by `[REDACTED:NAME]`. A redirect is returned, never followed.
   */
  async request(request: HttpActionRequest, options?: EnvironmentCallOptions): Promise<HttpActionResult> {
    const { method, url, headers, query, body, timeoutMs } = request;
    return this.#transport.json<HttpActionResult>({
      method: "POST",
      path: `${environmentPath(this.#defaults, options)}/http`,
      body: { method, url, headers, query, body, timeoutMs } satisfies HttpActionRequest,
      signal: options?.signal,
    });
  }
}

// The upstream path is passed through as written, but a `.` or `..` segment (even percent-encoded)
// would be resolved by URL parsing and climb out of the proxy into another Coffer endpoint.
function upstreamPath(path: string): string {
  const trimmed = path.replace(/^\/+/, "");
  const pathname = trimmed.split(/[?#]/, 1)[0] ?? "";
  // WHATWG URL parsing treats a backslash as a slash in http(s) URLs.
  for (const part of pathname.split(/[/\\]/)) {
    const decoded = part.replace(/%2e/gi, ".");
    if (decoded === "." || decoded === "..") {
      throw invalidArgument("path", "The proxied path cannot contain . or .. segments");
    }
  }
  return trimmed;
}
