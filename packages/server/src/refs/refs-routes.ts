// HTTP routes for templates: resolve one (reveal) or check its references (metadata only).
import { Type } from "typebox";
import type { App } from "../http/app-type.ts";
import { EnvParams, errorResponses, strictObject } from "../http/schemas.ts";
import type { RefsService } from "./refs-service.ts";

const TemplateBody = Type.Object(
  {
    template: Type.Unknown({
      description:
        'A string, or any JSON document whose string values hold references: "$SECRET/NAME", "$SECRET/NAME.field", "{{ secrets.NAME }}", "{{ secrets.NAME.field }}"; a backslash keeps one literal',
    }),
  },
  strictObject,
);

const ReferenceStatus = Type.Object({
  reference: Type.String({ description: "As written in the template" }),
  key: Type.String(),
  field: Type.String({ description: 'The field looked up ("value" when none is written)' }),
  syntax: Type.String({ description: '"dollar" or "braces"' }),
  location: Type.Object({
    path: Type.Array(Type.Union([Type.String(), Type.Integer()]), {
      description: "Where the string sits in a JSON template (empty for a string template)",
    }),
    line: Type.Integer(),
    column: Type.Integer(),
    offset: Type.Integer(),
  }),
  exists: Type.Boolean(),
  problem: Type.Union([Type.Literal("secret_not_found"), Type.Literal("field_not_found"), Type.Null()]),
});

export function registerRefsRoutes(app: App, refs: RefsService): void {
  const tags = ["references"];
  const base = "/v1/projects/:project/environments/:env";

  app.post(
    `${base}/resolve`,
    {
      schema: {
        tags,
        summary: "Resolve a template (needs secrets:reveal; one audit event per secret)",
        params: EnvParams,
        body: TemplateBody,
        response: {
          200: Type.Object({
            resolved: Type.Unknown({ description: "The template's shape, references replaced" }),
          }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const { project, env } = request.params;
      return { resolved: await refs.resolve(request.ctx, project, env, request.body.template) };
    },
  );

  app.post(
    `${base}/references/check`,
    {
      schema: {
        tags,
        summary:
          "List a template's references and whether each exists (needs secrets:list; no value is read)",
        params: EnvParams,
        body: TemplateBody,
        response: {
          200: Type.Object({
            ok: Type.Boolean({ description: "True when every reference exists" }),
            references: Type.Array(ReferenceStatus),
          }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const { project, env } = request.params;
      return refs.check(request.ctx, project, env, request.body.template);
    },
  );
}
