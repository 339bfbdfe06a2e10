// HTTP routes for secrets: metadata, values (reveal), versions and rollback.
import { Type } from "typebox";
import type { SecretValue } from "../crypto/secret-value.ts";
import type { App } from "../http/app-type.ts";
import { Actor, EnvParams, errorResponses, strictObject } from "../http/schemas.ts";
import { MAX_BATCH_ITEMS } from "./secrets-batch.ts";
import { MAX_PAGE, type RevealedSecret, type SecretsService } from "./secrets-service.ts";

const Secret = Type.Object(
  {
    key: Type.String(),
    name: Type.Union([Type.String(), Type.Null()]),
    description: Type.String(),
    type: Type.String(),
    metadata: Type.Record(Type.String(), Type.String()),
    fields: Type.Array(Type.String(), { description: "Field names; never their values" }),
    allowedDestinations: Type.Array(Type.String()),
    version: Type.Integer(),
    createdAt: Type.String({ format: "date-time" }),
    createdBy: Actor,
    updatedAt: Type.String({ format: "date-time" }),
    updatedBy: Actor,
  },
  { description: "A secret's metadata. No management response contains a value." },
);

const SecretValueBody = Type.Object(
  {
    key: Type.String(),
    version: Type.Integer(),
    data: Type.Record(Type.String(), Type.String(), { description: "Field name → plaintext value" }),
  },
  { description: "A revealed secret (needs secrets:reveal; audited)" },
);

const Descriptive = {
  description: Type.Optional(Type.String()),
  type: Type.Optional(
    Type.String({ description: 'A category such as "api_key" or "database"; default "generic"' }),
  ),
  name: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: "Display name" })),
  metadata: Type.Optional(Type.Record(Type.String(), Type.String())),
  allowedDestinations: Type.Optional(
    Type.Array(Type.String(), {
      description: 'Hosts the proxy may send the value to: "api.stripe.com", "*.example.com"',
    }),
  ),
};

const CreateSecret = Type.Object(
  {
    key: Type.String({
      description:
        "One or more '/'-separated segments; each starts with a letter, then letters, digits, '_' or '-'",
    }),
    value: Type.Optional(Type.String({ description: 'Shorthand for fields: { "value": … }' })),
    fields: Type.Optional(Type.Record(Type.String(), Type.String())),
    ...Descriptive,
  },
  strictObject,
);

const UpdateSecret = Type.Object(
  {
    value: Type.Optional(Type.String({ description: "Empty keeps the current value" })),
    fields: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String(), Type.Null()]), {
        description:
          "Fields to set; an empty string keeps a field, null removes it; fields not named are kept",
      }),
    ),
    ...Descriptive,
  },
  strictObject,
);

const BatchSecret = Type.Object(
  {
    key: Type.String(),
    value: Type.Optional(Type.String({ description: 'Shorthand for fields: { "value": … }' })),
    fields: Type.Optional(Type.Record(Type.String(), Type.String())),
    description: Descriptive.description,
    type: Descriptive.type,
    metadata: Descriptive.metadata,
  },
  strictObject,
);

const BatchRequest = Type.Object(
  {
    secrets: Type.Array(BatchSecret, { maxItems: MAX_BATCH_ITEMS }),
    onConflict: Type.Union([Type.Literal("skip"), Type.Literal("overwrite"), Type.Literal("fail")], {
      description:
        'For keys that already exist: "skip" them, "overwrite" their value (needs secrets:update too), or "fail" (409, nothing written)',
    }),
    dryRun: Type.Optional(
      Type.Boolean({ description: "Validate and report what would happen; write nothing" }),
    ),
  },
  strictObject,
);

const BatchResult = Type.Object(
  {
    created: Type.Array(Type.String()),
    updated: Type.Array(Type.String()),
    skipped: Type.Array(Type.String()),
  },
  { description: "The keys of the batch by what happened to them (or would, on a dry run)" },
);

const MAX_VERSION = 2 ** 31 - 1;

const KeyParams = Type.Object({
  project: Type.String(),
  env: Type.String(),
  key: Type.String({ description: "The secret key, percent-encoded as one segment (payments%2Fdb)" }),
});
const VersionParams = Type.Object({
  project: Type.String(),
  env: Type.String(),
  key: Type.String(),
  // Versions are 32-bit in storage: a larger number is a 400 here, not a database error.
  version: Type.Integer({ minimum: 1, maximum: MAX_VERSION }),
});
const ListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 100 })),
    cursor: Type.Optional(Type.String()),
    prefix: Type.Optional(
      Type.String({ description: "Whole key segments: 'payments' matches 'payments/db'" }),
    ),
    search: Type.Optional(Type.String({ description: "Case-insensitive substring of key or description" })),
  },
  strictObject,
);

function plain(secret: RevealedSecret) {
  const data: Record<string, string> = {};
  for (const [field, value] of Object.entries(secret.data) as [string, SecretValue][])
    data[field] = value.reveal();
  return { key: secret.key, version: secret.version, data };
}

export function registerSecretRoutes(app: App, secrets: SecretsService): void {
  const tags = ["secrets"];
  const base = "/v1/projects/:project/environments/:env";

  app.get(
    `${base}/secrets`,
    {
      schema: {
        tags,
        params: EnvParams,
        querystring: ListQuery,
        response: {
          200: Type.Object({
            secrets: Type.Array(Secret),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => secrets.list(request.ctx, request.params.project, request.params.env, request.query),
  );

  app.post(
    `${base}/secrets`,
    {
      schema: {
        tags,
        params: EnvParams,
        body: CreateSecret,
        response: { 201: Secret, ...errorResponses(400, 401, 403, 404, 409, 413) },
      },
    },
    async (request, reply) => {
      const { project, env } = request.params;
      return reply.status(201).send(await secrets.create(request.ctx, project, env, request.body));
    },
  );

  app.post(
    `${base}/secrets/batch`,
    {
      schema: {
        tags,
        params: EnvParams,
        body: BatchRequest,
        response: { 200: BatchResult, ...errorResponses(400, 401, 403, 404, 409, 413) },
      },
    },
    async (request) => {
      const { project, env } = request.params;
      return secrets.batch(request.ctx, project, env, request.body);
    },
  );

  app.get(
    `${base}/secrets/:key`,
    { schema: { tags, params: KeyParams, response: { 200: Secret, ...errorResponses(401, 403, 404) } } },
    async (request) => {
      const { project, env, key } = request.params;
      return secrets.describe(request.ctx, project, env, key);
    },
  );

  app.patch(
    `${base}/secrets/:key`,
    {
      schema: {
        tags,
        params: KeyParams,
        body: UpdateSecret,
        response: { 200: Secret, ...errorResponses(400, 401, 403, 404, 409, 413, 422) },
      },
    },
    async (request) => {
      const { project, env, key } = request.params;
      return secrets.update(request.ctx, project, env, key, request.body);
    },
  );

  app.delete(
    `${base}/secrets/:key`,
    { schema: { tags, params: KeyParams, response: { 204: Type.Null(), ...errorResponses(401, 403, 404) } } },
    async (request, reply) => {
      const { project, env, key } = request.params;
      await secrets.remove(request.ctx, project, env, key);
      return reply.status(204).send(null);
    },
  );

  app.get(
    `${base}/secrets/:key/value`,
    {
      schema: {
        tags,
        params: KeyParams,
        response: { 200: SecretValueBody, ...errorResponses(401, 403, 404, 500, 507) },
      },
    },
    async (request) => {
      const { project, env, key } = request.params;
      return plain(await secrets.reveal(request.ctx, project, env, key));
    },
  );

  app.get(
    `${base}/secrets/:key/versions`,
    {
      schema: {
        tags,
        params: KeyParams,
        response: {
          200: Type.Object({
            versions: Type.Array(
              Type.Object({
                version: Type.Integer(),
                createdAt: Type.String({ format: "date-time" }),
                createdBy: Actor,
                fields: Type.Array(Type.String()),
              }),
            ),
          }),
          ...errorResponses(401, 403, 404),
        },
      },
    },
    async (request) => {
      const { project, env, key } = request.params;
      return { versions: await secrets.versions(request.ctx, project, env, key) };
    },
  );

  app.get(
    `${base}/secrets/:key/versions/:version/value`,
    {
      schema: {
        tags,
        params: VersionParams,
        response: { 200: SecretValueBody, ...errorResponses(400, 401, 403, 404, 507) },
      },
    },
    async (request) => {
      const { project, env, key, version } = request.params;
      return plain(await secrets.revealVersion(request.ctx, project, env, key, version));
    },
  );

  app.post(
    `${base}/secrets/:key/rollback`,
    {
      schema: {
        tags,
        params: KeyParams,
        body: Type.Object({ version: Type.Integer({ minimum: 1, maximum: MAX_VERSION }) }, strictObject),
        response: { 200: Secret, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request) => {
      const { project, env, key } = request.params;
      return secrets.rollback(request.ctx, project, env, key, request.body.version);
    },
  );

  app.post(
    `${base}/values`,
    {
      schema: {
        tags,
        params: EnvParams,
        body: Type.Object(
          {
            keys: Type.Optional(
              Type.Array(Type.String(), { maxItems: 10_000, description: "Omit for all secrets" }),
            ),
          },
          strictObject,
        ),
        response: {
          200: Type.Object({ secrets: Type.Array(SecretValueBody) }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const { project, env } = request.params;
      const revealed = await secrets.revealMany(request.ctx, project, env, request.body.keys);
      return { secrets: revealed.map(plain) };
    },
  );
}
