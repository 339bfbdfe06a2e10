// The Vault-compatible API under /vault/v1/: one catch-all route that reads a request the way Vault's HTTP layer does
// (method → operation, LIST, ?list=, tokens in X-Vault-Token), dispatches it, and answers in Vault's format.
//
// The routes are hidden from /openapi.json: their contract is Vault's (docs/vault-compat.md), not Coffer's, and one
// catch-all route says nothing an OpenAPI client could use.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AuditOutcome, AuditService } from "../audit/audit-service.ts";
import type { RequestContext, TokenPrincipal } from "../auth/permissions.ts";
import type { FailureLimiter } from "../auth/rate-limit.ts";
import type { TokensService } from "../auth/tokens-service.ts";
import { CofferError, RateLimitedError, UnauthorizedError } from "../errors.ts";
import type { App } from "../http/app-type.ts";
import {
  isStorageFull,
  isUnstorableInput,
  STORAGE_FULL_MESSAGE,
  UNSTORABLE_INPUT_MESSAGES,
} from "../store/errors.ts";
import { origin } from "../users/users-routes.ts";
import { isWellFormedKey, isWellFormedSlug } from "../validation.ts";
import { LIST_MARKER_HEADER } from "./list-method-shim.ts";
import {
  type AuthenticatedCall,
  noHandler,
  type Operation,
  permissionDenied,
  type VaultCall,
  type VaultReply,
} from "./vault-http.ts";
import { handleKv } from "./vault-kv-routes.ts";
import type { VaultServices } from "./vault-services.ts";
import { handleAuth, handleSys, health, listUiMounts, sealStatus } from "./vault-sys-routes.ts";
import { badRequest, parseGoBool, VaultHttpError } from "./vault-wire.ts";

export const VAULT_PREFIX = "/vault";
const API_ROOT = `${VAULT_PREFIX}/v1/`;

export type VaultRoutesDeps = VaultServices & {
  tokens: TokensService;
  tokenLimiter: FailureLimiter;
  audit: AuditService;
};

/** The call each request was read as, for the audit event of a refusal. */
const calls = new WeakMap<FastifyRequest, VaultCall>();

const OPERATIONS: Record<string, Operation> = {
  GET: "read",
  HEAD: "header",
  POST: "update",
  PUT: "update",
  PATCH: "patch",
  DELETE: "delete",
};

/** Reads method, path and query as Vault's `buildLogicalRequestNoAuth` does. */
function readCall(request: FastifyRequest): VaultCall {
  const url = request.url;
  const queryAt = url.indexOf("?");
  let path: string;
  try {
    path = decodeURIComponent(url.slice(API_ROOT.length, queryAt === -1 ? undefined : queryAt));
  } catch {
    throw badRequest("the request path is not valid percent-encoding");
  }
  const query = new URLSearchParams(queryAt === -1 ? "" : url.slice(queryAt + 1));
  let operation = OPERATIONS[request.method];
  if (operation === undefined) throw new VaultHttpError(405, []);
  if (request.headers[LIST_MARKER_HEADER] !== undefined) operation = "list";
  const list = query.get("list");
  if (operation === "read" && list !== null && list !== "") {
    const listing = parseGoBool(list);
    if (listing === undefined) throw new VaultHttpError(400, []);
    if (listing) operation = "list";
  }
  query.delete("list");
  if (operation === "list" && !path.endsWith("/")) path += "/";
  const body = request.body;
  if (body !== undefined && body !== null && (typeof body !== "object" || Array.isArray(body))) {
    throw badRequest("the request body must be a JSON object");
  }
  const contentType = request.headers["content-type"] ?? "";
  return {
    operation,
    path,
    query,
    body: (body ?? undefined) as Record<string, unknown> | undefined,
    contentType,
    requestId: String(request.id),
  };
}

/** The token from X-Vault-Token, else from `Authorization: Bearer`. */
function presentedToken(request: FastifyRequest): string | undefined {
  const header = request.headers["x-vault-token"];
  if (typeof header === "string" && header !== "") return header.trim();
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? "");
  return match?.[1];
}

function send(request: FastifyRequest, reply: FastifyReply, answer: VaultReply) {
  void reply
    .status(answer.status)
    .header("content-type", "application/json")
    .header("cache-control", "no-store");
  if (answer.body === undefined || answer.status === 204 || request.method === "HEAD") return reply.send();
  // A Buffer, so that the Content-Type stays exactly Vault's (a string would gain "; charset=utf-8").
  return reply.send(Buffer.from(`${JSON.stringify(answer.body)}\n`));
}

/** The audit action a refused or failed request stood for. */
function actionOf(call: VaultCall | undefined): string {
  if (call === undefined) return "request";
  const rest = call.path.split("/").slice(2).join("/");
  const root = rest.split("/")[0];
  if (root === "data") {
    return (
      { read: "secret.reveal", delete: "secret.version_delete" }[call.operation as string] ?? "secret.update"
    );
  }
  if (root === "metadata") {
    return (
      { read: "secret.read", list: "secret.list", delete: "secret.delete" }[call.operation as string] ??
      "secret.update"
    );
  }
  if (root === "delete" || root === "undelete" || root === "destroy") return `secret.version_${root}`;
  return "request";
}

export async function registerVaultRoutes(app: App, deps: VaultRoutesDeps): Promise<void> {
  async function authenticate(request: FastifyRequest, token: string | undefined): Promise<TokenPrincipal> {
    if (token === undefined) throw permissionDenied();
    const limitKeys = [`token-ip:${request.ip}`];
    deps.tokenLimiter.check(limitKeys);
    try {
      return await deps.tokens.authenticate(`Bearer ${token}`);
    } catch (error) {
      // Unknown tokens are guesses; an expired or revoked one is a stale client, not an attack.
      if (error instanceof UnauthorizedError && error.unknownCredential) deps.tokenLimiter.fail(limitKeys);
      throw error;
    }
  }

  async function dispatch(request: FastifyRequest, call: VaultCall): Promise<VaultReply> {
    if (call.path === "sys/health") return health(call, new Date());
    if (call.path === "sys/seal-status") return sealStatus(call);
    const token = presentedToken(request);
    if (call.path === "sys/internal/ui/mounts" || call.path === "sys/internal/ui/mounts/") {
      // Unauthenticated; a valid token adds the mounts it can see.
      const principal =
        token === undefined ? undefined : await authenticate(request, token).catch(() => undefined);
      return listUiMounts(call, principal && { ...origin(request), principal }, deps.system);
    }
    const principal = await authenticate(request, token);
    const ctx: RequestContext = { ...origin(request), principal };
    request.ctx = ctx;
    const authenticated: AuthenticatedCall = { ...call, ctx };
    const [first, second] = call.path.split("/");
    if (first === "sys") return handleSys(authenticated, deps.system);
    if (first === "auth") return handleAuth(authenticated, token!, deps.system);
    const mount = first && second ? await deps.system.findMount(ctx, first, second) : undefined;
    if (mount === undefined) throw noHandler(call.path);
    return handleKv(authenticated, mount, call.path.slice(mount.path.length), deps);
  }

  /** Vault's error bodies for every failure, and the same audit events as Coffer's routes for refusals. */
  async function fail(request: FastifyRequest, reply: FastifyReply, error: FastifyError | Error) {
    const { status, errors } = describeFailure(request, error);
    if (error instanceof RateLimitedError) void reply.header("retry-after", String(error.retryAfterSeconds));
    if (status === 403 || status === 404 || status >= 500) {
      await recordFailure(request, status >= 500 ? "error" : "denied", status);
    }
    return send(request, reply, { status, body: { errors } });
  }

  async function recordFailure(request: FastifyRequest, outcome: AuditOutcome, status: number) {
    const call = calls.get(request);
    const [project, environment, , ...rest] = call?.path.split("/") ?? [];
    const key = rest.join("/");
    // Only well-formed names are recorded: the event lasts, and a path can hold a value pasted into it.
    const slug = (text: string | undefined) => (text !== undefined && isWellFormedSlug(text) ? text : null);
    try {
      await deps.audit.record({
        action: actionOf(call),
        outcome,
        actor: request.ctx?.principal.actor ?? { type: "anonymous", id: "", name: "" },
        project: slug(project),
        environment: slug(environment),
        // A list operation's path ends in "/".
        key: isWellFormedKey(key.replace(/\/$/, "")) ? key : null,
        ...origin(request),
        details: { status },
      });
    } catch (auditError) {
      request.log.error(
        { err: { message: (auditError as Error).message } },
        "could not record an audit event",
      );
    }
  }

  await app.register(async (scope: FastifyInstance) => {
    // Vault reads bodies as JSON whatever their Content-Type (the Go client sends none), and allows none at all.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", { parseAs: "buffer" }, (request, body: Buffer, done) => {
      if (body.length === 0) return done(null, undefined);
      const text = body.toString("utf8");
      const form = /^application\/x-www-form-urlencoded/i.test(request.headers["content-type"] ?? "");
      if (form && !/^\s*[{[]/.test(text)) return done(null, Object.fromEntries(new URLSearchParams(text)));
      try {
        done(null, JSON.parse(text));
      } catch {
        // Never the parser's own message: it can quote the body.
        done(badRequest("failed to parse JSON input: the request body is not valid JSON"), undefined);
      }
    });
    scope.setErrorHandler((error, request, reply) => fail(request, reply, error as Error));
    scope.route({
      method: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
      url: `${API_ROOT}*`,
      exposeHeadRoute: false,
      config: { public: true },
      schema: { hide: true },
      async handler(request, reply) {
        const call = readCall(request);
        calls.set(request, call);
        return send(request, reply, await dispatch(request, call));
      },
    });
  });
}

function describeFailure(
  request: FastifyRequest,
  error: FastifyError | Error,
): { status: number; errors: string[] } {
  if (error instanceof VaultHttpError) return { status: error.status, errors: error.errors };
  if (error instanceof CofferError) {
    switch (error.code) {
      case "validation_error":
        return { status: 400, errors: [error.message] };
      case "unauthorized":
      case "forbidden":
        return { status: 403, errors: ["permission denied", error.message] };
      case "not_found":
        return { status: 404, errors: [] };
      case "conflict":
      case "limit_reached":
        return { status: 409, errors: [error.message] };
      case "payload_too_large":
        return { status: 413, errors: [error.message] };
      case "rate_limited":
        return { status: 429, errors: [error.message] };
      default:
        request.log.error({ code: error.code, message: error.message }, "vault request failed");
        return { status: 500, errors: [error.message] };
    }
  }
  if (isStorageFull(error)) {
    request.log.error({ code: "storage_full" }, "the database is out of space; the request was rolled back");
    return { status: 507, errors: [STORAGE_FULL_MESSAGE] };
  }
  const unstorable = isUnstorableInput(error);
  if (unstorable !== undefined) return { status: 400, errors: [UNSTORABLE_INPUT_MESSAGES[unstorable]] };
  const fastifyError = error as FastifyError;
  if (fastifyError.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
    return { status: 413, errors: ["the request body is larger than the server accepts"] };
  }
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500) return { status, errors: [] };
  request.log.error(
    { err: { type: error.name, message: error.message, stack: error.stack } },
    "unexpected error",
  );
  return { status: 500, errors: [`internal error; quote request id ${request.id} when reporting it`] };
}
