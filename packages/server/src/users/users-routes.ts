// HTTP routes for sign-in, sessions, the first-run setup, and user administration.
import type { FastifyReply, FastifyRequest } from "fastify";
import { Type } from "typebox";
import type { Principal } from "../auth/permissions.ts";
import type { App } from "../http/app-type.ts";
import { errorResponses, strictObject } from "../http/schemas.ts";
import { SESSION_COOKIE, type UsersService } from "./users-service.ts";

const User = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  instanceAdmin: Type.Boolean(),
  createdAt: Type.String({ format: "date-time" }),
});

const Credentials = Type.Object({ email: Type.String(), password: Type.String() }, strictObject);

export function origin(request: FastifyRequest) {
  return {
    sourceIp: request.ip,
    userAgent: request.headers["user-agent"]?.slice(0, 512) ?? null,
    requestId: String(request.id),
  };
}

function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  value: string,
  maxAgeSeconds: number,
) {
  const secure = request.protocol === "https" ? "; Secure" : "";
  reply.header(
    "set-cookie",
    `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`,
  );
}

export function registerUserRoutes(app: App, users: UsersService): void {
  const tags = ["auth"];
  app.post(
    "/v1/auth/login",
    {
      config: { public: true },
      schema: {
        tags,
        security: [],
        body: Credentials,
        response: {
          200: Type.Object({
            user: User,
            csrfToken: Type.String(),
            expiresAt: Type.String({ format: "date-time" }),
          }),
          ...errorResponses(400, 401, 429),
        },
      },
    },
    async (request, reply) => {
      const session = await users.login(origin(request), request.body);
      const maxAge = Math.max(0, Math.floor((Date.parse(session.expiresAt) - Date.now()) / 1000));
      setSessionCookie(request, reply, session.token, maxAge);
      return { user: session.user, csrfToken: session.csrfToken, expiresAt: session.expiresAt };
    },
  );

  app.post(
    "/v1/auth/logout",
    { schema: { tags, response: { 204: Type.Null(), ...errorResponses(400, 401, 403) } } },
    async (request, reply) => {
      await users.logout(request.ctx);
      setSessionCookie(request, reply, "", 0);
      return reply.status(204).send(null);
    },
  );

  app.get(
    "/v1/auth/me",
    {
      schema: {
        tags,
        response: {
          200: Type.Object({
            kind: Type.String({ description: "user or token" }),
            actor: Type.Object({ type: Type.String(), id: Type.String(), name: Type.String() }),
            user: Type.Union([User, Type.Null()]),
            csrfToken: Type.Union([Type.String(), Type.Null()]),
            token: Type.Union(
              [
                Type.Object({
                  projects: Type.Union([Type.Literal("*"), Type.Array(Type.String())], {
                    description: 'The ids of the projects the token may see, or "*" for all',
                  }),
                  environments: Type.Union([Type.Array(Type.String()), Type.Null()], {
                    description: "Environment slugs the token may see; null for all",
                  }),
                  permissions: Type.Array(Type.String()),
                }),
                Type.Null(),
              ],
              { description: "An API token's scope; null for a person" },
            ),
          }),
          ...errorResponses(401),
        },
      },
    },
    async (request) => {
      const me = await users.me(request.ctx);
      return {
        kind: request.ctx.principal.kind,
        actor: request.ctx.principal.actor,
        user: me?.user ?? null,
        csrfToken: me?.csrfToken ?? null,
        token: tokenScope(request.ctx.principal),
      };
    },
  );

  app.post(
    "/v1/auth/password",
    {
      schema: {
        tags,
        body: Type.Object({ currentPassword: Type.String(), newPassword: Type.String() }, strictObject),
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      await users.changePassword(request.ctx, request.body);
      return reply.status(204).send(null);
    },
  );

  app.post(
    "/v1/setup",
    {
      config: { public: true },
      schema: {
        tags,
        security: [],
        body: Type.Object(
          {
            token: Type.String(),
            email: Type.String(),
            password: Type.String(),
            name: Type.Optional(Type.String()),
          },
          strictObject,
        ),
        response: { 201: User, ...errorResponses(400, 401, 409, 429) },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await users.completeSetup(origin(request), request.body)),
  );

  const userTags = ["users"];
  app.get(
    "/v1/users",
    {
      schema: {
        tags: userTags,
        response: { 200: Type.Object({ users: Type.Array(User) }), ...errorResponses(401, 403) },
      },
    },
    async (request) => ({ users: await users.list(request.ctx) }),
  );
  app.post(
    "/v1/users",
    {
      schema: {
        tags: userTags,
        body: Type.Object(
          {
            email: Type.String(),
            password: Type.String(),
            name: Type.Optional(Type.String()),
            instanceAdmin: Type.Optional(Type.Boolean()),
          },
          strictObject,
        ),
        response: { 201: User, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => reply.status(201).send(await users.create(request.ctx, request.body)),
  );
  app.delete(
    "/v1/users/:id",
    {
      schema: {
        tags: userTags,
        params: Type.Object({ id: Type.String() }),
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await users.remove(request.ctx, request.params.id);
      return reply.status(204).send(null);
    },
  );
}

function tokenScope(principal: Principal) {
  if (principal.kind !== "token") return null;
  return {
    projects: principal.projects === "*" ? ("*" as const) : [...principal.projects],
    environments: principal.environments === null ? null : [...principal.environments],
    permissions: [...principal.permissions],
  };
}
