// The HTTP request action: sends one request whose URL path, query, headers or body hold references, only to a
// destination that every referenced secret allows, and returns the (redacted) answer. Redirects are returned.
import { TextDecoder } from "node:util";
import type { AuditService } from "../audit/audit-service.ts";
import { auditEvent } from "../audit-events.ts";
import type { RequestContext } from "../auth/permissions.ts";
import { HEADER_NAME_RULE, PROXY_METHODS } from "../connections/connection-rules.ts";
import { ValidationError } from "../errors.ts";
import type { ProjectsService } from "../projects/projects-service.ts";
import type { JsonValue, ReferenceOccurrence } from "../refs/index.ts";
import { compileRequestTemplate, type RefsService } from "../refs/refs-service.ts";
import { checkDestinationBinding, type EgressPolicy, parseEgressUrl, targetLabel } from "./destinations.ts";
import { type EgressClient, targetOf } from "./egress-client.ts";
import { EgressRefusedError } from "./egress-errors.ts";
import { callerResponseHeaders, type HeaderValues } from "./forwarded-headers.ts";
import { createRedactor, usedValues } from "./redactor.ts";
import { bodyTransforms, collectBody, discardBody } from "./response-body.ts";

export type HttpActionInput = {
  method: string;
  url: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  /** A string is sent as is; any other JSON value is sent as JSON. */
  body?: unknown;
  timeoutMs?: number;
};

export type HttpActionResult = {
  status: number;
  headers: HeaderValues;
  body: string;
  bodyEncoding: "utf8" | "base64";
};

type Deps = {
  projects: ProjectsService;
  refs: RefsService;
  audit: AuditService;
  egress: EgressClient;
  policy: EgressPolicy;
};

export const HTTP_ACTION_LIMITS = {
  timeoutMs: { min: 1000, max: 300_000, default: 30_000 },
  responseBytes: 10 * 1024 * 1024,
  headers: 64,
} as const;

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Set from the request itself, or hop-by-hop: the caller cannot choose them. */
const RESERVED_HEADERS = new Set([
  "host",
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "upgrade",
  "expect",
  "accept-encoding",
  "proxy-authorization",
]);

type Parts = {
  url: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  body?: JsonValue;
};

/** Where the authority of a URL template ends: references before that point would choose the host. */
function authorityEnd(url: string): number {
  const schemeEnd = url.indexOf("://");
  const start = schemeEnd === -1 ? 0 : schemeEnd + 3;
  const end = url.slice(start).search(/[/\\?#]/);
  return end === -1 ? url.length : start + end;
}

function checkNoReferenceInHost(url: string, references: readonly ReferenceOccurrence[]): void {
  const end = authorityEnd(url);
  const inHost = references.find((ref) => ref.location.path[0] === "url" && ref.location.offset < end);
  if (inHost !== undefined) {
    throw new EgressRefusedError(
      "reference_in_host",
      `the URL's scheme or host holds the reference ${inHost.raw}; references may appear in its path and query only, so that the destination is known before any value is read`,
    );
  }
}

function checkHeaders(headers: Record<string, string>): void {
  if (Object.keys(headers).length > HTTP_ACTION_LIMITS.headers) {
    throw new ValidationError("headers", `At most ${HTTP_ACTION_LIMITS.headers} headers`);
  }
  for (const name of Object.keys(headers)) {
    if (!HEADER_NAME.test(name))
      // Not quoted: a malformed name is often a whole "Name: value" line pasted, value included.
      throw new ValidationError("headers", HEADER_NAME_RULE);
    if (RESERVED_HEADERS.has(name.toLowerCase())) {
      throw new ValidationError(
        "headers",
        `The "${name.toLowerCase()}" header is set by Coffer and cannot be given`,
      );
    }
  }
}

function encodeBody(body: JsonValue | undefined, headers: Record<string, string>): string | undefined {
  if (body === undefined) return undefined;
  if (typeof body === "string") return body;
  if (!Object.keys(headers).some((name) => name.toLowerCase() === "content-type")) {
    headers["content-type"] = "application/json";
  }
  return JSON.stringify(body);
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function describeBody(bytes: Buffer): Pick<HttpActionResult, "body" | "bodyEncoding"> {
  try {
    return { body: utf8.decode(bytes), bodyEncoding: "utf8" };
  } catch {
    return { body: bytes.toString("base64"), bodyEncoding: "base64" };
  }
}

export function createHttpActionService({ projects, refs, audit, egress, policy }: Deps) {
  return {
    async send(
      ctx: RequestContext,
      projectSlug: string,
      envSlug: string,
      input: HttpActionInput,
    ): Promise<HttpActionResult> {
      const method = input.method.toUpperCase();
      if (!(PROXY_METHODS as readonly string[]).includes(method)) {
        throw new ValidationError(
          "method",
          `Unknown method "${input.method.slice(0, 20)}": use ${PROXY_METHODS.join(", ")}`,
        );
      }
      if (input.body !== undefined && (method === "GET" || method === "HEAD")) {
        throw new ValidationError("body", `A ${method} request cannot have a body`);
      }
      const timeoutMs = input.timeoutMs ?? HTTP_ACTION_LIMITS.timeoutMs.default;
      const { min, max } = HTTP_ACTION_LIMITS.timeoutMs;
      if (!Number.isInteger(timeoutMs) || timeoutMs < min || timeoutMs > max) {
        throw new ValidationError("timeoutMs", `timeoutMs must be a whole number from ${min} to ${max}`);
      }
      checkHeaders(input.headers ?? {});
      const parts: Parts = { url: input.url, headers: input.headers ?? {}, query: input.query ?? {} };
      if (input.body !== undefined) parts.body = input.body as JsonValue;
      const template = compileRequestTemplate(parts);
      if (template.secrets.length === 0) {
        throw new ValidationError(
          "url",
          "The request references no secret: the HTTP action is for requests that use secrets; call the destination directly",
        );
      }
      checkNoReferenceInHost(input.url, template.references);

      const scope = await projects.resolveScope(ctx.principal, projectSlug, envSlug, "secrets:use");
      const opened = await refs.openForUse(scope, template.secrets);
      const resolved = template.resolveWith(opened.values) as Parts;
      const target = parseEgressUrl(resolved.url, policy);
      checkDestinationBinding(target, opened.secrets);
      for (const [name, value] of Object.entries(resolved.query)) target.url.searchParams.append(name, value);
      const headers = { ...resolved.headers };
      const body = encodeBody(resolved.body, headers);
      headers["accept-encoding"] = "identity";

      const destination = targetLabel(target);
      const recorded = Promise.all(
        opened.secrets.map((secret) =>
          audit.record(
            auditEvent(ctx, "secret.use", {
              project: scope.project.slug,
              environment: scope.environment.slug,
              key: secret.key,
              version: secret.version,
              details: { via: "http", destination, method },
            }),
          ),
        ),
      );
      recorded.catch(() => undefined);
      const response = await egress.send({ target: targetOf(target.url), method, headers, body, timeoutMs });
      try {
        await recorded;
        const redactor = createRedactor(usedValues(template.secrets, opened.values));
        const { transforms, decoded } = bodyTransforms(response.headers["content-encoding"], redactor);
        const bytes = await collectBody(response.body, transforms, HTTP_ACTION_LIMITS.responseBytes);
        const responseHeaders = callerResponseHeaders(response.headers, {
          redactor,
          servedFromCofferOrigin: false,
        });
        if (decoded) delete responseHeaders["content-encoding"];
        return { status: response.statusCode, headers: responseHeaders, ...describeBody(bytes) };
      } catch (error) {
        discardBody(response.body);
        throw error;
      }
    },
  };
}

export type HttpActionService = ReturnType<typeof createHttpActionService>;
