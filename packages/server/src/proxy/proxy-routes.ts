// HTTP routes of egress: the streaming proxy `ANY /v1/proxy/{project}/{env}/{connection}/{path…}` and the HTTP
// request action `POST …/environments/{env}/http`.
import type { OutgoingHttpHeaders } from "node:http";
import { Type } from "typebox";
import { PROXY_METHODS } from "../connections/connection-rules.ts";
import type { App } from "../http/app-type.ts";
import { describeError } from "../http/errors.ts";
import { EnvParams, errorResponses, strictObject } from "../http/schemas.ts";
import { UpstreamError } from "./egress-errors.ts";
import type { HeaderValues } from "./forwarded-headers.ts";
import { HTTP_ACTION_LIMITS, type HttpActionService } from "./http-action-service.ts";
import type { ProxyService } from "./proxy-service.ts";
import { discardBody, relayAnswer } from "./response-body.ts";

/** Proxied responses come from Coffer's origin: a browser must not run them as Coffer's pages. */
const PROXY_CSP = "sandbox; default-src 'none'";
const NO_BODY_STATUSES = new Set([204, 304]);

const ProxyParams = Type.Object({
  project: Type.String({ description: "Project slug" }),
  env: Type.String({ description: "Environment slug: where the connection's references are resolved" }),
  connection: Type.String({ description: "Connection name" }),
  "*": Type.String({ description: "The path below the connection's base URL (its query string follows)" }),
});

const HeaderMap = Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())]));

const HttpActionBody = Type.Object(
  {
    method: Type.String({ description: PROXY_METHODS.join(", ") }),
    url: Type.String({
      maxLength: 8192,
      description: "https URL; references may appear in its path and query, never in its host",
    }),
    headers: Type.Optional(Type.Record(Type.String(), Type.String(), { description: "Name → template" })),
    query: Type.Optional(
      Type.Record(Type.String(), Type.String(), { description: "Name → template, appended" }),
    ),
    body: Type.Optional(
      Type.Unknown({
        description: "A string template sent as is, or a JSON template sent as application/json",
      }),
    ),
    timeoutMs: Type.Optional(
      Type.Integer({
        description: `Longest wait for the answer's headers and between its chunks (default ${HTTP_ACTION_LIMITS.timeoutMs.default})`,
      }),
    ),
  },
  strictObject,
);

const HttpActionResult = Type.Object(
  {
    status: Type.Integer({ description: "The upstream's status (a redirect is returned, not followed)" }),
    headers: HeaderMap,
    body: Type.String(),
    bodyEncoding: Type.Union([Type.Literal("utf8"), Type.Literal("base64")]),
  },
  { description: "The upstream's answer with every value used replaced by [REDACTED:NAME]" },
);

/** The upstream's headers (already filtered and redacted) with those Coffer sets on every proxied answer. */
function proxiedHeaders(headers: HeaderValues): HeaderValues {
  return {
    ...headers,
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "content-security-policy": PROXY_CSP,
  };
}

/** The path below the connection and the query, exactly as the caller sent them (no decoding). */
export function splitProxiedUrl(rawUrl: string): { path: string; query: string } {
  const queryStart = rawUrl.indexOf("?");
  const rawPath = queryStart === -1 ? rawUrl : rawUrl.slice(0, queryStart);
  let at = 0;
  // "/v1", "/proxy", "/{project}", "/{env}", "/{connection}": the path below starts at the fifth slash after the first.
  for (let slash = 0; slash < 5 && at !== -1; slash++) at = rawPath.indexOf("/", at + 1);
  return {
    path: at === -1 ? "/" : rawPath.slice(at),
    query: queryStart === -1 ? "" : rawUrl.slice(queryStart + 1),
  };
}

export function registerProxyRoutes(
  app: App,
  deps: { proxy: ProxyService; httpActions: HttpActionService },
): void {
  // Its own context: no JSON parsing or body limit here, the body streams to the upstream as it arrives.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", (_request, _payload, done) => done(null, undefined));
    scope.route({
      method: [...PROXY_METHODS],
      url: "/v1/proxy/:project/:env/:connection/*",
      exposeHeadRoute: false,
      schema: {
        tags: ["proxy"],
        summary:
          "Forward a request to a connection's upstream (needs secrets:use); the answer streams back redacted",
        params: ProxyParams,
        response: errorResponses(401, 403, 404, 413, 502, 504),
      },
      handler: async (request, reply) => {
        const { project, env, connection } = request.params as {
          project: string;
          env: string;
          connection: string;
        };
        const aborter = new AbortController();
        reply.raw.once("close", () => {
          if (!reply.raw.writableFinished) aborter.abort();
        });
        const response = await deps.proxy.forward(request.ctx, project, env, connection, {
          method: request.method,
          ...splitProxiedUrl(request.raw.url ?? "/"),
          headers: request.headers,
          body: request.raw,
          signal: aborter.signal,
        });
        if (request.method === "HEAD" || NO_BODY_STATUSES.has(response.status)) {
          discardBody(response.body);
          return reply.status(response.status).headers(proxiedHeaders(response.headers)).send();
        }
        // The body goes straight to the socket, redacted chunk by chunk (Fastify's stream handling would add a
        // pipe and its listeners to every proxied request). The response hooks still run when it finishes.
        reply.hijack();
        const headers = {
          ...(reply.getHeaders() as OutgoingHttpHeaders),
          ...proxiedHeaders(response.headers),
        };
        const answer = {
          status: response.status,
          headers,
          body: response.body,
          redactor: response.redactor?.createStreamRedactor(),
          declaredLength: response.declaredLength,
        };
        relayAnswer(answer, reply.raw, (error, answered) => {
          const code = (error as NodeJS.ErrnoException).code;
          if (answered) {
            request.log.warn({ code }, "the upstream's answer broke off; the caller's connection was closed");
            return;
          }
          const failure =
            code === "UND_ERR_BODY_TIMEOUT"
              ? new UpstreamError("upstream_timeout", "The upstream sent its headers, then nothing in time")
              : new UpstreamError(
                  "upstream_unavailable",
                  "The upstream's answer broke off before any of its body could be relayed",
                );
          const { status, body } = describeError(failure, request);
          const text = JSON.stringify(body);
          // Like every other failure, it is in the audit log before the caller hears of it.
          void request.auditFailure(status).then(() => {
            reply.raw.writeHead(status, {
              ...(reply.getHeaders() as OutgoingHttpHeaders),
              "content-type": "application/json; charset=utf-8",
              "content-length": Buffer.byteLength(text),
            });
            reply.raw.end(text);
          });
        });
        return reply;
      },
    });
  });

  app.post(
    "/v1/projects/:project/environments/:env/http",
    {
      schema: {
        tags: ["proxy"],
        summary:
          "Send an HTTP request holding references, to a destination every referenced secret allows (needs secrets:use)",
        params: EnvParams,
        body: HttpActionBody,
        response: { 200: HttpActionResult, ...errorResponses(400, 401, 403, 404, 502, 504) },
      },
    },
    async (request) => {
      const { project, env } = request.params;
      return deps.httpActions.send(request.ctx, project, env, request.body);
    },
  );
}
