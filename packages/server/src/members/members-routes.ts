// HTTP routes for project members.
import { Type } from "typebox";
import type { App } from "../http/app-type.ts";
import { errorResponses, ProjectParams, strictObject } from "../http/schemas.ts";
import type { MembersService } from "./members-service.ts";

const Member = Type.Object(
  {
    userId: Type.String(),
    email: Type.String(),
    name: Type.String(),
    role: Type.String({ description: "owner, admin, developer or viewer" }),
    permissions: Type.Array(Type.String(), {
      description: "Permissions granted beyond the role, e.g. secrets:reveal",
    }),
    createdAt: Type.String({ format: "date-time" }),
  },
  { description: "A person's membership of a project" },
);
const MemberParams = Type.Object({ project: Type.String(), userId: Type.String() });

export function registerMemberRoutes(app: App, members: MembersService): void {
  const tags = ["members"];
  const base = "/v1/projects/:project/members";
  app.get(
    base,
    {
      schema: {
        tags,
        params: ProjectParams,
        response: { 200: Type.Object({ members: Type.Array(Member) }), ...errorResponses(401, 404) },
      },
    },
    async (request) => ({ members: await members.list(request.ctx, request.params.project) }),
  );
  app.post(
    base,
    {
      schema: {
        tags,
        params: ProjectParams,
        body: Type.Object(
          {
            email: Type.String(),
            role: Type.String({ description: "owner, admin, developer or viewer" }),
            permissions: Type.Optional(Type.Array(Type.String(), { maxItems: 20 })),
          },
          strictObject,
        ),
        response: { 201: Member, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await members.add(request.ctx, request.params.project, request.body)),
  );
  app.patch(
    `${base}/:userId`,
    {
      schema: {
        tags,
        params: MemberParams,
        body: Type.Object(
          {
            role: Type.Optional(Type.String()),
            permissions: Type.Optional(Type.Array(Type.String(), { maxItems: 20 })),
          },
          strictObject,
        ),
        response: { 200: Member, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request) =>
      members.update(request.ctx, request.params.project, request.params.userId, request.body),
  );
  app.delete(
    `${base}/:userId`,
    {
      schema: {
        tags,
        params: MemberParams,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await members.remove(request.ctx, request.params.project, request.params.userId);
      return reply.status(204).send(null);
    },
  );
}
