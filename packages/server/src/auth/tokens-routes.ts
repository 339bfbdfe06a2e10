// HTTP routes for API tokens.
import { Type } from "typebox";
import type { App } from "../http/app-type.ts";
import { errorResponses, strictObject } from "../http/schemas.ts";
import { PERMISSIONS } from "./permissions.ts";
import type { TokensService } from "./tokens-service.ts";

const TokenFields = {
  id: Type.String(),
  name: Type.String(),
  projects: Type.Array(Type.String(), { description: 'Project slugs, or ["*"] for all projects' }),
  environments: Type.Union([Type.Array(Type.String()), Type.Null()], {
    description: "null means all environments",
  }),
  permissions: Type.Array(Type.String()),
  expiresAt: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
  createdAt: Type.String({ format: "date-time" }),
  createdBy: Type.Object({ type: Type.String(), id: Type.String(), name: Type.String() }),
  lastUsedAt: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
};
const Token = Type.Object(TokenFields, { description: "An API token's metadata (never the token itself)" });
const CreatedToken = Type.Object(
  { ...TokenFields, token: Type.String({ description: "The token. Shown only in this response." }) },
  { description: "A new API token" },
);

const CreateToken = Type.Object(
  {
    name: Type.String(),
    projects: Type.Array(Type.String(), { maxItems: 1000, description: 'Project slugs, or ["*"]' }),
    environments: Type.Optional(Type.Array(Type.String(), { maxItems: 100 })),
    permissions: Type.Array(Type.String(), {
      maxItems: PERMISSIONS.length,
      description: `Any of: ${PERMISSIONS.join(", ")}`,
    }),
    expiresAt: Type.Optional(Type.String({ description: "ISO 8601 date-time in the future" })),
  },
  strictObject,
);

export function registerTokenRoutes(app: App, tokens: TokensService): void {
  const tags = ["tokens"];
  app.post(
    "/v1/tokens",
    {
      schema: {
        tags,
        body: CreateToken,
        response: { 201: CreatedToken, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => reply.status(201).send(await tokens.create(request.ctx, request.body)),
  );
  app.get(
    "/v1/tokens",
    {
      schema: {
        tags,
        response: { 200: Type.Object({ tokens: Type.Array(Token) }), ...errorResponses(401, 403) },
      },
    },
    async (request) => ({ tokens: await tokens.list(request.ctx) }),
  );
  app.delete(
    "/v1/tokens/:id",
    {
      schema: {
        tags,
        params: Type.Object({ id: Type.String() }),
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await tokens.revoke(request.ctx, request.params.id);
      return reply.status(204).send(null);
    },
  );
}
