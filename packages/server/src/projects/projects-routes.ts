// HTTP routes for projects and environments.
import { Type } from "typebox";
import type { App } from "../http/app-type.ts";
import { EnvParams, errorResponses, ForceQuery, ProjectParams, strictObject } from "../http/schemas.ts";
import type { ProjectsService } from "./projects-service.ts";

const Project = Type.Object(
  {
    id: Type.String(),
    slug: Type.String(),
    name: Type.String(),
    description: Type.String(),
    createdAt: Type.String({ format: "date-time" }),
    updatedAt: Type.String({ format: "date-time" }),
  },
  { description: "A project: the isolation boundary for secrets" },
);

const Environment = Type.Object(
  {
    id: Type.String(),
    slug: Type.String(),
    name: Type.String(),
    createdAt: Type.String({ format: "date-time" }),
  },
  { description: "An environment of a project" },
);

const CreateProject = Type.Object(
  {
    slug: Type.String({
      description: "Lowercase letter first, then lowercase letters, digits and '-'; at most 64",
    }),
    name: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    environments: Type.Optional(
      Type.Array(Type.String(), {
        description: "Defaults to development, staging, production",
        maxItems: 50,
      }),
    ),
  },
  strictObject,
);

const UpdateProject = Type.Object(
  { name: Type.Optional(Type.String()), description: Type.Optional(Type.String()) },
  strictObject,
);

const CreateEnvironment = Type.Object(
  { slug: Type.String(), name: Type.Optional(Type.String()) },
  strictObject,
);

export function registerProjectRoutes(app: App, projects: ProjectsService): void {
  const tags = ["projects"];
  app.get(
    "/v1/projects",
    {
      schema: {
        tags,
        response: { 200: Type.Object({ projects: Type.Array(Project) }), ...errorResponses(401) },
      },
    },
    async (request) => ({ projects: await projects.list(request.ctx) }),
  );

  app.post(
    "/v1/projects",
    {
      schema: {
        tags,
        body: CreateProject,
        response: { 201: Project, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => reply.status(201).send(await projects.create(request.ctx, request.body)),
  );

  app.get(
    "/v1/projects/:project",
    { schema: { tags, params: ProjectParams, response: { 200: Project, ...errorResponses(401, 404) } } },
    async (request) => projects.get(request.ctx, request.params.project),
  );

  app.patch(
    "/v1/projects/:project",
    {
      schema: {
        tags,
        params: ProjectParams,
        body: UpdateProject,
        response: { 200: Project, ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request) => projects.update(request.ctx, request.params.project, request.body),
  );

  app.delete(
    "/v1/projects/:project",
    {
      schema: {
        tags,
        params: ProjectParams,
        querystring: ForceQuery,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await projects.remove(request.ctx, request.params.project, request.query.force === true);
      return reply.status(204).send(null);
    },
  );

  app.get(
    "/v1/projects/:project/environments",
    {
      schema: {
        tags,
        params: ProjectParams,
        response: {
          200: Type.Object({ environments: Type.Array(Environment) }),
          ...errorResponses(401, 404),
        },
      },
    },
    async (request) => ({
      environments: await projects.listEnvironments(request.ctx, request.params.project),
    }),
  );

  app.post(
    "/v1/projects/:project/environments",
    {
      schema: {
        tags,
        params: ProjectParams,
        body: CreateEnvironment,
        response: { 201: Environment, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await projects.createEnvironment(request.ctx, request.params.project, request.body)),
  );

  app.delete(
    "/v1/projects/:project/environments/:env",
    {
      schema: {
        tags,
        params: EnvParams,
        querystring: ForceQuery,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const { project, env } = request.params;
      await projects.removeEnvironment(request.ctx, project, env, request.query.force === true);
      return reply.status(204).send(null);
    },
  );
}
