// HTTP routes for the audit log: filtered, paginated listing and chain verification.
import type { FastifyRequest } from "fastify";
import { Type } from "typebox";
import type { App } from "../http/app-type.ts";
import { errorResponses, strictObject } from "../http/schemas.ts";
import {
  type AuditFilter,
  type AuditService,
  MAX_AUDIT_PAGE,
  type StoredAuditEvent,
} from "./audit-service.ts";

const DEFAULT_PAGE = 100;

const Nullable = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Integer>>(schema: T) =>
  Type.Union([schema, Type.Null()]);

const Outcome = Type.Union([Type.Literal("success"), Type.Literal("denied"), Type.Literal("error")]);

const AuditEventBody = Type.Object(
  {
    seq: Type.Integer({ description: "Position in the chain, from 1, without gaps" }),
    id: Type.String(),
    time: Type.String({ format: "date-time" }),
    actor: Type.Object({
      type: Type.Union([
        Type.Literal("token"),
        Type.Literal("user"),
        Type.Literal("system"),
        Type.Literal("anonymous"),
      ]),
      id: Type.String(),
      name: Type.String(),
    }),
    action: Type.String({ description: 'e.g. "secret.reveal", "auth.login", "token.revoke"' }),
    outcome: Outcome,
    project: Nullable(Type.String()),
    environment: Nullable(Type.String()),
    key: Nullable(Type.String()),
    version: Nullable(Type.Integer()),
    requestId: Nullable(Type.String()),
    sourceIp: Nullable(Type.String()),
    userAgent: Nullable(Type.String()),
    details: Type.Record(
      Type.String(),
      Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]),
      {
        description: "Non-secret facts about the action; never a value",
      },
    ),
    hash: Type.String({ description: "HMAC-SHA256 of the event's canonical form, keyed by the instance" }),
    prevHash: Type.String({ description: "The previous event's hash" }),
  },
  { description: "An audit event" },
);

const AuditQuery = Type.Object(
  {
    project: Type.Optional(Type.String({ description: "Project slug" })),
    environment: Type.Optional(Type.String({ description: "Environment slug" })),
    key: Type.Optional(Type.String({ description: "Secret key" })),
    actor: Type.Optional(Type.String({ description: "Actor id or name" })),
    action: Type.Optional(Type.String()),
    outcome: Type.Optional(Outcome),
    since: Type.Optional(Type.String({ format: "date-time", description: "Events at or after this time" })),
    until: Type.Optional(Type.String({ format: "date-time", description: "Events before this time" })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_AUDIT_PAGE, default: DEFAULT_PAGE })),
    cursor: Type.Optional(Type.String({ description: "nextCursor of the previous page" })),
  },
  strictObject,
);

const VerifyResultBody = Type.Object(
  {
    ok: Type.Boolean(),
    checked: Type.Integer({ description: "Events whose link was verified" }),
    brokenAt: Type.Optional(
      Type.Object({
        seq: Type.Integer(),
        id: Nullable(Type.String()),
        reason: Type.String({
          description:
            'e.g. "event was altered", "an event before it was removed", "events were reordered", "events were removed from the end"',
        }),
      }),
    ),
  },
  { description: "The result of walking the whole chain; brokenAt names the first broken link" },
);

export type AuditRouteDeps = {
  audit: AuditService;
  /** Throws the right 401/403, or returns the project slugs the caller may read (undefined: all). */
  authorize: (request: FastifyRequest) => Promise<AuditFilter["projects"]>;
  /** Throws unless the caller is an instance admin. */
  authorizeVerify: (request: FastifyRequest) => Promise<void>;
};

function toBody(event: StoredAuditEvent) {
  return {
    seq: event.seq,
    id: event.id,
    time: event.time,
    actor: event.actor,
    action: event.action,
    outcome: event.outcome,
    project: event.project ?? null,
    environment: event.environment ?? null,
    key: event.key ?? null,
    version: event.version ?? null,
    requestId: event.requestId ?? null,
    sourceIp: event.sourceIp ?? null,
    userAgent: event.userAgent ?? null,
    details: event.details ?? {},
    hash: event.hash,
    prevHash: event.prevHash,
  };
}

export function registerAuditRoutes(app: App, deps: AuditRouteDeps): void {
  const tags = ["audit"];
  app.get(
    "/v1/audit",
    {
      schema: {
        tags,
        querystring: AuditQuery,
        response: {
          200: Type.Object({
            events: Type.Array(AuditEventBody, { description: "Newest first" }),
            nextCursor: Nullable(Type.String()),
          }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const projects = await deps.authorize(request);
      const { limit, cursor, ...filter } = request.query;
      const page = await deps.audit.list(
        { ...filter, projects },
        { limit: limit ?? DEFAULT_PAGE, ...(cursor === undefined ? {} : { cursor }) },
      );
      return { events: page.events.map(toBody), nextCursor: page.nextCursor };
    },
  );

  app.post(
    "/v1/audit/verify",
    {
      schema: {
        tags,
        response: { 200: VerifyResultBody, ...errorResponses(401, 403) },
      },
    },
    async (request) => {
      await deps.authorizeVerify(request);
      return deps.audit.verify();
    },
  );
}
