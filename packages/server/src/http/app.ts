// Builds the Fastify app: security headers, request ids, authentication, error mapping, OpenAPI, and the routes.
import { randomUUID } from "node:crypto";
import { createServer as createHttpServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import swagger from "@fastify/swagger";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest, LogController } from "fastify";
import type { Logger } from "pino";
import { registerAuditRoutes } from "../audit/audit-routes.ts";
import type { AuditOutcome, AuditService } from "../audit/audit-service.ts";
import { isInstanceAdmin, type Principal, permissionsOn } from "../auth/permissions.ts";
import type { FailureLimiter } from "../auth/rate-limit.ts";
import { registerTokenRoutes } from "../auth/tokens-routes.ts";
import type { TokensService } from "../auth/tokens-service.ts";
import { registerVaultRoutes, VAULT_PREFIX } from "../compat-vault/vault-routes.ts";
import type { VaultServices } from "../compat-vault/vault-services.ts";
import { registerConnectionRoutes } from "../connections/connections-routes.ts";
import type { ConnectionsService } from "../connections/connections-service.ts";
import { ForbiddenError, RateLimitedError, UnauthorizedError, ValidationError } from "../errors.ts";
import type { DataKeyRotation } from "../keys/data-key-rotation.ts";
import { registerKeyRoutes } from "../keys/keys-routes.ts";
import { registerMemberRoutes } from "../members/members-routes.ts";
import type { MembersService } from "../members/members-service.ts";
import { registerProjectRoutes } from "../projects/projects-routes.ts";
import type { ProjectsService } from "../projects/projects-service.ts";
import type { HttpActionService } from "../proxy/http-action-service.ts";
import { registerProxyRoutes } from "../proxy/proxy-routes.ts";
import type { ProxyService } from "../proxy/proxy-service.ts";
import { registerRefsRoutes } from "../refs/refs-routes.ts";
import type { RefsService } from "../refs/refs-service.ts";
import { registerSecretRoutes } from "../secrets/secrets-routes.ts";
import type { SecretsService } from "../secrets/secrets-service.ts";
import { origin, registerUserRoutes } from "../users/users-routes.ts";
import { SESSION_COOKIE, type UsersService } from "../users/users-service.ts";
import { isWellFormedKey, isWellFormedSlug } from "../validation.ts";
import { registerWebRoutes } from "../web/web-routes.ts";
import type { App } from "./app-type.ts";
import { actionOf } from "./audit-actions.ts";
import { describeError, errorBody } from "./errors.ts";
import { lazyChildLogger } from "./request-logger.ts";
import { documentStorageFull } from "./schemas.ts";
import { validatorCompiler } from "./validator.ts";

export type AppDeps = {
  logger: Logger;
  /** Writes the line per request (logger.ts): only the fixed fields of onResponse below go to it. */
  requestLogger: Logger;
  bodyLimitBytes: number;
  /** HTTPS when set: certificate and key (PEM). */
  https?: { cert: Buffer; key: Buffer } | undefined;
  limits?: {
    headerBytes: number;
    jsonDepth: number;
    requestTimeoutMs: number;
    headersTimeoutMs: number;
    keepAliveTimeoutMs: number;
  };
  projects: ProjectsService;
  secrets: SecretsService;
  tokens: TokensService;
  users: UsersService;
  members: MembersService;
  audit: AuditService;
  connections: ConnectionsService;
  refs: RefsService;
  proxy: ProxyService;
  httpActions: HttpActionService;
  tokenLimiter: FailureLimiter;
  keyRotation: DataKeyRotation;
  /** The Vault KV v2-compatible API, served under /vault/v1/. */
  vault: VaultServices;
  ready: () => Promise<void>;
};

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** How deep a parsed JSON value nests, counting no further than `limit + 1`. */
function depthOf(value: unknown, limit: number, depth = 0): number {
  if (depth > limit || value === null || typeof value !== "object") return depth;
  let deepest = depth + 1;
  for (const child of Object.values(value)) {
    deepest = Math.max(deepest, depthOf(child, limit, depth + 1));
    if (deepest > limit) break;
  }
  return deepest;
}

/**
 * A path segment as an audit event records it: only when it is well-formed, since the event lasts and anything else
 * may be a value pasted into the URL.
 */
function wellFormed(segment: string | undefined, check: (text: string) => boolean): string | null {
  return segment !== undefined && check(segment) ? segment : null;
}

const isVaultUrl = (url: string) => url.startsWith(`${VAULT_PREFIX}/v1/`);

function sessionCookie(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === SESSION_COOKIE) return rest.join("=") || undefined;
  }
  return undefined;
}

export async function buildApp(deps: AppDeps): Promise<App> {
  const limits = deps.limits ?? {
    headerBytes: 16 * 1024,
    jsonDepth: 32,
    requestTimeoutMs: 30_000,
    headersTimeoutMs: 10_000,
    keepAliveTimeoutMs: 5_000,
  };
  const app = Fastify({
    // The HTTP(S) server is made here so that Node's own protections get our limits: header size, slow
    // clients (slowloris: headers and whole request within their timeouts), idle keep-alive connections.
    serverFactory: (handler) => {
      const options = {
        maxHeaderSize: limits.headerBytes,
        headersTimeout: limits.headersTimeoutMs,
        requestTimeout: limits.requestTimeoutMs,
        keepAliveTimeout: limits.keepAliveTimeoutMs,
        // How often Node looks for requests past their timeouts (its default, 30 s, is too coarse for slowloris).
        connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(limits.headersTimeoutMs / 2))),
        // Node would answer an HTTP/1.1 request without Host with an empty 400; the onRequest hook refuses it instead,
        // with the error shape.
        requireHostHeader: false,
      };
      return deps.https === undefined
        ? createHttpServer(options, handler)
        : createHttpsServer({ ...options, ...deps.https }, handler);
    },
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    clientErrorHandler: (error: NodeJS.ErrnoException, socket) => {
      const [status, code, message] =
        error.code === "HPE_HEADER_OVERFLOW"
          ? [
              "431 Request Header Fields Too Large",
              "headers_too_large",
              `The request headers are larger than ${limits.headerBytes} bytes`,
            ]
          : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
            ? [
                "408 Request Timeout",
                "request_timeout",
                "The request did not arrive in time; send it at once",
              ]
            : ["400 Bad Request", "bad_request", "The request could not be parsed as HTTP"];
      const body = JSON.stringify(errorBody(code, message));
      if (!socket.writable) {
        socket.destroy();
        return;
      }
      socket.end(
        `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        () => socket.destroy(),
      );
    },
    loggerInstance: deps.logger,
    childLoggerFactory: lazyChildLogger,
    // One line per request is written by the onResponse hook below, with the fields we choose.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.bodyLimitBytes,
    routerOptions: { maxParamLength: 1024 },
    // Router errors (a path that is not valid percent-encoding, an over-long parameter) come before any route and
    // hook: without this they would get Fastify's own body, which quotes the path, instead of the error shape.
    frameworkErrors: (error, request, reply) => {
      const { status, body } = describeError(error, request);
      // The Vault-compatible API answers in Vault's error shape, the one its clients parse.
      void (reply as FastifyReply)
        .status(status)
        .headers({ "cache-control": "no-store", "x-content-type-options": "nosniff" })
        .send(isVaultUrl(request.url) ? { errors: [body.error.message] } : body);
    },
    // A request may name its target in absolute form (`GET http://host/v1/projects`), which a server must accept
    // (RFC 9112, 3.2.2): routed by its path, or it would reach the web UI instead of the API.
    rewriteUrl: (request) =>
      (request.url ?? "/").replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*(?=[/?#]|$)/, "") || "/",
    genReqId: (request) => {
      const incoming = request.headers["x-request-id"];
      return typeof incoming === "string" && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;
  app.setValidatorCompiler(validatorCompiler);
  // JSON bodies: the framework's parser (prototype-poisoning safe), then a nesting limit.
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    parseJson(request, body as string, (error: Error | null, value?: unknown) => {
      if (error !== null) return done(error, undefined);
      if (depthOf(value, limits.jsonDepth) > limits.jsonDepth) {
        return done(
          new ValidationError(undefined, `The JSON body is nested deeper than ${limits.jsonDepth} levels`),
          undefined,
        );
      }
      done(null, value);
    });
  });
  // The path is not repeated: a URL can hold anything a client pasted into it, values included.
  app.setNotFoundHandler((request, reply) => {
    void reply
      .status(404)
      .send(
        errorBody(
          "not_found",
          `No route for ${request.method} at this path; /openapi.json lists the routes of the API`,
        ),
      );
  });
  app.decorateRequest("ctx", undefined as never);

  async function authenticate(request: FastifyRequest): Promise<Principal> {
    const authorization = request.headers.authorization;
    if (authorization !== undefined) {
      const limitKeys = [`token-ip:${request.ip}`];
      deps.tokenLimiter.check(limitKeys);
      try {
        return await deps.tokens.authenticate(authorization);
      } catch (error) {
        // Unknown tokens are guesses; an expired or revoked one is a stale client, not an attack.
        if (error instanceof UnauthorizedError && error.unknownCredential) deps.tokenLimiter.fail(limitKeys);
        throw error;
      }
    }
    const session = sessionCookie(request.headers.cookie);
    if (session !== undefined) {
      const csrf = request.headers["x-csrf-token"];
      return deps.users.authenticateSession(
        session,
        typeof csrf === "string" ? csrf : undefined,
        SAFE_METHODS.has(request.method),
      );
    }
    throw new UnauthorizedError();
  }

  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
    reply.header("cache-control", "no-store");
    reply.header("x-content-type-options", "nosniff");
    reply.header("referrer-policy", "no-referrer");
    if (deps.https !== undefined)
      reply.header("strict-transport-security", "max-age=31536000; includeSubDomains");
    if (request.raw.httpVersion === "1.1" && request.headers.host === undefined) {
      throw new ValidationError(undefined, "An HTTP/1.1 request must carry a Host header");
    }
    if (request.routeOptions.config.public === true) return;
    request.ctx = { ...origin(request), principal: await authenticate(request) };
  });

  /** Refused and failed requests are audit events too; successes are recorded by the services. */
  async function recordFailure(request: FastifyRequest, status: number): Promise<void> {
    if (status < 401 || (status > 404 && status < 500) || !request.url.startsWith("/v1/")) return;
    // Sign-in records its own refusals, with the account it was for.
    if (request.routeOptions.config.public === true) return;
    const outcome: AuditOutcome = status >= 500 ? "error" : "denied";
    const params = (request.params ?? {}) as Record<string, string | undefined>;
    const actor = request.ctx?.principal.actor ?? { type: "anonymous" as const, id: "", name: "" };
    try {
      await deps.audit.record({
        action: actionOf(request.method, request.routeOptions.url),
        outcome,
        actor,
        project: wellFormed(params["project"], isWellFormedSlug),
        environment: wellFormed(params["env"], isWellFormedSlug),
        key: wellFormed(params["key"], isWellFormedKey),
        ...origin(request),
        details: { status },
      });
    } catch (error) {
      request.log.error({ err: { message: (error as Error).message } }, "could not record an audit event");
    }
  }

  app.decorateRequest("auditFailure", function (this: FastifyRequest, status: number) {
    return recordFailure(this, status);
  });

  app.setErrorHandler(async (error: FastifyError | Error, request, reply: FastifyReply) => {
    if (error instanceof RateLimitedError) reply.header("retry-after", String(error.retryAfterSeconds));
    const { status, body } = describeError(error, request);
    // The refusal is durable before the caller hears of it, like every other event.
    await recordFailure(request, status);
    return reply.status(status).send(body);
  });

  // Callback style: nothing here waits, and an async hook would cost a promise on every request.
  app.addHook("onResponse", (request, reply, done) => {
    deps.requestLogger.info(
      {
        reqId: request.id,
        method: request.method,
        route: request.routeOptions.url ?? "(unmatched)",
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 100) / 100,
        actor: request.ctx?.principal.actor.id,
      },
      "request",
    );
    done();
  });

  await app.register(swagger, {
    // Every write can meet a full disk: the document says so for each of them (507, the error shape).
    transform: documentStorageFull,
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Coffer API",
        version: "1",
        description: "Self-hosted secrets manager. Values are write-only except through the reveal routes.",
      },
      components: {
        securitySchemes: {
          bearer: { type: "http", scheme: "bearer", bearerFormat: "coffer_…" },
          session: { type: "apiKey", in: "cookie", name: SESSION_COOKIE },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
  });

  app.get("/openapi.json", { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
  app.get("/healthz", { config: { public: true }, schema: { tags: ["health"], security: [] } }, async () => ({
    status: "ok",
  }));
  app.get(
    "/readyz",
    { config: { public: true }, schema: { tags: ["health"], security: [] } },
    async (_request, reply) => {
      try {
        await deps.ready();
        return { status: "ready" };
      } catch {
        return reply.status(503).send({ status: "unavailable", reason: "the database is not reachable" });
      }
    },
  );

  registerProjectRoutes(app, deps.projects);
  registerSecretRoutes(app, deps.secrets);
  registerTokenRoutes(app, deps.tokens);
  registerUserRoutes(app, deps.users);
  registerMemberRoutes(app, deps.members);
  registerKeyRoutes(app, deps.keyRotation);
  registerConnectionRoutes(app, deps.connections);
  registerRefsRoutes(app, deps.refs);
  registerProxyRoutes(app, { proxy: deps.proxy, httpActions: deps.httpActions });
  registerAuditRoutes(app, {
    audit: deps.audit,
    async authorize(request) {
      const principal = request.ctx.principal;
      const query = request.query as { project?: string };
      if (query.project !== undefined) {
        const project = await deps.projects.visibleProject(principal, query.project);
        if (!permissionsOn(principal, project.id)?.has("audit:read")) {
          throw new ForbiddenError(`Reading the audit log of "${query.project}" needs "audit:read"`, {
            permission: "audit:read",
          });
        }
        return [project.slug];
      }
      if (isInstanceAdmin(principal)) return undefined;
      const readable = (await deps.projects.allProjects())
        .filter((project) => permissionsOn(principal, project.id)?.has("audit:read"))
        .map((project) => project.slug);
      if (readable.length === 0) {
        throw new ForbiddenError('Reading the audit log needs "audit:read" on at least one project', {
          permission: "audit:read",
        });
      }
      return readable;
    },
    async authorizeVerify(request) {
      if (!isInstanceAdmin(request.ctx.principal)) {
        throw new ForbiddenError("Only instance administrators can verify the audit log", {
          permission: "admin",
        });
      }
    },
  });
  await registerVaultRoutes(app, {
    ...deps.vault,
    tokens: deps.tokens,
    tokenLimiter: deps.tokenLimiter,
    audit: deps.audit,
  });
  // Last: the web UI answers every GET path that no API route claims.
  registerWebRoutes(app);
  await app.ready();
  return app;
}
