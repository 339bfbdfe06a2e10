// The Coffer client: validates its options once, and gathers the API groups over one transport.

import { AuditApi } from "./audit.ts";
import { AuthApi } from "./auth.ts";
import { ConnectionsApi } from "./connections.ts";
import { EnvironmentsApi } from "./environments.ts";
import { invalidArgument } from "./errors.ts";
import { type CsrfTokenSource, isHeaderSafe, Transport } from "./http.ts";
import { KeysApi } from "./keys.ts";
import { MembersApi } from "./members.ts";
import { ProjectsApi } from "./projects.ts";
import { ProxyApi } from "./proxy.ts";
import { ReferencesApi, type Template } from "./references.ts";
import { sleep } from "./retry.ts";
import type { CallOptions, EnvironmentCallOptions, ScopeDefaults } from "./scope.ts";
import { SecretsApi } from "./secrets.ts";
import { TokensApi } from "./tokens.ts";
import type { Health } from "./types.ts";
import { UsersApi } from "./users.ts";

export interface CofferOptions {
  /** The server's address, e.g. `https://coffer.example.com` (a path prefix is kept). */
  url: string | URL;
  /** An API token (`coffer_…`). Leave it out in a browser signed in with a session cookie. */
  token?: string;
  /** The project of calls that do not name one. */
  project?: string;
  /** The environment of calls that do not name one. */
  environment?: string;
  /** Sent with every request (tracing headers…); the token and CSRF token take precedence. */
  headers?: HeadersInit;
  /** Passed to fetch; `"include"` sends the session cookie to another origin. */
  credentials?: RequestCredentials;
  /**
   * Sent as `X-CSRF-Token` on state-changing requests; a function is read at every request.
   * Known only after sign-in? Set it then with `setCsrfToken`.
   */
  csrfToken?: CsrfTokenSource;
  /** Bounds each call, retries and waits included; 0 disables it. Default 30 000. */
  timeoutMs?: number;
  /** Retries of idempotent requests (GET, HEAD, PUT, DELETE) on 429/502/503/504 and network errors. Default 2. */
  retries?: number;
  /** Backoff ceiling of the first retry, doubled at each retry (full jitter). Default 250. */
  retryBaseDelayMs?: number;
  /** Longest wait before a retry; a `Retry-After` asking for more ends the retries. Default 10 000. */
  maxRetryDelayMs?: number;
  /** The fetch to use; default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Waits before a retry; replace it in tests to go fast. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** A number in [0, 1) for the backoff jitter; replace it in tests. */
  random?: () => number;
  /** The current time in ms, to read `Retry-After` dates; replace it in tests. */
  now?: () => number;
}

export class Coffer {
  readonly secrets: SecretsApi;
  readonly projects: ProjectsApi;
  readonly environments: EnvironmentsApi;
  readonly tokens: TokensApi;
  readonly references: ReferencesApi;
  readonly proxy: ProxyApi;
  readonly connections: ConnectionsApi;
  readonly auth: AuthApi;
  readonly users: UsersApi;
  readonly members: MembersApi;
  readonly audit: AuditApi;
  readonly keys: KeysApi;
  /** The default project and environment, from the options. */
  readonly project: string | undefined;
  readonly environment: string | undefined;
  readonly #transport: Transport;

  constructor(options: CofferOptions) {
    const defaults: ScopeDefaults = { project: options.project, environment: options.environment };
    this.project = defaults.project;
    this.environment = defaults.environment;
    this.#transport = new Transport({
      baseUrl: baseUrl(options.url),
      token: checkToken(options.token),
      headers: options.headers,
      credentials: options.credentials,
      csrfToken: options.csrfToken,
      fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
      timeoutMs: nonNegative("timeoutMs", options.timeoutMs ?? 30_000),
      retry: {
        retries: Math.floor(nonNegative("retries", options.retries ?? 2)),
        baseDelayMs: nonNegative("retryBaseDelayMs", options.retryBaseDelayMs ?? 250),
        maxDelayMs: nonNegative("maxRetryDelayMs", options.maxRetryDelayMs ?? 10_000),
        random: options.random ?? Math.random,
        now: options.now ?? Date.now,
      },
      sleep: options.sleep ?? sleep,
    });
    this.secrets = new SecretsApi(this.#transport, defaults);
    this.projects = new ProjectsApi(this.#transport);
    this.environments = new EnvironmentsApi(this.#transport, defaults);
    this.tokens = new TokensApi(this.#transport);
    this.references = new ReferencesApi(this.#transport, defaults);
    this.proxy = new ProxyApi(this.#transport, defaults);
    this.connections = new ConnectionsApi(this.#transport, defaults);
    this.auth = new AuthApi(this.#transport);
    this.users = new UsersApi(this.#transport);
    this.members = new MembersApi(this.#transport, defaults);
    this.audit = new AuditApi(this.#transport);
    this.keys = new KeysApi(this.#transport);
  }

  /**
   * Replaces the `csrfToken` option, e.g. with the token `auth.login` returned; `undefined` stops
   * sending one. Applies from the next request on.
   */
  setCsrfToken(csrfToken: CsrfTokenSource): void {
    this.#transport.setCsrfToken(csrfToken);
  }

  /**
   * The template (a string or a JSON document) with every `$SECRET/NAME` or `{{ secrets.NAME }}`
   * replaced by its value; needs `secrets:reveal`.
   */
  resolve(template: string, options?: EnvironmentCallOptions): Promise<string>;
  resolve<T extends object>(template: T, options?: EnvironmentCallOptions): Promise<T>;
  resolve(template: Template, options?: EnvironmentCallOptions): Promise<unknown>;
  async resolve(template: Template, options?: EnvironmentCallOptions): Promise<unknown> {
    return this.references.resolve(template, options);
  }

  /** Whether the server process is up (`GET /healthz`; needs no token). */
  async health(options?: CallOptions): Promise<Health> {
    return this.#transport.json<Health>({ method: "GET", path: "/healthz", signal: options?.signal });
  }
}

function baseUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidArgument(
      "url",
      "The Coffer url is not a valid URL (expected e.g. https://coffer.example.com)",
    );
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw invalidArgument("url", "The Coffer url must start with https:// or http://");
  }
  if (parsed.username || parsed.password) {
    throw invalidArgument("url", "The Coffer url must not contain credentials; pass { token } instead");
  }
  return parsed.origin + parsed.pathname.replace(/\/+$/, "");
}

// Checked once here: fetch's own error for an invalid header value would quote the token.
function checkToken(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  if (typeof token !== "string" || !isHeaderSafe(token)) {
    throw invalidArgument("token", "The token contains characters that cannot be sent in a header");
  }
  return token;
}

function nonNegative(field: string, value: number): number {
  if (typeof value !== "number" || Number.isNaN(value) || value < 0) {
    throw invalidArgument(field, `${field} must be a number of 0 or more`);
  }
  return value;
}
