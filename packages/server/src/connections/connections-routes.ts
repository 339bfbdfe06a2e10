// HTTP routes for connections: list, read, create (optionally from a preset), update and delete.
import { Type } from "typebox";
import type { App } from "../http/app-type.ts";
import { Actor, errorResponses, ProjectParams, strictObject } from "../http/schemas.ts";
import { CONNECTION_LIMITS, PROXY_METHODS } from "./connection-rules.ts";
import type { ConnectionsService } from "./connections-service.ts";
import { PRESET_NAMES } from "./presets.ts";

const Templates = (what: string) =>
  Type.Record(Type.String(), Type.String(), {
    description: `${what} name → template; "$SECRET/NAME" and "{{ secrets.NAME.field }}" are resolved per request`,
  });

const Methods = Type.Union([Type.Array(Type.String(), { maxItems: PROXY_METHODS.length * 2 }), Type.Null()], {
  description: `Allowed methods (${PROXY_METHODS.join(", ")}); null or absent: all`,
});
const Paths = Type.Union([Type.Array(Type.String(), { maxItems: CONNECTION_LIMITS.paths }), Type.Null()], {
  description: 'Allowed path globs below the base URL ("/v1/**", "/v1/models/*"); null or absent: all',
});

const Settings = {
  description: Type.Optional(Type.String()),
  baseUrl: Type.Optional(
    Type.String({ description: "https://host[:port][/path]; http and private hosts only in development" }),
  ),
  headers: Type.Optional(Templates("Header")),
  query: Type.Optional(Templates("Query parameter")),
  methods: Type.Optional(Methods),
  paths: Type.Optional(Paths),
  timeoutMs: Type.Optional(
    Type.Integer({
      description: "Longest wait for the response headers and between body chunks (default 120000)",
    }),
  ),
  maxBodyBytes: Type.Optional(
    Type.Integer({ description: "Largest request body accepted (default 10 MiB)" }),
  ),
};

const Connection = Type.Object(
  {
    name: Type.String(),
    description: Type.String(),
    preset: Type.Union([Type.String(), Type.Null()]),
    baseUrl: Type.String(),
    headers: Type.Record(Type.String(), Type.String()),
    query: Type.Record(Type.String(), Type.String()),
    methods: Type.Union([Type.Array(Type.String()), Type.Null()]),
    paths: Type.Union([Type.Array(Type.String()), Type.Null()]),
    timeoutMs: Type.Integer(),
    maxBodyBytes: Type.Integer(),
    references: Type.Array(Type.String(), { description: "Secret keys its templates reference" }),
    createdAt: Type.String({ format: "date-time" }),
    createdBy: Actor,
    updatedAt: Type.String({ format: "date-time" }),
    updatedBy: Actor,
  },
  { description: "A named upstream of the egress proxy. Holds references, never values." },
);

const CreateConnection = Type.Object(
  {
    name: Type.String({ description: "Lowercase letter first, then lowercase letters, digits and '-'" }),
    preset: Type.Optional(
      Type.String({ description: `Defaults for a known API: ${PRESET_NAMES.join(", ")}` }),
    ),
    secret: Type.Optional(
      Type.String({ description: "With a preset: the key of the secret holding the API key" }),
    ),
    ...Settings,
  },
  strictObject,
);

const ConnectionParams = Type.Object({ project: Type.String(), connection: Type.String() });

export function registerConnectionRoutes(app: App, connections: ConnectionsService): void {
  const tags = ["connections"];
  const base = "/v1/projects/:project/connections";

  app.get(
    base,
    {
      schema: {
        tags,
        params: ProjectParams,
        response: {
          200: Type.Object({ connections: Type.Array(Connection) }),
          ...errorResponses(401, 403, 404),
        },
      },
    },
    async (request) => ({ connections: await connections.list(request.ctx, request.params.project) }),
  );

  app.post(
    base,
    {
      schema: {
        tags,
        params: ProjectParams,
        body: CreateConnection,
        response: { 201: Connection, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await connections.create(request.ctx, request.params.project, request.body)),
  );

  app.get(
    `${base}/:connection`,
    {
      schema: {
        tags,
        params: ConnectionParams,
        response: { 200: Connection, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => connections.get(request.ctx, request.params.project, request.params.connection),
  );

  app.patch(
    `${base}/:connection`,
    {
      schema: {
        tags,
        params: ConnectionParams,
        body: Type.Object(Settings, strictObject),
        response: { 200: Connection, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request) =>
      connections.update(request.ctx, request.params.project, request.params.connection, request.body),
  );

  app.delete(
    `${base}/:connection`,
    {
      schema: {
        tags,
        params: ConnectionParams,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await connections.remove(request.ctx, request.params.project, request.params.connection);
      return reply.status(204).send(null);
    },
  );
}
