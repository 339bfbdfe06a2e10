// Schemas shared by several route modules; each domain's own schemas live beside its routes.
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

export const strictObject = { additionalProperties: false } as const;
