// The egress proxy: forwards a caller's request to a connection's upstream with the connection's templates
// resolved, and streams the answer back with every value used redacted. The caller never holds a value.
import { type Readable, Transform } from "node:stream";
import type { AuditService } from "../audit/audit-service.ts";
import { auditEvent } from "../audit-events.ts";
import type { RequestContext } from "../auth/permissions.ts";
import type { ConnectionsService, ProxyConnection } from "../connections/connections-service.ts";
import type { ProjectsService, Scope } from "../projects/projects-service.ts";
import type { RefsService, UsedSecret } from "../refs/refs-service.ts";
import { checkPathSpelling } from "./destinations.ts";
import type { EgressClient, UpstreamResponse } from "./egress-client.ts";
import { EgressRefusedError, PayloadTooLargeError } from "./egress-errors.ts";
import { callerResponseHeaders, type HeaderValues, upstreamRequestHeaders } from "./forwarded-headers.ts";
import { createRedactor, type Redactor, usedValues } from "./redactor.ts";
import { bodyDecoders, discardBody, streamThrough } from "./response-body.ts";

export type ProxiedRequest = {
  method: string;
  /** The path below the connection, as the caller wrote it (percent-encoding kept), starting with "/". */
  path: string;
  /** The raw query string without "?", or "". */
  query: string;
  headers: Record<string, string | string[] | undefined>;
  /** The request body stream, for methods that carry one. */
  body: Readable | undefined;
  /** Aborted when the caller goes away. */
  signal: AbortSignal;
};

/**
 * The upstream's answer for the caller: status and headers already redacted; `body` decoded when it must be read
 * to redact, not yet redacted: `redactor` (when a value was used) is applied as the body is relayed.
 * `declaredLength`: the upstream's Content-Length, when it is the length of `body` (nothing was decoded).
 */
export type ProxiedResponse = {
  status: number;
  headers: HeaderValues;
  body: Readable;
  redactor: Redactor | undefined;
  declaredLength: number | undefined;
};

function declaredLength(value: string | string[] | undefined): number | undefined {
  const length = typeof value === "string" ? Number(value) : Number.NaN;
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}

type Deps = {
  projects: ProjectsService;
  connections: ConnectionsService;
  refs: RefsService;
  audit: AuditService;
  egress: EgressClient;
};

const BODILESS = new Set(["GET", "HEAD"]);

function checkRoute(connection: ProxyConnection, method: string, path: string): void {
  if (connection.methods !== null && !connection.methods.has(method)) {
    throw new EgressRefusedError(
      "method_not_allowed",
      `connection "${connection.name}" allows ${[...connection.methods].join(", ")}, not ${method}`,
      { connection: connection.name },
    );
  }
  checkPathSpelling(path);
  if (connection.paths !== null && !connection.paths.some((glob) => glob.test(path))) {
    throw new EgressRefusedError(
      "path_not_allowed",
      `the path is not among the paths connection "${connection.name}" allows (see its "paths")`,
      { connection: connection.name },
    );
  }
}

type OutgoingBody = { stream: Readable | undefined; overLimit: () => boolean };

/** Counts the bytes of a body of unknown length and fails the upload once it passes the limit. */
function limitedBody(body: Readable, maxBytes: number): OutgoingBody {
  let seen = 0;
  const limiter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      done(seen > maxBytes ? new PayloadTooLargeError(maxBytes) : null, chunk);
    },
  });
  // The failure reaches the caller through the upload's rejection (see overLimit), not as a stray event.
  limiter.on("error", () => undefined);
  body.on("error", (error) => limiter.destroy(error));
  return { stream: body.pipe(limiter), overLimit: () => seen > maxBytes };
}

const NO_BODY: OutgoingBody = { stream: undefined, overLimit: () => false };

function requestBody(request: ProxiedRequest, maxBytes: number): OutgoingBody {
  if (request.body === undefined || BODILESS.has(request.method)) return NO_BODY;
  const declared = request.headers["content-length"];
  if (typeof declared === "string") {
    if (Number(declared) > maxBytes) throw new PayloadTooLargeError(maxBytes);
    return { stream: request.body, overLimit: () => false };
  }
  return request.headers["transfer-encoding"] === undefined ? NO_BODY : limitedBody(request.body, maxBytes);
}

/**
 * Spelled the same before and after the URL setters (WHATWG URL, special schemes): a path or query made only of these
 * characters is neither percent-encoded nor otherwise rewritten by them. Dot segments, which the path setter would
 * resolve, were refused before (checkPathSpelling); "?" is left to the setters, since the search setter drops one at
 * the start of a query. upstream-path.test.ts checks both ways against the setters.
 */
const PLAIN_PATH = /^[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/;
const PLAIN_QUERY = /^[A-Za-z0-9\-._~!$&()*+,;=:@%/]*$/;

/**
 * Base URL path + the caller's path; the caller's query minus names the connection sets, then the connection's.
 * Most requests are joined as strings; anything the URL setters would re-spell goes through them.
 */
export function upstreamPath(
  connection: Pick<ProxyConnection, "baseUrl" | "basePath">,
  request: Pick<ProxiedRequest, "path" | "query">,
  query: Record<string, string>,
): string {
  const names = Object.keys(query);
  if (names.length === 0 && PLAIN_PATH.test(request.path) && PLAIN_QUERY.test(request.query)) {
    return `${connection.basePath}${request.path}${request.query === "" ? "" : `?${request.query}`}`;
  }
  const url = new URL(connection.baseUrl);
  url.pathname = `${connection.basePath}${request.path}`;
  if (names.length === 0) {
    url.search = request.query;
  } else {
    const params = new URLSearchParams(request.query);
    for (const name of names) params.delete(name);
    for (const [name, value] of Object.entries(query)) params.append(name, value);
    url.search = params.toString();
  }
  return `${url.pathname}${url.search}`;
}

/**
 * Settles after the check phase of the event loop's next turn. undici writes a request on a reused keep-alive
 * connection from a setImmediate that it queues (in a microtask) when the request is dispatched, after its check
 * that the upstream has not closed the idle connection (GHSA-35p6-xmwp-9g52): waiting for this after a dispatch
 * lets that write go first.
 */
function afterUpstreamWrite(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

export function createProxyService({ projects, connections, refs, audit, egress }: Deps) {
  function recordUses(
    ctx: RequestContext,
    scope: Scope,
    connection: string,
    method: string,
    used: UsedSecret[],
  ) {
    return Promise.all(
      used.map((secret) =>
        audit.record(
          auditEvent(ctx, "secret.use", {
            project: scope.project.slug,
            environment: scope.environment.slug,
            key: secret.key,
            version: secret.version,
            details: { via: "proxy", connection, method },
          }),
        ),
      ),
    );
  }

  return {
    async forward(
      ctx: RequestContext,
      projectSlug: string,
      envSlug: string,
      connectionName: string,
      request: ProxiedRequest,
    ): Promise<ProxiedResponse> {
      const scope = await projects.resolveScope(ctx.principal, projectSlug, envSlug, "secrets:use");
      const connection = await connections.forProxy(scope.project, connectionName);
      checkRoute(connection, request.method, request.path);
      const body = requestBody(request, connection.maxBodyBytes);

      const opened = await refs.openForUse(scope, connection.template.secrets);
      const resolved = connection.template.resolveWith(opened.values) as {
        headers: Record<string, string>;
        query: Record<string, string>;
      };
      const target = {
        origin: connection.origin,
        host: connection.host,
        path: upstreamPath(connection, request, resolved.query),
      };
      const sending = egress
        .send({
          target,
          method: request.method,
          headers: upstreamRequestHeaders(request.headers, resolved.headers),
          body: body.stream,
          timeoutMs: connection.timeoutMs,
          signal: request.signal,
        })
        .catch((error: unknown) => {
          throw body.overLimit() ? new PayloadTooLargeError(connection.maxBodyBytes) : error;
        });
      // What only the answer needs (the audit events of the uses, the redactor) is done while the request travels,
      // once it has been written: under a burst, every request's write waits for the whole turn (see
      // afterUpstreamWrite), so work done before it delays all of them. The answer starts only once the uses are
      // durable, and a failure is reported only after them, so the events stay in order.
      const answerNeeds = afterUpstreamWrite().then(() => ({
        recorded: recordUses(ctx, scope, connection.name, request.method, opened.secrets),
        redactor: createRedactor(usedValues(connection.template.secrets, opened.values)),
      }));
      const recorded = answerNeeds.then((needs) => needs.recorded);
      // Awaited below on every path; until then a failure must not count as an unhandled rejection.
      recorded.catch(() => undefined);
      let response: UpstreamResponse;
      try {
        response = await sending;
      } catch (error) {
        await recorded.catch(() => undefined);
        throw error;
      }
      try {
        const { redactor } = await answerNeeds;
        await recorded;
        const { decoders, decoded } = bodyDecoders(response.headers["content-encoding"], redactor);
        const headers = callerResponseHeaders(response.headers, { redactor, servedFromCofferOrigin: true });
        if (decoded) delete headers["content-encoding"];
        return {
          status: response.statusCode,
          headers,
          body: streamThrough(response.body, decoders),
          redactor,
          declaredLength: decoded ? undefined : declaredLength(response.headers["content-length"]),
        };
      } catch (error) {
        discardBody(response.body);
        throw error;
      }
    },
  };
}

export type ProxyService = ReturnType<typeof createProxyService>;
