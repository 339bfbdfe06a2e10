// Test support for the leak canary: a client that keeps every exchange (status, headers, body) and names the route
// of the OpenAPI document (or the Vault endpoint) that answered it.
import { expect } from "vitest";
import type { Session } from "../helpers.ts";

/** Who calls: a bearer token, a signed-in person (cookie and CSRF token), or nobody. */
export type Caller = { token: string } | { session: Session } | { anonymous: true };

export type Exchange = {
  /** "METHOD /path/{template}" of the OpenAPI document, "VAULT …" for the Vault API, or "OTHER …". */
  route: string;
  label: string;
  method: string;
  path: string;
  status: number;
  /** Every response header, one "name: value" per line. */
  headers: string;
  body: Buffer;
};

export type Reply = {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies and the assertions check their shape.
  body: any;
  text: string;
  headers: Headers;
};

export type SendOptions = {
  as?: Caller;
  /** JSON (an object) or a raw string sent as is. */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  /** Another origin than the main listener (the Vault listener). */
  origin?: string;
  /** Names the route for requests outside the OpenAPI document (the Vault API). */
  route?: string;
};

/** Asserts a status, showing the start of the body when it differs. */
export function expectStatus(reply: Reply, status: number): void {
  expect(reply.status, reply.text.slice(0, 300)).toBe(status);
}

type Template = { method: string; pattern: RegExp; literals: number; name: string };

function compile(method: string, path: string): Template {
  const segments = path.split("/").slice(1);
  const source = segments
    .map((segment) => (segment === "{*}" ? "(?:/.*)?" : `/${/^\{.+\}$/.test(segment) ? "[^/]+" : segment}`))
    .join("");
  return {
    method,
    pattern: new RegExp(`^${source}$`),
    literals: segments.filter((segment) => !segment.startsWith("{")).length,
    name: `${method} ${path}`,
  };
}

export class Traffic {
  readonly exchanges: Exchange[] = [];
  readonly #url: string;
  readonly #root: string;
  #templates: Template[] = [];

  constructor(url: string, rootToken: string) {
    this.#url = url;
    this.#root = rootToken;
  }

  /** The routes of the OpenAPI document: every request is named after the one that matches it. */
  useDocument(paths: Record<string, Record<string, unknown>>): string[] {
    this.#templates = Object.entries(paths)
      .flatMap(([path, methods]) => Object.keys(methods).map((method) => compile(method.toUpperCase(), path)))
      // The most literal template first: ".../secrets/batch" before ".../secrets/{key}".
      .sort((a, b) => b.literals - a.literals);
    return this.#templates.map((template) => template.name);
  }

  routeOf(method: string, path: string): string {
    const bare = path.split("?")[0] ?? path;
    const match = this.#templates.find(
      (template) => template.method === method && template.pattern.test(bare),
    );
    return match?.name ?? `OTHER ${method} ${bare}`;
  }

  async send(label: string, method: string, path: string, options: SendOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...options.headers };
    const as = options.as ?? { token: this.#root };
    if ("token" in as) headers["authorization"] = `Bearer ${as.token}`;
    if ("session" in as) {
      headers["cookie"] = as.session.cookie;
      headers["x-csrf-token"] = as.session.csrfToken;
    }
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
      headers["content-type"] = options.contentType ?? "application/json";
    }
    const response = await fetch((options.origin ?? this.#url) + path, {
      method,
      headers,
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(20_000),
    });
    const bytes = Buffer.from(await response.arrayBuffer());
    const lines = [...response.headers].map(([name, value]) => `${name}: ${value}`);
    for (const cookie of response.headers.getSetCookie()) lines.push(`set-cookie: ${cookie}`);
    this.exchanges.push({
      route: options.route ?? this.routeOf(method, path),
      label,
      method,
      path,
      status: response.status,
      headers: lines.join("\n"),
      body: bytes,
    });
    const text = bytes.toString("utf8");
    let parsed: unknown;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed, text, headers: response.headers };
  }
}
