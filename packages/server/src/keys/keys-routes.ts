// HTTP routes for key management: data-key rotation and the status of every key version.
import { Type } from "typebox";
import type { App } from "../http/app-type.ts";
import { errorResponses, strictObject } from "../http/schemas.ts";
import type { DataKeyRotation } from "./data-key-rotation.ts";

const Status = Type.Object({
  projects: Type.Array(
    Type.Object({
      project: Type.String(),
      activeVersion: Type.Integer(),
      versions: Type.Array(
        Type.Object({ version: Type.Integer(), active: Type.Boolean(), values: Type.Integer() }),
      ),
    }),
  ),
  rotation: Type.Object({
    running: Type.Boolean(),
    remaining: Type.Integer({ description: "Values still sealed with an older data key version" }),
  }),
});

export function registerKeyRoutes(app: App, rotation: DataKeyRotation): void {
  const tags = ["keys"];
  app.get(
    "/v1/keys/status",
    { schema: { tags, response: { 200: Status, ...errorResponses(401, 403) } } },
    async (request) => rotation.status(request.ctx),
  );
  app.post(
    "/v1/keys/rotate-data",
    {
      schema: {
        tags,
        body: Type.Object(
          { project: Type.Optional(Type.String({ description: "Omit for every project" })) },
          strictObject,
        ),
        response: {
          202: Type.Object({ projects: Type.Array(Type.String()) }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) =>
      reply.status(202).send(await rotation.rotate(request.ctx, request.body.project)),
  );
}
