// Schemas shared by several route modules; each domain's own schemas live beside its routes.
import type { SwaggerTransform } from "@fastify/swagger";
import { Type } from "typebox";

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
  },
  { description: "Every error response has this shape." },
);

export const Actor = Type.Object(
  { type: Type.String(), id: Type.String(), name: Type.String() },
  { description: "Who did it: an API token (later also a person)." },
);

export const ProjectParams = Type.Object({ project: Type.String({ description: "Project slug" }) });
export const EnvParams = Type.Object({
  project: Type.String({ description: "Project slug" }),
  env: Type.String({ description: "Environment slug" }),
});

export const ForceQuery = Type.Object(
  {
    force: Type.Optional(
      Type.Boolean({ description: "Also delete the secrets it holds (cannot be undone)" }),
    ),
  },
  { additionalProperties: false },
);

/** The standard error responses a route can give, for the OpenAPI document. */
export function errorResponses(...statuses: number[]): Record<number, typeof ErrorBody> {
  return Object.fromEntries(statuses.map((status) => [status, ErrorBody]));
}

const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * The OpenAPI `transform` that adds 507 to every route with a write method: any write can find the database out of
 * space (`storage_full`, see describeError), so routes need not each list it. Reads that write an audit event (the
 * reveals) list 507 themselves. The route's own schema is not changed: it also serialises the responses.
 */
export const documentStorageFull: SwaggerTransform = ({ schema, url, route }) => {
  const methods = typeof route.method === "string" ? [route.method] : route.method;
  if (schema === undefined || !methods.some((method) => WRITE_METHODS.has(method))) return { schema, url };
  const response = (schema.response ?? {}) as Record<string, unknown>;
  if (response["507"] !== undefined) return { schema, url };
  return { schema: { ...schema, response: { ...response, 507: ErrorBody } }, url };
};

export const strictObject = { additionalProperties: false } as const;
